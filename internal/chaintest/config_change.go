package chaintest

import (
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/registry"
)

// ChangeRegistryConfig makes params the registry's live parameters, the admin signing: through
// update_config, and once the registry's changes are delayed, through its proposal, the
// delay and apply_config.
func (e *Env) ChangeRegistryConfig(t testing.TB, params registry.ConfigParams) {
	require.NoError(t, e.Send([]solana.PrivateKey{e.Admin}, Must(e.Registry.UpdateConfig(e.Admin.PublicKey(), params))))
	rc, err := e.Registry.FetchConfig(e.Ctx, e.Client)
	require.NoError(t, err)
	require.Equal(t, params, rc.Params, "the registry's configuration did not change")
}
