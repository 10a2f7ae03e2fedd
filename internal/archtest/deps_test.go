package archtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

const module = "github.com/gpunet/gpunet"

// nvmlEdge is the one package allowed cgo: the worker's binding of NVML, the GPU driver's C library.
const nvmlEdge = "worker/nvml"

// chainMayImport is the one client/ package the chain layer uses: the error type every
// program's generated client shares, not a program client.
const chainMayImport = "client/programerr"

var (
	// daemons are the directories of the daemons, at the root or under internal/, whether
	// or not they exist yet.
	daemons = []string{"worker", "oracle", "keeper", "indexer"}
	// pure packages compute and do no I/O, so anything can call them and tests need no chain.
	pure = []string{"internal/protocol", "internal/sbpf", "internal/poc", "internal/scheduler", "internal/jobsecret"}
	// ioPackages are the standard library's I/O, forbidden to pure packages.
	ioPackages = []string{"os", "net", "syscall", "io/ioutil", "database/sql", "log"}
)

// pkg is what `go list -deps -json` says of a package that the rules read.
type pkg struct {
	ImportPath string
	Imports    []string // direct
	Deps       []string // transitive
	CgoFiles   []string
}

// rel is a module package's path inside the module ("internal/chain"), "" for any other.
func rel(importPath string) string {
	if importPath == module {
		return "."
	}
	r, _ := strings.CutPrefix(importPath, module+"/")
	if r == importPath {
		return ""
	}
	return r
}

// under reports whether a path is dir or inside it.
func under(r, dir string) bool { return r == dir || strings.HasPrefix(r, dir+"/") }

// underAny reports whether a path is inside one of dirs.
func underAny(r string, dirs []string) bool {
	return slices.ContainsFunc(dirs, func(dir string) bool { return under(r, dir) })
}

// daemonOf names the daemon a module path belongs to ("" for none).
func daemonOf(r string) string {
	for _, d := range daemons {
		if under(r, d) || under(r, "internal/"+d) {
			return d
		}
	}
	return ""
}

// A layerRule reports, as "package: why", what a module package r breaks.
type layerRule struct {
	name  string
	check func(r string, p pkg) []string
}

// deps reports, as "r -> dep: why", each module package among p's transitive deps that bad
// names a reason for.
func deps(r string, p pkg, why string, bad func(dep string) bool) []string {
	var out []string
	for _, imp := range p.Deps {
		if d := rel(imp); d != "" && bad(d) {
			out = append(out, fmt.Sprintf("%s -> %s: %s", r, d, why))
		}
	}
	return out
}

// layerRules are the architecture's import rules, each a subtest of TestLayers (named in
// docs/architecture.md). Imports count transitively: a daemon that reaches another through a
// helper package still depends on it.
var layerRules = []layerRule{
	{"daemons_are_independent", func(r string, p pkg) []string {
		own := daemonOf(r)
		if own == "" {
			return nil
		}
		return deps(r, p, "a daemon imports neither another daemon nor cmd/", func(d string) bool {
			return under(d, "cmd") || daemonOf(d) != "" && daemonOf(d) != own
		})
	}},
	{"chain_layer_knows_no_program", func(r string, p pkg) []string {
		if !under(r, "internal/chain") {
			return nil
		}
		return deps(r, p, "the chain layer imports no program client and no daemon", func(d string) bool {
			return under(d, "client") && !under(d, chainMayImport) || under(d, "onchain") || daemonOf(d) != ""
		})
	}},
	{"client_is_standalone", func(r string, p pkg) []string {
		if !under(r, "client") {
			return nil
		}
		return deps(r, p, "client/ imports nothing of internal/", func(d string) bool { return under(d, "internal") })
	}},
	{"pure_packages_do_no_io", func(r string, p pkg) []string {
		if !underAny(r, pure) {
			return nil
		}
		out := deps(r, p, "a pure package imports neither the chain layer nor a daemon", func(d string) bool {
			return under(d, "internal/chain") || daemonOf(d) != ""
		})
		for _, imp := range p.Deps {
			if strings.HasPrefix(imp, "github.com/jackc/") {
				out = append(out, fmt.Sprintf("%s -> %s: a pure package uses no database", r, imp))
			}
		}
		for _, imp := range p.Imports {
			if underAny(imp, ioPackages) {
				out = append(out, fmt.Sprintf("%s -> %s: a pure package does no I/O", r, imp))
			}
		}
		return out
	}},
	{"cgo_only_at_the_nvml_edge", func(r string, p pkg) []string {
		if len(p.CgoFiles) == 0 || r == nvmlEdge {
			return nil
		}
		return []string{fmt.Sprintf("%s uses cgo (%s): only %s may", r, strings.Join(p.CgoFiles, ", "), nvmlEdge)}
	}},
	{"testing_only_in_tests", func(r string, p pkg) []string {
		if !slices.Contains(p.Imports, "testing") {
			return nil
		}
		return []string{r + " -> testing: only _test.go files import testing, so harnesses serve binaries too"}
	}},
}

// ruleViolations runs rule over every package of the module.
func ruleViolations(rule layerRule, pkgs []pkg) []string {
	var out []string
	for _, p := range pkgs {
		if r := rel(p.ImportPath); r != "" {
			out = append(out, rule.check(r, p)...)
		}
	}
	return out
}

