package idl

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	return root
}

// The generated C headers and Go clients must match the IDLs they come from.
func TestGeneratedFilesAreUpToDate(t *testing.T) {
	stale, err := Stale(repoRoot(t))
	require.NoError(t, err)
	require.Empty(t, stale, "run `make idl`")
}

func TestSighash(t *testing.T) {
	require.Equal(t, Discriminator{208, 127, 21, 1, 194, 190, 196, 70}, Sighash("global", "initialize_config"))
	require.Equal(t, Discriminator{155, 12, 170, 224, 30, 250, 204, 130}, Sighash("account", "Config"))
}

func TestGoName(t *testing.T) {
	for idlName, goName := range map[string]string{
		"STATUS_ACTIVE": "StatusActive", "MODEL_CPU": "ModelCPU", "MODEL_RTX4090": "ModelRTX4090",
		"MODEL_A100_80G": "ModelA100_80G", "IO_DECIMALS": "IODecimals", "E9": "E9", "SEED_SLASH_ESCROW": "SeedSlashEscrow",
	} {
		require.Equal(t, goName, GoName(idlName), idlName)
	}
	require.Equal(t, "jobID", lowerCamel("job_id"))
	require.Equal(t, "evidenceHash", lowerCamel("evidence_hash"))
}

func TestSnakeAndUpper(t *testing.T) {
	require.Equal(t, "config_params", Snake("ConfigParams"))
	require.Equal(t, "initialize_config", Snake("initialize_config"))
	require.Equal(t, "HARDWARE_CLASS", Upper("HardwareClass"))
}

// minimal returns a valid one-account IDL that each case below breaks in one way.
func minimal() map[string]any {
	return map[string]any{
		"address":  "7DuDHERwuoT4YScXwdZJuzN3swPM1Tp3SDMvnuGzvK58",
		"metadata": map[string]any{"name": "demo", "version": "0.1.0", "spec": "0.1.0"},
		"instructions": []any{map[string]any{
			"name": "poke", "discriminator": Sighash("global", "poke"), "accounts": []any{},
			"args": []any{map[string]any{"name": "amount", "type": "u64"}},
		}},
		"accounts": []any{map[string]any{"name": "Thing", "discriminator": Sighash("account", "Thing")}},
		"events":   []any{},
		"errors":   []any{map[string]any{"code": 6100, "name": "Nope", "msg": "no"}},
		"types": []any{map[string]any{"name": "Thing", "type": map[string]any{"kind": "struct", "fields": []any{
			map[string]any{"name": "owner", "type": "pubkey"},
			map[string]any{"name": "amount", "type": "u64"},
		}}}},
	}
}

func TestCheck(t *testing.T) {
	cases := []struct {
		name   string
		break_ func(m map[string]any)
		err    string
	}{
		{"valid", func(map[string]any) {}, ""},
		{"wrong instruction discriminator", func(m map[string]any) {
			m["instructions"].([]any)[0].(map[string]any)["discriminator"] = Sighash("global", "other")
		}, "instruction poke: discriminator [77 235 194 27 141 47 39 195], want [46 24 16 107 212 9 17 5]"},
		{"padding in an account", func(m map[string]any) {
			fields := m["types"].([]any)[0].(map[string]any)["type"].(map[string]any)
			fields["fields"] = []any{
				map[string]any{"name": "flag", "type": "u8"},
				map[string]any{"name": "amount", "type": "u64"},
			}
		}, "account Thing: Thing.amount: offset 9 is not 8-aligned: reorder fields or add explicit padding"},
		{"tail padding", func(m map[string]any) {
			fields := m["types"].([]any)[0].(map[string]any)["type"].(map[string]any)
			fields["fields"] = []any{
				map[string]any{"name": "amount", "type": "u64"},
				map[string]any{"name": "flag", "type": "u8"},
			}
		}, "account Thing: Thing: size 17 is not a multiple of its alignment 8: add explicit padding"},
		{"string in an account", func(m map[string]any) {
			fields := m["types"].([]any)[0].(map[string]any)["type"].(map[string]any)
			fields["fields"] = []any{map[string]any{"name": "uri", "type": "string"}}
		}, `account Thing: Thing.uri: type "string" has no fixed layout`},
		{"account without a type", func(m map[string]any) {
			m["accounts"] = []any{map[string]any{"name": "Ghost", "discriminator": Sighash("account", "Ghost")}}
		}, "account Ghost: no type of that name"},
		{"repeated error code", func(m map[string]any) {
			m["errors"] = []any{
				map[string]any{"code": 6100, "name": "A", "msg": "a"},
				map[string]any{"code": 6100, "name": "B", "msg": "b"},
			}
		}, "error B: code 6100 is below 6000 or repeated"},
		{"legacy format", func(m map[string]any) { delete(m, "metadata") }, "metadata.name and metadata.spec are required (Anchor 0.30 format)"},
		{"constant out of range", func(m map[string]any) {
			m["constants"] = []any{map[string]any{"name": "BIG", "type": "u8", "value": "256"}}
		}, `constant BIG: value "256" is not a u8`},
		{"seed that is not a constant", func(m map[string]any) {
			m["instructions"].([]any)[0].(map[string]any)["accounts"] = []any{map[string]any{
				"name": "thing", "pda": map[string]any{"seeds": []any{map[string]any{"kind": "const", "value": []int{116, 104, 105, 110, 103}}}},
			}}
		}, "instruction poke account thing: seed [116 104 105 110 103] is not among the constants"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := minimal()
			tc.break_(m)
			raw, err := json.Marshal(m)
			require.NoError(t, err)
			path := filepath.Join(t.TempDir(), "demo.json")
			require.NoError(t, os.WriteFile(path, raw, 0o644))
			_, err = Load(path)
			if tc.err == "" {
				require.NoError(t, err)
				return
			}
			require.EqualError(t, err, "check idl "+path+": "+tc.err)
		})
	}
}
