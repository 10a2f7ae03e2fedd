package registry_test

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	ata "github.com/gagliardetto/solana-go/programs/associated-token-account"
	"github.com/gagliardetto/solana-go/programs/token"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/localnet"
)

// IO is one IO token in base units.
const IO = 100_000_000

// env is one localnet with the registry deployed by the real loader.
type env struct {
	ctx      context.Context
	client   *chain.Client
	prog     registry.Program
	node     *localnet.Node
	admin    solana.PrivateKey // the upgrade authority
	keeper   solana.PrivateKey
	escrow   solana.PrivateKey // stands in for the escrow program's authority
	oracles  []solana.PrivateKey
	ioMint   solana.PublicKey
	iosdMint solana.PublicKey
	treasury solana.PublicKey // IO token account
	pool     solana.PublicKey // compensation pool, IO token account
}

func newEnv(t testing.TB) *env {
	node := localnet.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	e := &env{
		ctx:      ctx,
		client:   chain.New(node.RPCURL),
		prog:     registry.Program{ID: node.Programs["registry"]},
		node:     node,
		admin:    node.Key("upgrade-authority"),
		keeper:   node.Key("keeper"),
		escrow:   node.Key("admin"),
		oracles:  []solana.PrivateKey{node.Key("oracle-1"), node.Key("oracle-2"), node.Key("oracle-3")},
		ioMint:   node.Key("io-mint").PublicKey(),
		iosdMint: node.Key("iosd-mint").PublicKey(),
	}
	e.client.RegisterErrors(e.prog.ID, registry.Errors)
	e.client.PollInterval = 10 * time.Millisecond                                                     // the localnet confirms at once
	treasury, _, err := solana.FindAssociatedTokenAddress(node.Key("treasury").PublicKey(), e.ioMint) // made at genesis
	require.NoError(t, err)
	e.treasury = treasury
	e.pool = e.tokenAccount(t, solana.NewWallet().PublicKey(), 0)
	return e
}

// params are test parameters: the defaults with durations short enough to elapse in a test
// (real time drives the localnet's clock): 2 s cooldown and proof windows, 3 s appeal
// window, 4 s probation.
func (e *env) params() registry.ConfigParams {
	oracles := make([]solana.PublicKey, len(e.oracles))
	for i, o := range e.oracles {
		oracles[i] = o.PublicKey()
	}
	p := registry.DefaultParams(e.keeper.PublicKey(), e.treasury, e.pool, e.escrow.PublicKey(), oracles, 2)
	p.UnstakeCooldownSecs = 2
	p.AppealWindowSecs = 3
	p.ProbationSecs = 4
	p.ProofWindowSecs = 2
	p.MaxProofAgeSecs = 60
	return p
}

// send sends ixs paid by the first signer.
func (e *env) send(signers []solana.PrivateKey, ixs ...solana.Instruction) error {
	_, err := e.client.Send(e.ctx, ixs, signers[0], signers[1:]...)
	return err
}

// must unwraps an instruction builder; builders fail only on unencodable arguments, a bug
// in the test itself.
func must(ix solana.Instruction, err error) solana.Instruction {
	if err != nil {
		panic(err)
	}
	return ix
}

// initialize creates the Config with e.params().
func (e *env) initialize(t testing.TB) registry.ConfigParams {
	params := e.params()
	require.NoError(t, e.send([]solana.PrivateKey{e.admin}, must(e.prog.InitializeConfig(e.admin.PublicKey(), e.ioMint, e.iosdMint, params))))
	return params
}

// funded returns a new keypair holding 10 SOL.
func (e *env) funded(t testing.TB) solana.PrivateKey {
	key := solana.NewWallet().PrivateKey
	require.NoError(t, e.node.Airdrop(e.ctx, key.PublicKey(), 10*solana.LAMPORTS_PER_SOL))
	return key
}

