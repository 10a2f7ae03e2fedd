package idl

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// withAccounts gives minimal()'s instruction a writable account and a signer.
func withAccounts() map[string]any {
	m := minimal()
	m["instructions"].([]any)[0].(map[string]any)["accounts"] = []any{
		map[string]any{"name": "thing", "writable": true},
		map[string]any{"name": "owner", "signer": true},
	}
	return m
}

func TestCPIBuilder(t *testing.T) {
	src, err := load(t, withAccounts()).CCPI("demo.json")
	require.NoError(t, err)
	require.Contains(t, string(src), `typedef struct {
  const SolPubkey *program_id; /* the demo program, as the caller checked it */
  const SolAccountInfo *thing; /* writable */
  const SolAccountInfo *owner; /* signer */
} demo_poke_cpi_t;
/* Invokes poke; signer: the seeds of one PDA that signs, or NULL. */
static inline uint64_t demo_cpi_poke(const demo_poke_cpi_t *c, const demo_poke_args_t *args, const SolSignerSeeds *signer) {
  uint8_t data[16];
  uint64_t off = 8;
  gp_store_u64(data, DEMO_IX_POKE);
  __builtin_memcpy(data + off, &args->amount, 8);
  off += 8;
  SolAccountMeta metas[2] = {
      {c->thing->key, true, false},
      {c->owner->key, false, true},
  };
  SolAccountInfo infos[2] = {*c->thing, *c->owner};
  SolInstruction ix = {c->program_id, metas, 2, data, off};
  return gp_invoke1(&ix, infos, 2, signer);
}
`)
}

// A string argument has no fixed size: the caller lends the buffer and every write is checked.
func TestCPIBuilderVariableLength(t *testing.T) {
	m := withAccounts()
	m["instructions"].([]any)[0].(map[string]any)["args"] = []any{
		map[string]any{"name": "uri", "type": "string"},
		map[string]any{"name": "limit", "type": map[string]any{"option": "u32"}},
	}
	src, err := load(t, m).CCPI("demo.json")
	require.NoError(t, err)
	require.Contains(t, string(src), `static inline uint64_t demo_cpi_poke(const demo_poke_cpi_t *c, const demo_poke_args_t *args, const SolSignerSeeds *signer, uint8_t *data, uint64_t cap) {
  if (cap < 8) return DEMO_ERR_INVALID_INSTRUCTION_DATA;
  uint64_t off = 8;
  gp_store_u64(data, DEMO_IX_POKE);
  {
    if (args->uri.len > UINT32_MAX) return DEMO_ERR_INVALID_INSTRUCTION_DATA;
    uint32_t n = (uint32_t)args->uri.len;
    if (cap - off < 4) return DEMO_ERR_INVALID_INSTRUCTION_DATA;
    gp_store_u32(data + off, n);
    off += 4;
    if (cap - off < n) return DEMO_ERR_INVALID_INSTRUCTION_DATA;
    gp_memcpy(data + off, args->uri.addr, n);
    off += n;
  }
  if (cap - off < 1) return DEMO_ERR_INVALID_INSTRUCTION_DATA;
  data[off++] = args->has_limit ? 1 : 0;
  if (args->has_limit) {
    if (cap - off < 4) return DEMO_ERR_INVALID_INSTRUCTION_DATA;
    __builtin_memcpy(data + off, &args->limit, 4);
    off += 4;
  }
`)
}

func TestCPIBuilderRefuses(t *testing.T) {
	m := withAccounts()
	m["instructions"].([]any)[0].(map[string]any)["accounts"].([]any)[1].(map[string]any)["optional"] = true
	_, err := load(t, m).CCPI("demo.json")
	require.EqualError(t, err, "instruction poke: account owner: optional accounts have no CPI builder")
	_, err = load(t, minimal()).CCPI("demo.json")
	require.EqualError(t, err, "instruction poke: no accounts: a CPI builder needs at least one")
}
