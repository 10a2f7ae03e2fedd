package idl

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// load writes m as an IDL file and loads it.
func load(t *testing.T, m map[string]any) *IDL {
	t.Helper()
	raw, err := json.Marshal(m)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "demo.json")
	require.NoError(t, os.WriteFile(path, raw, 0o644))
	doc, err := Load(path)
	require.NoError(t, err)
	return doc
}

// anchorNoInfo is the pattern @coral-xyz/anchor's AnchorError.parse matches a log line with
// (regexNoInfo in ts/packages/anchor/src/error.ts).
var anchorNoInfo = regexp.MustCompile(`^Program log: AnchorError occurred\. Error Code: (.*)\. Error Number: (\d*)\. Error Message: (.*)\.`)

// Every error of every program reads back, through Anchor's own pattern, as its name, number
// and message.
func TestAnchorErrorLogParsesBackInAnchor(t *testing.T) {
	require.Equal(t, "AnchorError occurred. Error Code: Nope. Error Number: 6100. Error Message: no.",
		AnchorErrorLog(ErrorCode{Code: 6100, Name: "Nope", Msg: "no"}))
	paths, err := filepath.Glob(filepath.Join(repoRoot(t), "idl", "*.json"))
	require.NoError(t, err)
	require.Len(t, paths, 3)
	for _, path := range paths {
		doc, err := Load(path)
		require.NoError(t, err)
		for _, e := range doc.Errors {
			m := anchorNoInfo.FindStringSubmatch("Program log: " + AnchorErrorLog(e))
			require.NotNil(t, m, e.Name)
			require.Equal(t, []string{e.Name, strconv.Itoa(int(e.Code)), e.Msg}, m[1:])
		}
	}
}

func TestErrorLogFunction(t *testing.T) {
	src, err := load(t, minimal()).CHeader("demo.json")
	require.NoError(t, err)
	require.Contains(t, string(src), `static __attribute__((noinline, cold, unused)) void demo_log_error(uint64_t err) {
  switch (err) {
    case DEMO_ERR_NOPE: GP_LOG("AnchorError occurred. Error Code: Nope. Error Number: 6100. Error Message: no."); break;
  }
}
`)

	m := minimal()
	m["errors"] = []any{map[string]any{"code": 6100, "name": "Nope", "msg": `say "no"`}}
	_, err = load(t, m).CHeader("demo.json")
	require.EqualError(t, err, `error Nope: "AnchorError occurred. Error Code: Nope. Error Number: 6100. Error Message: say \"no\".": only printable ASCII without quotes or backslashes fits a C log line`)
}
