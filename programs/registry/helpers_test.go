package registry_test

import (
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chaintest"
)

// registryConfig fetches and decodes the registry's Config.
func (e *env) registryConfig(t testing.TB) *registry.Config {
	c, err := e.Registry.FetchConfig(e.Ctx, e.Client)
	require.NoError(t, err)
	return c
}

// apply sends apply_config, paid by a fresh wallet (so a retry is never the identical
// transaction).
func (e *env) apply(t testing.TB) error {
	return e.Send([]solana.PrivateKey{e.Funded(t)}, chaintest.Must(e.Registry.ApplyConfig()))
}

// initializeLimits creates the Config with e.params(), changed by adjust, and these limits.
func (e *env) initializeLimits(t testing.TB, limits registry.RegistryLimits, adjust ...func(*registry.ConfigParams)) registry.ConfigParams {
	params := e.params()
	for _, a := range adjust {
		a(&params)
	}
	require.NoError(t, e.initializeWith(t, e.Admin, params, limits))
	return params
}

// ownerSend sends ixs signed by p's owner with a fresh wallet paying the fee, so the owner's
// lamports move by rent only.
func (e *env) ownerSend(t testing.TB, p chaintest.Provider, ixs ...solana.Instruction) error {
	return e.Send([]solana.PrivateKey{e.Funded(t), p.Owner}, ixs...)
}
