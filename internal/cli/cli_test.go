package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"
)

// The Solana CLI's monikers and their one-letter forms, the Anchor.toml names, and URLs.
func TestParseTarget(t *testing.T) {
	for in, want := range map[string]Target{
		"localhost":                     {"http://127.0.0.1:8899", "localnet"},
		"l":                             {"http://127.0.0.1:8899", "localnet"},
		"localnet":                      {"http://127.0.0.1:8899", "localnet"},
		"devnet":                        {"https://api.devnet.solana.com", "devnet"},
		"d":                             {"https://api.devnet.solana.com", "devnet"},
		"testnet":                       {"https://api.testnet.solana.com", "testnet"},
		"t":                             {"https://api.testnet.solana.com", "testnet"},
		"mainnet-beta":                  {"https://api.mainnet-beta.solana.com", "mainnet"},
		"m":                             {"https://api.mainnet-beta.solana.com", "mainnet"},
		"mainnet":                       {"https://api.mainnet-beta.solana.com", "mainnet"},
		"http://127.0.0.1:18899":        {"http://127.0.0.1:18899", ""},
		"https://rpc.example.com/key=1": {"https://rpc.example.com/key=1", ""},
	} {
		got, err := ParseTarget(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	for _, in := range []string{"moon", "", "127.0.0.1:8899", "ftp://example.com", "http://"} {
		_, err := ParseTarget(in)
		require.EqualError(t, err, `--url "`+in+`": want localhost, devnet, testnet, mainnet-beta (or l, d, t, m) or an http(s) URL`)
	}
}

// Without a Solana CLI config: localhost and ~/.config/solana/id.json; with one, its values.
func TestSolanaConfigDefaults(t *testing.T) {
	home := t.TempDir()
	c, err := LoadSolanaConfig(home)
	require.NoError(t, err)
	require.Equal(t, "localhost", c.DefaultURL())
	require.Equal(t, filepath.Join(home, ".config/solana/id.json"), c.DefaultKeypair(home))

	path := filepath.Join(home, ".config/solana/cli/config.yml")
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o700))
	require.NoError(t, os.WriteFile(path, []byte("---\njson_rpc_url: https://api.devnet.solana.com\nwebsocket_url: ''\n"+
		"keypair_path: /keys/me.json\naddress_labels:\n  '11111111111111111111111111111111': System Program\ncommitment: finalized\n"), 0o600))
	c, err = LoadSolanaConfig(home)
	require.NoError(t, err)
	require.Equal(t, SolanaConfig{JSONRPCURL: "https://api.devnet.solana.com", KeypairPath: "/keys/me.json", Commitment: "finalized"}, c)
	require.Equal(t, "https://api.devnet.solana.com", c.DefaultURL())
	require.Equal(t, "/keys/me.json", c.DefaultKeypair(home))

	require.NoError(t, os.WriteFile(path, []byte("json_rpc_url: [\n"), 0o600))
	_, err = LoadSolanaConfig(home)
	require.ErrorContains(t, err, "parse "+path+": ")
}

func TestParseFormat(t *testing.T) {
	for _, f := range []Format{Text, JSON, JSONCompact} {
		got, err := ParseFormat(string(f))
		require.NoError(t, err)
		require.Equal(t, f, got)
	}
	_, err := ParseFormat("yaml")
	require.EqualError(t, err, `--output "yaml": want text, json or json-compact`)
}

// WriteFields: JSON paths, base58 keys, units by name and by the token table; padding,
// reserved bytes, all-zero structs and trailing zero slots left out.
func TestWriteFields(t *testing.T) {
	type class struct {
		Model         uint32 `json:"model"`
		MultiplierBps uint32 `json:"multiplierBps"`
	}
	type params struct {
		Oracles   [4]solana.PublicKey `json:"oracles"`
		BaseStake uint64              `json:"baseStake"`
		Classes   [3]class            `json:"classes"`
		FeeBps    uint16              `json:"feeBps"`
		WaitSecs  int64               `json:"waitSecs"`
		Padding   [3]uint8            `json:"padding"`
	}
	type account struct {
		Admin     solana.PublicKey `json:"admin"`
		Params    params           `json:"params"`
		Pending   params           `json:"pending"`
		AppliesAt int64            `json:"appliesAt"`
		StartTime int64            `json:"startTime"`
		Counts    [4]uint32        `json:"counts"`
		Paused    uint8            `json:"paused"`
		Reserved  [8]uint8         `json:"reserved"`
	}
	key := solana.MustPublicKeyFromBase58("7DuDHERwuoT4YScXwdZJuzN3swPM1Tp3SDMvnuGzvK58")
	v := account{
		Admin:     key,
		Params:    params{Oracles: [4]solana.PublicKey{key, key}, BaseStake: 150_000_000, Classes: [3]class{{0, 10_000}, {1, 12_500}}, FeeBps: 25, WaitSecs: 93_784, Padding: [3]uint8{1}},
		StartTime: 1_700_000_000,
		Counts:    [4]uint32{0, 2},
		Reserved:  [8]uint8{9},
	}
	var b strings.Builder
	require.NoError(t, WriteFields(&b, &v, map[string]Token{"params.baseStake": {"IO", 8}}))
	require.Equal(t, `admin: 7DuDHERwuoT4YScXwdZJuzN3swPM1Tp3SDMvnuGzvK58
params.oracles[0]: 7DuDHERwuoT4YScXwdZJuzN3swPM1Tp3SDMvnuGzvK58
params.oracles[1]: 7DuDHERwuoT4YScXwdZJuzN3swPM1Tp3SDMvnuGzvK58
params.baseStake: 1.5 IO
params.classes[0].model: 0
params.classes[0].multiplierBps: 1x
params.classes[1].model: 1
params.classes[1].multiplierBps: 1.25x
params.feeBps: 0.25%
params.waitSecs: 1d 2h 3m 4s
appliesAt: none
startTime: 2023-11-14T22:13:20Z
counts[0]: 0
counts[1]: 2
paused: 0
`, b.String())
}

func TestTokenAndDuration(t *testing.T) {
	io := Token{"IO", 8}
	for units, want := range map[uint64]string{0: "0 IO", 1: "0.00000001 IO", 100_000_000: "1 IO", 123_450_000_000: "1234.5 IO", 1<<64 - 1: "184467440737.09551615 IO"} {
		require.Equal(t, want, io.Format(units))
	}
	for in, want := range map[string]uint64{"0": 0, "1": 100_000_000, "1.2": 120_000_000, "0.00000001": 1, "007.50": 750_000_000,
		"184467440737.09551615": 1<<64 - 1} {
		got, err := io.Parse(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	for in, want := range map[string]string{"": "is not an amount", ".5": "is not an amount", "1.": "is not an amount", "-1": "is not an amount",
		"+1": "is not an amount", "1e3": "is not an amount", "1.2.3": "is not an amount", " 1": "is not an amount",
		"0.000000001": "more decimals than IO's 8", "184467440737.09551616": "is more than 184467440737.09551615 IO"} {
		_, err := io.Parse(in)
		require.ErrorContains(t, err, want, "%q", in)
	}
	for secs, want := range map[int64]string{0: "0s", 45: "45s", 90: "1m 30s", 3600: "1h", 14 * 86400: "14d", -60: "-1m"} {
		require.Equal(t, want, Duration(secs))
	}
}
