// Package chaintest: fixtures for tests that run against a localnet (internal/localnet) with
// the programs deployed. Each program's tests build on Env: a started localnet, a client
// that knows the programs' errors, the genesis keys and mints, and helpers that send
// transactions, fund wallets and token accounts, and read balances, events and compute units
// back. The registry fixtures (registry.go) make providers, devices and uptime proofs; the
// escrow's (escrow.go) deploy the registry and the economy for it with short test times.
//
// It is imported only by tests, but it is an ordinary package so that every program's
// tests can share it.
package chaintest

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	bin "github.com/gagliardetto/binary"
	"github.com/gagliardetto/solana-go"
	ata "github.com/gagliardetto/solana-go/programs/associated-token-account"
	"github.com/gagliardetto/solana-go/programs/token"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/economy"
	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/harness"
	"github.com/gpunet/gpunet/internal/localnet"
	"github.com/gpunet/gpunet/internal/network"
	oneconomy "github.com/gpunet/gpunet/onchain/economy"
	onregistry "github.com/gpunet/gpunet/onchain/registry"
)

// IO is one IO token in base units.
const IO = economy.IO

// CPIBaseCU is what Agave charges the caller for each cross-program invocation.
const CPIBaseCU = 946

// Env is one localnet with the programs deployed by the real loader.
type Env struct {
	Ctx      context.Context
	Client   *chain.Client // Network.Client: polls every 10 ms; knows every program's errors
	Network  *network.Network
	Node     *localnet.Node
	Registry onregistry.Program
	Economy  oneconomy.Program
	Admin    solana.PrivateKey // the programs' upgrade authority
	Keeper   solana.PrivateKey
	Oracles  []solana.PrivateKey // oracle-1, oracle-2, oracle-3
	IOMint   solana.PublicKey
	IOSDMint solana.PublicKey
	Treasury solana.PublicKey // the treasury's IO associated token account (made at genesis)
	Pool     solana.PublicKey // compensation pool: an IO token account made by New
}

// New starts a localnet for the test (stopped at t.Cleanup) and returns its Env. Its Ctx
// ends after 5 minutes or at cleanup.
func New(t harness.TB, opts ...localnet.Option) *Env {
	return Attach(t, localnet.Start(t, opts...))
}

// Attach is New on a chain that is already running: a localnet, or another Solana cluster
// whose endpoints, DEV-ONLY keys (node.KeysDir) and program ids node describes, with the
// localnet's genesis accounts (the faucet's IO and IOSD, the treasury's IO account). The
// client polls every 10 ms (the localnet confirms at once) unless opts say otherwise.
func Attach(t harness.TB, node *localnet.Node, opts ...chain.Option) *Env {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	ids, err := network.IDsFrom(node.Programs)
	require.NoError(t, err)
	net := network.New(chain.New(node.RPCURL, append([]chain.Option{chain.WithPollInterval(10 * time.Millisecond), chain.WithWebsocket(node.WSURL)}, opts...)...), ids, network.Mints{IO: node.Key("io-mint").PublicKey(), IOSD: node.Key("iosd-mint").PublicKey()})
	e := &Env{
		Ctx:      ctx,
		Client:   net.Client,
		Network:  net,
		Node:     node,
		Registry: net.Registry,
		Economy:  net.Economy,
		Admin:    node.Key("upgrade-authority"),
		Keeper:   node.Key("keeper"),
		Oracles:  []solana.PrivateKey{node.Key("oracle-1"), node.Key("oracle-2"), node.Key("oracle-3")},
		IOMint:   net.Mints.IO,
		IOSDMint: net.Mints.IOSD,
	}
	treasury, _, err := solana.FindAssociatedTokenAddress(node.Key("treasury").PublicKey(), e.IOMint) // made at genesis
	require.NoError(t, err)
	e.Treasury = treasury
	e.Pool = e.TokenAccount(t, e.IOMint, solana.NewWallet().PublicKey(), 0)
	return e
}

// Must unwraps an instruction builder or a protocol rule: builders fail only on unencodable
// arguments, rules only on amounts a test never reaches; either is a bug in the test itself.
func Must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// Send sends ixs paid by the first signer.
func (e *Env) Send(signers []solana.PrivateKey, ixs ...solana.Instruction) error {
	_, err := e.SendSig(signers, ixs...)
	return err
}

// SendSig sends ixs paid by the first signer and returns the transaction's signature.
func (e *Env) SendSig(signers []solana.PrivateKey, ixs ...solana.Instruction) (solana.Signature, error) {
	cosigners := make([]chain.Signer, len(signers)-1)
	for i, k := range signers[1:] {
		cosigners[i] = k
	}
	return e.Client.Send(e.Ctx, ixs, signers[0], cosigners...)
}

// Funded returns a new keypair holding 10 SOL.
func (e *Env) Funded(t harness.TB) solana.PrivateKey {
	key := solana.NewWallet().PrivateKey
	require.NoError(t, e.Node.Airdrop(e.Ctx, key.PublicKey(), 10*solana.LAMPORTS_PER_SOL))
	return key
}