// listPackages is `go list -deps -json ./...` in dir: every package of the module as built
// (test files left out: a test may compose what the code keeps apart) and all they import.
func listPackages(dir string) ([]pkg, error) {
	cmd := exec.Command("go", "list", "-deps", "-json", "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1") // so that a cgo file shows as one
	var stderr strings.Builder
	cmd.Stderr = &stderr
	data, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %w: %s", err, stderr.String())
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(data)))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			return pkgs, nil
		} else if err != nil {
			return nil, err
		}
		pkgs = append(pkgs, p)
	}
}

// repository lists this repository's packages once per test run (go list is slow).
var repository = sync.OnceValues(func() ([]pkg, error) { return listPackages("../..") })

// The repository keeps its layers: no rule is broken today.
func TestLayers(t *testing.T) {
	pkgs, err := repository()
	require.NoError(t, err)
	require.Greater(t, len(pkgs), 50)
	for _, rule := range layerRules {
		t.Run(rule.name, func(t *testing.T) { require.Empty(t, ruleViolations(rule, pkgs)) })
	}
}

// Each rule catches what it forbids, and only that, in a module laid out like this one:
// daemons that exist only there (indexer, oracle, a daemon under internal/), the NVML edge,
// a pure package reaching the chain layer through another package.
func TestLayerRules(t *testing.T) {
	dir := t.TempDir()
	m := func(p string) string { return module + "/" + p }
	files := map[string]string{
		"go.mod": "module " + module + "\n\ngo 1.26\n\nrequire github.com/jackc/pgx/v5 v5.0.0\n\nreplace github.com/jackc/pgx/v5 => ./pgx\n",
		// pgx, as a local module, so the listing needs no network.
		"pgx/go.mod": "module github.com/jackc/pgx/v5\n\ngo 1.26\n", "pgx/pgx.go": "package pgx\n",
		"cmd/gpunet/flags/flags.go":      "package flags\n",
		"client/programerr/err.go":       "package programerr\n",
		"client/registry/registry.go":    source("registry", m("client/programerr"), m("internal/idl")),
		"internal/idl/idl.go":            "package idl\n",
		"onchain/escrow/escrow.go":       source("escrow", m("client/registry")),
		"internal/chain/chain.go":        source("chain", m("client/programerr"), m("onchain/escrow"), m("internal/keeper")),
		"internal/keeper/keeper.go":      "package keeper\n",
		"oracle/feed/feed.go":            source("feed", m("internal/chain")),
		"worker/run/run.go":              source("run", m("worker/nvml"), m("internal/relay"), m("cmd/gpunet/flags")),
		"worker/nvml/nvml.go":            "package nvml\n\nimport \"C\"\n",
		"internal/relay/relay.go":        source("relay", m("indexer/plan")),
		"indexer/plan/plan.go":           "package plan\n",
		"internal/gpu/gpu.go":            "package gpu\n\nimport \"C\"\n",
		"internal/pricing/pricing.go":    source("pricing", m("internal/chain")),
		"internal/protocol/rules.go":     source("protocol", m("internal/pricing"), "os", "github.com/jackc/pgx/v5"),
		"internal/sbpf/link.go":          source("sbpf", "io", "net/http"),
		"internal/localnet/start.go":     source("localnet", "testing"),
		"internal/chaintest/env.go":      "package chaintest\n",
		"internal/chaintest/env_test.go": source("chaintest", "testing", m("worker/run"), m("oracle/feed")),
	}
	for name, body := range files {
		path := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(body), 0o644))
	}
	pkgs, err := listPackages(dir)
	require.NoError(t, err)

	want := map[string][]string{
		"daemons_are_independent": {
			"oracle/feed -> internal/keeper: a daemon imports neither another daemon nor cmd/",
			"worker/run -> cmd/gpunet/flags: a daemon imports neither another daemon nor cmd/",
			"worker/run -> indexer/plan: a daemon imports neither another daemon nor cmd/",
		},
		"chain_layer_knows_no_program": {
			"internal/chain -> client/registry: the chain layer imports no program client and no daemon",
			"internal/chain -> internal/keeper: the chain layer imports no program client and no daemon",
			"internal/chain -> onchain/escrow: the chain layer imports no program client and no daemon",
		},
		"client_is_standalone": {
			"client/registry -> internal/idl: client/ imports nothing of internal/",
		},
		"pure_packages_do_no_io": {
			"internal/protocol -> github.com/jackc/pgx/v5: a pure package uses no database",
			"internal/protocol -> internal/chain: a pure package imports neither the chain layer nor a daemon",
			"internal/protocol -> internal/keeper: a pure package imports neither the chain layer nor a daemon",
			"internal/protocol -> os: a pure package does no I/O",
			"internal/sbpf -> net/http: a pure package does no I/O",
		},
		"cgo_only_at_the_nvml_edge": {
			"internal/gpu uses cgo (gpu.go): only worker/nvml may",
		},
		"testing_only_in_tests": {
			"internal/localnet -> testing: only _test.go files import testing, so harnesses serve binaries too",
		},
	}
	require.Len(t, want, len(layerRules))
	for _, rule := range layerRules {
		t.Run(rule.name, func(t *testing.T) {
			got := ruleViolations(rule, pkgs)
			slices.Sort(got)
			require.Equal(t, want[rule.name], got)
		})
	}
}

// source is a Go file of package name importing paths.
func source(name string, paths ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "package %s\n\n", name)
	for _, p := range paths {
		fmt.Fprintf(&b, "import _ %q\n", p)
	}
	return b.String()
}
