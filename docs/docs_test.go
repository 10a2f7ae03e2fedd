package docs

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var (
	// `internal/<package>.TestName` or `docs/<package>.TestName/subtest`: a Go test (and subtest)
	// that architecture.md names as the enforcement of a rule.
	archTestRef = regexp.MustCompile("`((?:internal|docs)/[a-z/]+|docs)\\.(Test[A-Za-z0-9_]+)(?:/([a-z_]+))?`")
	// a layer rule of internal/archtest: {"name", func(r string, p pkg) ...
	layerRule = regexp.MustCompile(`\{"([a-z_]+)", func\(r string, p pkg\)`)
	// a Markdown link's target: [text](target)
	mdLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)
)

// Every test architecture.md names exists (a subtest as a rule of TestLayers), and every rule
// of TestLayers is named, so the page and the enforcement cannot drift apart.
func TestArchitectureNamesRealTests(t *testing.T) {
	doc := read(t, "architecture.md")
	refs := archTestRef.FindAllStringSubmatch(doc, -1)
	require.NotEmpty(t, refs)
	for _, ref := range refs {
		src := readAll(t, filepath.Join("..", ref[1], "*_test.go"))
		require.Contains(t, src, "func "+ref[2]+"(", "architecture.md names %s.%s, which does not exist", ref[1], ref[2])
		if ref[3] != "" {
			require.Contains(t, src, `{"`+ref[3]+`", func`, "architecture.md names the rule %s, which TestLayers lacks", ref[3])
		}
	}
	rules := layerRule.FindAllStringSubmatch(read(t, "../internal/archtest/deps_test.go"), -1)
	require.Len(t, rules, 6)
	for _, rule := range rules {
		require.Contains(t, doc, "`internal/archtest.TestLayers/"+rule[1]+"`")
	}
}

// The ten-line binary architecture.md shows is the code of docs/hello, which TestHello runs.
func TestArchitectureShowsHello(t *testing.T) {
	doc := read(t, "architecture.md")
	_, block, ok := strings.Cut(doc, "## A new binary in about ten lines")
	require.True(t, ok)
	_, block, ok = strings.Cut(block, "```go\n")
	require.True(t, ok)
	block, _, ok = strings.Cut(block, "```")
	require.True(t, ok)
	require.Contains(t, read(t, "hello/main.go"), block)
	require.Greater(t, strings.Count(block, "\n"), 10)
}

// Every relative link of every Markdown file leads to a file of the repository, and no
// hand-written file points at notes outside it or at a path on some machine.
func TestReferencesStayInTheRepository(t *testing.T) {
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	outside := []string{"shared/" + "notes", "/" + "work/", "/" + "home/"} // split, so this file passes
	checked := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			if rel != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules" || d.Name() == "dist" || rel == "target") {
				return filepath.SkipDir
			}
			return nil
		}
		ext := filepath.Ext(path)
		if !slices.Contains([]string{".md", ".go", ".json", ".c", ".h", ".ts", ".mjs", ".toml"}, ext) || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		checked++
		for _, s := range outside {
			require.NotContains(t, string(src), s, "%s points outside the repository", rel)
		}
		if ext != ".md" {
			return nil
		}
		for _, link := range mdLink.FindAllStringSubmatch(string(src), -1) {
			target, _, _ := strings.Cut(link[1], "#")
			if target == "" || strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			abs := filepath.Join(filepath.Dir(path), target)
			require.True(t, strings.HasPrefix(abs, root+string(filepath.Separator)), "%s links outside the repository: %s", rel, link[1])
			_, err := os.Stat(abs)
			require.NoError(t, err, "%s links to a missing file: %s", rel, link[1])
		}
		return nil
	})
	require.NoError(t, err)
	require.Greater(t, checked, 200)
}

func read(t *testing.T, path string) string {
	src, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(src)
}