// TokenAccount creates owner's associated token account of mint holding amount base units
// (from the faucet, which holds IO and IOSD from genesis) and returns its address.
func (e *Env) TokenAccount(t harness.TB, mint, owner solana.PublicKey, amount uint64) solana.PublicKey {
	faucet := e.Node.Key("faucet")
	addr, _, err := solana.FindAssociatedTokenAddress(owner, mint)
	require.NoError(t, err)
	from, _, err := solana.FindAssociatedTokenAddress(faucet.PublicKey(), mint)
	require.NoError(t, err)
	ixs := []solana.Instruction{ata.NewCreateInstruction(faucet.PublicKey(), owner, mint).Build()}
	if amount > 0 {
		ixs = append(ixs, token.NewTransferInstruction(amount, from, addr, faucet.PublicKey(), nil).Build())
	}
	require.NoError(t, e.Send([]solana.PrivateKey{faucet}, ixs...))
	return addr
}

// TokenBalance is a token account's balance in base units (0 for a closed or missing
// account).
func (e *Env) TokenBalance(t harness.TB, account solana.PublicKey) uint64 {
	data, err := e.Client.AccountData(e.Ctx, account)
	if err != nil {
		require.ErrorIs(t, err, chain.ErrAccountNotFound)
		return 0
	}
	var acc token.Account
	require.NoError(t, acc.UnmarshalWithDecoder(bin.NewBinDecoder(data)))
	return acc.Amount
}

// Lamports is an account's balance (0 for no account).
func (e *Env) Lamports(t harness.TB, account solana.PublicKey) uint64 {
	n, err := e.Client.Balance(e.Ctx, account)
	require.NoError(t, err)
	return n
}

// Tx fetches a confirmed transaction.
func (e *Env) Tx(t harness.TB, sig solana.Signature) *rpc.GetTransactionResult {
	tx, err := e.Client.Transaction(e.Ctx, sig)
	require.NoError(t, err)
	require.NotNil(t, tx.Meta)
	return tx
}

// Events decodes, with parse, the Anchor events ("Program data: <base64>" log lines) that
// program id itself emitted in a confirmed transaction, in order. Lines logged while
// another program was executing are skipped: the logs' "Program <id> invoke [n]" and
// "Program <id> success|failed" lines are followed as a stack, so that the events of a
// program id invoked (or that invoked id) are not taken for id's.
func (e *Env) Events(t harness.TB, sig solana.Signature, id solana.PublicKey, parse func([]byte) (any, error)) []any {
	events, err := programEvents(e.Tx(t, sig).Meta.LogMessages, id, parse)
	require.NoError(t, err)
	return events
}

// programEvents is Events on a transaction's log lines.
func programEvents(logs []string, id solana.PublicKey, parse func([]byte) (any, error)) ([]any, error) {
	data, err := chain.EventData(logs, id)
	if err != nil {
		return nil, err
	}
	events := make([]any, 0, len(data))
	for _, raw := range data {
		ev, err := parse(raw)
		if err != nil {
			return nil, fmt.Errorf("event %x: %w", raw, err)
		}
		events = append(events, ev)
	}
	return events, nil
}

// ComputeUnits reads a confirmed transaction's compute units from its logs: the total, the
// top-level program's own share (the total less the invoked programs' consumption and
// CPIBaseCU per CPI), and its number of CPIs.
func (e *Env) ComputeUnits(t harness.TB, sig solana.Signature) (total, own uint64, cpis int) {
	logs := e.Tx(t, sig).Meta.LogMessages
	var inner uint64
	for _, line := range logs {
		fields := strings.Fields(line)
		if len(fields) == 4 && fields[0] == "Program" && fields[2] == "invoke" && fields[3] == "[2]" {
			cpis++
		}
		// "Program <id> consumed <n> of <m> compute units": depth-1 lines come last.
		if len(fields) == 8 && fields[2] == "consumed" {
			n, err := strconv.ParseUint(fields[3], 10, 64)
			require.NoError(t, err)
			inner += n
			total = n
		}
	}
	inner -= total // the last "consumed" line is the top-level program's
	return total, total - inner - uint64(cpis)*CPIBaseCU, cpis
}

// CUTable is a compute-unit benchmark: each Measure sends one instruction and reports its
// compute units as the metrics of a sub-benchmark of that name and as a row of a table on
// stderr.
type CUTable[B harness.Bench[B]] struct {
	e *Env
	b B
}

// NewCUTable prints the table's header and returns it (b is the *testing.B).
func NewCUTable[B harness.Bench[B]](e *Env, b B) *CUTable[B] {
	fmt.Fprintf(os.Stderr, "%-32s %8s %8s %5s\n", "instruction", "total", "own", "CPIs")
	return &CUTable[B]{e: e, b: b}
}

// Measure sends ix (the first signer pays), which must succeed, and reports it as name.
func (c *CUTable[B]) Measure(name string, signers []solana.PrivateKey, ix solana.Instruction) {
	sig, err := c.e.SendSig(signers, ix)
	require.NoError(c.b, err, name)
	total, own, cpis := c.e.ComputeUnits(c.b, sig)
	c.b.Run(name, func(b B) {
		b.ReportMetric(float64(total), "CU")
		b.ReportMetric(float64(own), "own-CU")
	})
	fmt.Fprintf(os.Stderr, "%-32s %8d %8d %5d\n", name, total, own, cpis)
}

// Supply is a mint's supply in base units.
func (e *Env) Supply(t harness.TB, mint solana.PublicKey) uint64 {
	n, err := e.Client.TokenSupply(e.Ctx, mint)
	require.NoError(t, err)
	return n
}
