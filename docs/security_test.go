// Package docs holds the project's prose; its tests keep the prose honest.
package docs

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var (
	// `programs/<program>.TestName` or `internal/<package>.TestName`: a Go test in that package.
	goTestRef = regexp.MustCompile("`((?:programs|internal)/[a-z]+)\\.(Test[A-Za-z0-9_]+)`")
	// `programs/<program>/test/<file>.c:case`: a host C test case.
	cTestRef = regexp.MustCompile("`(programs/[a-z]+/test/[a-z_]+\\.c):([a-z0-9_]+)`")
)

// Every test that docs/security.md names as proof exists, and every instruction of every
// program has a row, so the document cannot claim a protection that no test checks.
func TestSecurityNamesRealTests(t *testing.T) {
	doc, err := os.ReadFile("security.md")
	require.NoError(t, err)
	text := string(doc)

	goRefs := goTestRef.FindAllStringSubmatch(text, -1)
	require.NotEmpty(t, goRefs)
	sources := map[string]string{}
	for _, ref := range goRefs {
		pkg, name := ref[1], ref[2]
		if _, ok := sources[pkg]; !ok {
			sources[pkg] = readAll(t, filepath.Join("..", pkg, "*_test.go"))
		}
		require.True(t, strings.Contains(sources[pkg], "func "+name+"("), "docs/security.md names %s.%s, which does not exist", pkg, name)
	}
	for _, ref := range cTestRef.FindAllStringSubmatch(text, -1) {
		src, err := os.ReadFile(filepath.Join("..", ref[1]))
		require.NoError(t, err, "docs/security.md names %s", ref[1])
		require.True(t, strings.Contains(string(src), "GP_TEST("+ref[2]+")"), "docs/security.md names %s:%s, which does not exist", ref[1], ref[2])
	}

	for _, program := range []string{"registry", "escrow", "economy"} {
		var idl struct {
			Instructions []struct{ Name string } `json:"instructions"`
		}
		raw, err := os.ReadFile(filepath.Join("..", "idl", program+".json"))
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(raw, &idl))
		for _, ix := range idl.Instructions {
			require.Contains(t, text, "| "+program+"."+ix.Name+" |", "docs/security.md has no row for %s.%s", program, ix.Name)
		}
	}
}

func readAll(t *testing.T, glob string) string {
	files, err := filepath.Glob(glob)
	require.NoError(t, err)
	require.NotEmpty(t, files, glob)
	var b strings.Builder
	for _, f := range files {
		src, err := os.ReadFile(f)
		require.NoError(t, err)
		b.Write(src)
	}
	return b.String()
}
