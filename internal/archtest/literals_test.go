package archtest

import (
	"fmt"
	"go/scanner"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/internal/idl"
)

// Error codes are 6000-6399: the common ones from 6000, each program's from 6100.
const firstErrorCode, lastErrorCode = 6000, 6399

// exempt are hand-written files allowed to hold error codes, and why.
var exempt = map[string]string{
	"programs/sdk/include/gpunet/error.h": "defines the common codes GP_ERR_*, which every generated header asserts equal to its IDL's",
}

// handWritten reports whether a repository file is hand-written code the rule covers: C and Go
// outside generated code (client/, programs/*/gen/) and outside tests, which may pin exact
// values on purpose. internal/idl is the generator: it defines where codes start.
func handWritten(rel string) bool {
	switch {
	case strings.HasPrefix(rel, "client/"), strings.Contains(rel, "/gen/"), strings.HasPrefix(rel, "internal/idl/"),
		strings.HasPrefix(rel, "localnet/"), strings.HasPrefix(rel, "target/"), strings.Contains(rel, "/testdata/"),
		strings.HasSuffix(rel, "_test.go"), strings.Contains(rel, "/test/"), exempt[rel] != "":
		return false
	}
	return strings.HasSuffix(rel, ".go") || strings.HasSuffix(rel, ".c") || strings.HasSuffix(rel, ".h")
}

// seeds are every PDA seed of every IDL, as text.
func seeds(t *testing.T, root string) map[string]bool {
	paths, err := filepath.Glob(filepath.Join(root, "idl", "*.json"))
	require.NoError(t, err)
	out := map[string]bool{}
	for _, path := range paths {
		doc, err := idl.Load(path)
		require.NoError(t, err)
		for _, c := range doc.Constants {
			if c.Type.Primitive == "bytes" {
				b, err := c.Bytes()
				require.NoError(t, err)
				out[string(b)] = true
			}
		}
	}
	require.NotEmpty(t, out)
	return out
}

// literal is a string or integer literal in code (comments are not code). C strings are all
// listed (C spells a seed "config"), Go's only when made bytes.
type literal struct {
	line int
	str  bool
	text string // a string's value, an integer's digits
}

// goLiterals lists a Go file's integer literals and the strings it turns into bytes
// ([]byte("config"), how Go spells a seed; the same word as a flag or map key is no seed).
func goLiterals(src []byte) []literal {
	var s scanner.Scanner
	fset := token.NewFileSet()
	file := fset.AddFile("", -1, len(src))
	s.Init(file, src, nil, 0)
	var out []literal
	var last []string // the previous four tokens
	for {
		pos, tok, lit := s.Scan()
		if lit == "" {
			lit = tok.String()
		}
		bytesOf := strings.Join(last, "") == "[]byte("
		last = append(last, lit)
		if len(last) > 4 {
			last = last[1:]
		}
		switch tok {
		case token.EOF:
			return out
		case token.STRING:
			if v, err := strconv.Unquote(lit); err == nil && bytesOf {
				out = append(out, literal{fset.Position(pos).Line, true, v})
			}
		case token.INT:
			out = append(out, literal{fset.Position(pos).Line, false, strings.ReplaceAll(lit, "_", "")})
		}
	}
}

var cToken = regexp.MustCompile(`(?s)/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|\b[0-9][0-9a-zA-Z]*\b`)

func cLiterals(src []byte) []literal {
	var out []literal
	for _, loc := range cToken.FindAllIndex(src, -1) {
		tok := string(src[loc[0]:loc[1]])
		line := 1 + strings.Count(string(src[:loc[0]]), "\n")
		switch tok[0] {
		case '/', '\'':
		case '"':
			out = append(out, literal{line, true, tok[1 : len(tok)-1]})
		default:
			out = append(out, literal{line, false, strings.TrimRight(tok, "uUlL")})
		}
	}
	return out
}

// violations lists, as "path:line: why", the seed and error code literals of one file.
func violations(rel string, src []byte, seeds map[string]bool) []string {
	lits := cLiterals
	if strings.HasSuffix(rel, ".go") {
		lits = goLiterals
	}
	var out []string
	for _, l := range lits(src) {
		if l.str && seeds[l.text] {
			out = append(out, fmt.Sprintf("%s:%d: PDA seed %q: use the generated constant", rel, l.line, l.text))
		}
		if n, err := strconv.ParseUint(l.text, 10, 32); !l.str && err == nil && n >= firstErrorCode && n <= lastErrorCode {
			out = append(out, fmt.Sprintf("%s:%d: error code %d: use the generated error", rel, l.line, n))
		}
	}
	return out
}

// Hand-written C and Go name PDA seeds and error codes through what idlgen generates from
// the IDLs, never as literals, so the IDL stays their one definition.
func TestNoSeedOrErrorCodeLiterals(t *testing.T) {
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	known := seeds(t, root)
	var found []string
	scanned := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules") && rel != "." {
			return filepath.SkipDir
		}
		if d.IsDir() || !handWritten(filepath.ToSlash(rel)) {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		scanned++
		found = append(found, violations(filepath.ToSlash(rel), src, known)...)
		return nil
	})
	require.NoError(t, err)
	require.Greater(t, scanned, 100) // the walk did reach the programs and packages
	require.Empty(t, found)
}

// The scanners find literals in code and skip comments, in both languages.
func TestViolations(t *testing.T) {
	known := map[string]bool{"config": true}
	c := []byte("/* [\"config\"] 6100 */\n// 6101\nx = \"config\";\nreturn 6102u; y = 16; z = 'c';\n")
	require.Equal(t, []string{
		`a.c:3: PDA seed "config": use the generated constant`,
		"a.c:4: error code 6102: use the generated error",
	}, violations("a.c", c, known))
	goSrc := []byte("package a\n\n// \"config\" 6100\nvar x = []byte(\"config\")\nconst y = 6_399\nconst z = 6400\nvar flag = \"config\"\n")
	require.Equal(t, []string{
		`a.go:4: PDA seed "config": use the generated constant`,
		"a.go:5: error code 6399: use the generated error",
	}, violations("a.go", goSrc, known))
}
