package archtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const module = "github.com/gpunet/gpunet"

// daemons are the directories of the daemons to come (at the root or under internal/).
var daemons = []string{"worker", "oracle", "keeper", "indexer"}

// pkg is what `go list -deps -json` says of a package that the rules read.
type pkg struct {
	ImportPath string
	Imports    []string
	CgoFiles   []string
}

// rel is a module package's path inside the module ("internal/chain"), "" for any other.
func rel(importPath string) string {
	if importPath == module {
		return "."
	}
	r, ok := strings.CutPrefix(importPath, module+"/")
	if !ok {
		return ""
	}
	return r
}

// under reports whether a module path is dir or inside it.
func under(r, dir string) bool { return r == dir || strings.HasPrefix(r, dir+"/") }

// daemonOf names the daemon a module path belongs to ("" for none).
func daemonOf(r string) string {
	for _, d := range daemons {
		if under(r, d) || under(r, "internal/"+d) {
			return d
		}
	}
	return ""
}

// layerViolations lists every import that breaks the layering rules, given the programs' names:
//   - internal/chain imports no program client (client/<program>, onchain/<program>);
//   - client/ imports nothing of internal/;
//   - no package but an NVML edge (a path with an "nvml" element) has cgo files;
//   - a daemon imports neither another daemon nor cmd/;
//   - a pure package (internal/protocol) imports neither the chain layer nor pgx.
func layerViolations(pkgs []pkg, programs []string) []string {
	var out []string
	for _, p := range pkgs {
		r := rel(p.ImportPath)
		if r == "" {
			continue
		}
		if len(p.CgoFiles) > 0 && !slices.Contains(strings.Split(r, "/"), "nvml") {
			out = append(out, fmt.Sprintf("%s uses cgo (%s): only the NVML edge may", r, strings.Join(p.CgoFiles, ", ")))
		}
		for _, imp := range p.Imports {
			ri := rel(imp)
			if under(r, "internal/protocol") && (under(ri, "internal/chain") || strings.HasPrefix(imp, "github.com/jackc/pgx")) {
				out = append(out, fmt.Sprintf("%s imports %s: pure packages do no I/O", r, imp))
			}
			if ri == "" {
				continue
			}
			switch {
			case under(r, "internal/chain") && slices.ContainsFunc(programs, func(name string) bool {
				return under(ri, "client/"+name) || under(ri, "onchain/"+name)
			}):
				out = append(out, fmt.Sprintf("%s imports the program client %s", r, ri))
			case under(r, "client") && under(ri, "internal"):
				out = append(out, fmt.Sprintf("%s imports %s: client/ must not import internal/", r, ri))
			case daemonOf(r) != "" && under(ri, "cmd"):
				out = append(out, fmt.Sprintf("daemon %s: %s imports %s", daemonOf(r), r, ri))
			case daemonOf(r) != "" && daemonOf(ri) != "" && daemonOf(ri) != daemonOf(r):
				out = append(out, fmt.Sprintf("daemon %s: %s imports daemon %s (%s)", daemonOf(r), r, daemonOf(ri), ri))
			}
		}
	}
	return out
}

// listDeps is `go list -deps -json` of every package of the module, tests' imports included.
func listDeps(t *testing.T) []pkg {
	cmd := exec.Command("go", "list", "-deps", "-test", "-json", "./...")
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1") // so that a cgo file shows as one
	data, err := cmd.Output()
	require.NoError(t, err)
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(data)))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			return pkgs
		} else if err != nil {
			require.NoError(t, err)
		}
		pkgs = append(pkgs, p)
	}
}

// programNames are the on-chain programs: one IDL each in idl/.
func programNames(t *testing.T) []string {
	idls, err := os.ReadDir("../../idl")
	require.NoError(t, err)
	var names []string
	for _, e := range idls {
		if name, ok := strings.CutSuffix(e.Name(), ".json"); ok {
			names = append(names, name)
		}
	}
	require.NotEmpty(t, names)
	return names
}

// The repository keeps its layers: no rule is broken today.
func TestLayers(t *testing.T) {
	pkgs := listDeps(t)
	require.Greater(t, len(pkgs), 50)
	require.Empty(t, layerViolations(pkgs, programNames(t)))
}

// Each rule catches the import it forbids.
func TestLayerRules(t *testing.T) {
	p := func(r string, imports ...string) pkg {
		full := make([]string, len(imports))
		for i, imp := range imports {
			full[i] = path.Join(module, imp)
		}
		return pkg{ImportPath: path.Join(module, r), Imports: full}
	}
	cgo := p("internal/gpu")
	cgo.CgoFiles = []string{"gpu.go"}
	nvml := p("internal/worker/nvml")
	nvml.CgoFiles = []string{"nvml.go"}
	got := layerViolations([]pkg{
		p("internal/chain", "client/programerr", "client/registry", "onchain/escrow/sub"),
		p("client/registry", "client/programerr", "internal/chain"),
		cgo, nvml,
		p("worker/run", "internal/chain", "oracle/feed", "internal/keeper", "worker/nvml"),
		p("internal/indexer", "cmd/gpunet"),
		{ImportPath: module + "/internal/protocol", Imports: []string{module + "/internal/chain", "github.com/jackc/pgx/v5"}},
		{ImportPath: "net", CgoFiles: []string{"cgo_linux.go"}}, // outside the module: not checked
	}, []string{"registry", "escrow", "economy"})
	require.Equal(t, []string{
		"internal/chain imports the program client client/registry",
		"internal/chain imports the program client onchain/escrow/sub",
		"client/registry imports internal/chain: client/ must not import internal/",
		"internal/gpu uses cgo (gpu.go): only the NVML edge may",
		"daemon worker: worker/run imports daemon oracle (oracle/feed)",
		"daemon worker: worker/run imports daemon keeper (internal/keeper)",
		"daemon indexer: internal/indexer imports cmd/gpunet",
		"internal/protocol imports github.com/gpunet/gpunet/internal/chain: pure packages do no I/O",
		"internal/protocol imports github.com/jackc/pgx/v5: pure packages do no I/O",
	}, got)
}