// tokenAccount creates a new owner's IO associated token account holding amount IO base units
// (from the faucet) and returns its address.
func (e *env) tokenAccount(t testing.TB, owner solana.PublicKey, amount uint64) solana.PublicKey {
	faucet := e.node.Key("faucet")
	addr, _, err := solana.FindAssociatedTokenAddress(owner, e.ioMint)
	require.NoError(t, err)
	from, _, err := solana.FindAssociatedTokenAddress(faucet.PublicKey(), e.ioMint)
	require.NoError(t, err)
	ixs := []solana.Instruction{ata.NewCreateInstruction(faucet.PublicKey(), owner, e.ioMint).Build()}
	if amount > 0 {
		ixs = append(ixs, token.NewTransferInstruction(amount, from, addr, faucet.PublicKey(), nil).Build())
	}
	require.NoError(t, e.send([]solana.PrivateKey{faucet}, ixs...))
	return addr
}

// tokenBalance is a token account's balance in base units (0 for a closed account).
func (e *env) tokenBalance(t testing.TB, account solana.PublicKey) uint64 {
	data, err := e.client.AccountData(e.ctx, account)
	if err != nil {
		require.ErrorIs(t, err, chain.ErrAccountNotFound)
		return 0
	}
	var acc token.Account
	require.NoError(t, acc.UnmarshalWithDecoder(newDecoder(data)))
	return acc.Amount
}

// provider is a wallet with a Provider, a funded IO account and one registered device.
type provider struct {
	owner     solana.PrivateKey
	token     solana.PublicKey // owner's IO account
	deviceKey solana.PrivateKey
	device    solana.PublicKey // Device address
}

// H100 is the device spec most tests register: one H100 (minimum stake 2,000 IO).
var H100 = registry.DeviceSpec{HardwareModel: registry.ModelH100, VramGib: 80, GpuCount: 1, Region: 276, BandwidthTier: 1}

// newProvider registers a provider holding ioBalance IO base units and one device of spec,
// staked with stake base units.
func (e *env) newProvider(t testing.TB, spec registry.DeviceSpec, ioBalance, stake uint64) provider {
	p := provider{owner: e.funded(t), deviceKey: solana.NewWallet().PrivateKey}
	p.token = e.tokenAccount(t, p.owner.PublicKey(), ioBalance)
	p.device = e.prog.DeviceAddress(p.deviceKey.PublicKey())
	require.NoError(t, e.send([]solana.PrivateKey{p.owner, p.deviceKey},
		must(e.prog.RegisterProvider(p.owner.PublicKey(), "https://provider.example/meta.json")),
		must(e.prog.RegisterDevice(p.owner.PublicKey(), p.deviceKey.PublicKey(), e.ioMint, spec))))
	if stake > 0 {
		require.NoError(t, e.send([]solana.PrivateKey{p.owner}, must(e.prog.Stake(p.owner.PublicKey(), p.deviceKey.PublicKey(), p.token, stake))))
	}
	return p
}

// device fetches and decodes a device.
func (e *env) device(t testing.TB, p provider) *registry.Device {
	d, err := e.prog.FetchDevice(e.ctx, e.client, p.deviceKey.PublicKey())
	require.NoError(t, err)
	return d
}

// txOf fetches a confirmed transaction.
func (e *env) txOf(t testing.TB, sig solana.Signature) *rpc.GetTransactionResult {
	version := uint64(0)
	tx, err := e.client.RPC.GetTransaction(e.ctx, sig, &rpc.GetTransactionOpts{Commitment: rpc.CommitmentConfirmed, MaxSupportedTransactionVersion: &version})
	require.NoError(t, err)
	require.NotNil(t, tx.Meta)
	return tx
}

// eventsOf decodes the registry events a confirmed transaction emitted, in order.
func (e *env) eventsOf(t testing.TB, sig solana.Signature) []any {
	var events []any
	for _, line := range e.txOf(t, sig).Meta.LogMessages {
		data, ok := strings.CutPrefix(line, "Program data: ")
		if !ok {
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(data)
		require.NoError(t, err)
		ev, err := registry.ParseAnyEvent(raw)
		require.NoError(t, err)
		events = append(events, ev)
	}
	return events
}

// lamports is an account's balance (0 for no account).
func (e *env) lamports(t testing.TB, account solana.PublicKey) uint64 {
	res, err := e.client.RPC.GetBalance(e.ctx, account, rpc.CommitmentConfirmed)
	require.NoError(t, err)
	return res.Value
}
