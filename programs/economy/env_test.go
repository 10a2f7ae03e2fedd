package economy_test

import (
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/economy"
	"github.com/gpunet/gpunet/internal/chaintest"
	oneconomy "github.com/gpunet/gpunet/onchain/economy"
)

const (
	io   = economy.IO
	iosd = economy.IOSD
)

// env is one localnet with the registry and the economy configured (the escrow deployed, its
// program id named as the economy's escrow).
type env struct {
	*chaintest.Env
	prog      oneconomy.Program
	params    economy.ConfigParams
	published map[int]int64 // each oracle's last publish time
}

// newEnv initializes the economy with the test parameters, changed by adjust if not nil.
func newEnv(t testing.TB, adjust func(*env, *economy.ConfigParams)) *env {
	e := newUninitializedEnv(t)
	if adjust != nil {
		adjust(e, &e.params)
	}
	e.InitEconomy(t, e.escrowID(), e.params)
	return e
}

// newUninitializedEnv is newEnv without the economy's Config: the registry is initialized and
// e.params holds the test parameters.
func newUninitializedEnv(t testing.TB) *env {
	ce := chaintest.New(t)
	e := &env{Env: ce, prog: ce.Economy, published: map[int]int64{}}
	e.InitRegistry(t, solana.NewWallet().PublicKey())
	e.params = e.EconomyParams(t)
	return e
}

func (e *env) escrowID() solana.PublicKey { return e.Node.Programs["escrow"] }

func (e *env) config(t testing.TB) *economy.Config {
	c, err := e.prog.FetchConfig(e.Ctx, e.Client)
	require.NoError(t, err)
	return c
}

// price submits oracle i's price and confidence, published now: a second after its last at
// the earliest (a price must be newer than the oracle's last), and a second back, as the
// chain's clock may trail ours by a slot.
func (e *env) price(i int, price, conf uint64) error {
	at := time.Now().Unix() - 1
	if at <= e.published[i] {
		time.Sleep(time.Until(time.Unix(e.published[i]+2, 0)))
		at = e.published[i] + 1
	}
	return e.priceAt(i, price, conf, at)
}

func (e *env) priceAt(i int, price, conf uint64, published int64) error {
	err := e.Send([]solana.PrivateKey{e.Oracles[i]}, chaintest.Must(e.prog.SubmitPrice(e.Oracles[i].PublicKey(), price, conf, published)))
	if err == nil {
		e.published[i] = published
	}
	return err
}

// quorumPrice has oracles 0 and 1 (the test quorum) publish price and conf.
func (e *env) quorumPrice(t testing.TB, price, conf uint64) {
	require.NoError(t, e.price(0, price, conf))
	require.NoError(t, e.price(1, price, conf))
}

// holder is a wallet with IO and IOSD accounts.
type holder struct {
	key      solana.PrivateKey
	io, iosd solana.PublicKey
}

func (e *env) holder(t testing.TB, ioBalance uint64) holder {
	key := e.Funded(t)
	return holder{key: key, io: e.TokenAccount(t, e.IOMint, key.PublicKey(), ioBalance), iosd: e.TokenAccount(t, e.IOSDMint, key.PublicKey(), 0)}
}

func (e *env) burn(h holder, amount uint64) (solana.Signature, error) {
	return e.SendSig([]solana.PrivateKey{h.key}, chaintest.Must(e.prog.BurnIOForIOSD(h.key.PublicKey(), h.io, h.iosd, amount)))
}

func (e *env) redeem(h holder, amount uint64) (solana.Signature, error) {
	return e.SendSig([]solana.PrivateKey{h.key}, chaintest.Must(e.prog.RedeemIOSDForIO(h.key.PublicKey(), h.io, h.iosd, amount)))
}

func (e *env) eventsOf(t testing.TB, sig solana.Signature) []any {
	return e.Events(t, sig, e.prog.ID, economy.ParseAnyEvent)
}
