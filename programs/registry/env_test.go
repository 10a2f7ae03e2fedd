package registry_test

import (
	"testing"

	"github.com/gagliardetto/solana-go"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chaintest"
)

// env is one localnet with the registry deployed by the real loader (chaintest.Env), and
// a key that stands in for the escrow program's authority.
type env struct {
	*chaintest.Env
	escrow solana.PrivateKey // stands in for the escrow program's authority
}

func newEnv(t testing.TB) *env {
	e := &env{Env: chaintest.New(t)}
	e.escrow = e.Node.Key("admin")
	return e
}

// params are the test parameters (chaintest.Env.RegistryParams) with e.escrow as the escrow
// authority.
func (e *env) params() registry.ConfigParams { return e.RegistryParams(e.escrow.PublicKey()) }

// initialize creates the Config with e.params(), changed by adjust.
func (e *env) initialize(t testing.TB, adjust ...func(*registry.ConfigParams)) registry.ConfigParams {
	return e.InitRegistry(t, e.escrow.PublicKey(), adjust...)
}

// eventsOf decodes the registry events a confirmed transaction emitted, in order.
func (e *env) eventsOf(t testing.TB, sig solana.Signature) []any {
	return e.Events(t, sig, e.Registry.ID, registry.ParseAnyEvent)
}
