//go:build linux

package validatortest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"

	"github.com/gpunet/gpunet/internal/localnet"
)

// EnvBinary is the environment variable that names the solana-test-validator binary; the flow
// runs only when it is set (`make test-validator` sets it).
const EnvBinary = "GPUNET_TEST_VALIDATOR"

// Program is an upgradeable program the validator loads at genesis.
type Program struct {
	ID solana.PublicKey
	SO string // path of the .so
}

// Config is how Start runs solana-test-validator.
type Config struct {
	Binary           string
	Ledger           string // the ledger directory (reset at start, kept after Close)
	Programs         []Program
	UpgradeAuthority solana.PublicKey // the programs' upgrade authority
	AccountDir       string           // genesis accounts, one `solana account --output json` file each
}

// Validator is a running solana-test-validator.
type Validator struct {
	RPCURL string
	WSURL  string
	Ledger string

	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// portBlock is how many consecutive ports Start takes: RPC, PubSub (RPC + 1), faucet and
// gossip, then the dynamic range (TPU, TVU, repair, QUIC endpoints, ...).
const portBlock = 64

// Start runs the validator on free ports with a fresh ledger and waits until its RPC answers
// at slot 1 or later, so its programs are callable and its faucet serves airdrops.
func Start(ctx context.Context, cfg Config) (*Validator, error) {
	base, err := freePorts(portBlock)
	if err != nil {
		return nil, err
	}
	args := []string{"--reset", "--quiet", "--ledger", cfg.Ledger, "--bind-address", "127.0.0.1",
		"--rpc-port", fmt.Sprint(base), "--faucet-port", fmt.Sprint(base + 2), "--gossip-port", fmt.Sprint(base + 3),
		"--dynamic-port-range", fmt.Sprintf("%d-%d", base+4, base+portBlock), "--account-dir", cfg.AccountDir}
	for _, p := range cfg.Programs {
		args = append(args, "--upgradeable-program", p.ID.String(), p.SO, cfg.UpgradeAuthority.String())
	}
	cmd := exec.Command(cfg.Binary, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := os.Create(filepath.Join(filepath.Dir(cfg.Ledger), filepath.Base(cfg.Ledger)+".out"))
	if err != nil {
		return nil, fmt.Errorf("start validator: %w", err)
	}
	defer out.Close()
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start validator (%s): %w", cfg.Binary, err)
	}
	v := &Validator{RPCURL: fmt.Sprintf("http://127.0.0.1:%d", base), WSURL: fmt.Sprintf("ws://127.0.0.1:%d", base+1),
		Ledger: cfg.Ledger, cmd: cmd, done: make(chan struct{})}
	go func() { v.err = cmd.Wait(); close(v.done) }()

	client := rpc.New(v.RPCURL)
	defer client.Close()
	deadline := time.After(60 * time.Second)
	for {
		if slot, err := client.GetSlot(ctx, rpc.CommitmentConfirmed); err == nil && slot >= 1 {
			return v, nil
		}
		select {
		case <-v.done:
			return nil, fmt.Errorf("validator exited before it was ready (%v): see %s and %s/validator.log", v.err, out.Name(), cfg.Ledger)
		case <-deadline:
			_ = v.Close()
			return nil, fmt.Errorf("validator not ready after 60 s: see %s/validator.log", cfg.Ledger)
		case <-ctx.Done():
			_ = v.Close()
			return nil, fmt.Errorf("start validator: %w", ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Close stops the validator (SIGTERM, then SIGKILL after 15 s).
func (v *Validator) Close() error {
	_ = v.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-v.done:
		return nil
	case <-time.After(15 * time.Second):
		_ = v.cmd.Process.Kill()
		<-v.done
		return errors.New("validator did not stop on SIGTERM; killed")
	}
}

// freePorts finds n consecutive ports free for TCP and UDP on 127.0.0.1 and returns the first.
func freePorts(n int) (int, error) {
	for try := 0; try < 50; try++ {
		base := 20_000 + rand.IntN(40_000/n)*n
		if portsFree(base, n) {
			return base, nil
		}
	}
	return 0, fmt.Errorf("no %d consecutive free ports", n)
}

func portsFree(base, n int) bool {
	for p := base; p < base+n; p++ {
		addr := fmt.Sprintf("127.0.0.1:%d", p)
		l, err := net.Listen("tcp", addr)
		if err != nil {
			return false
		}
		_ = l.Close()
		u, err := net.ListenPacket("udp", addr)
		if err != nil {
			return false
		}
		_ = u.Close()
	}
	return true
}

// accountFile is an account in the form `solana account --output json` writes and
// solana-test-validator's --account and --account-dir read.
type accountFile struct {
	Pubkey  string `json:"pubkey"`
	Account struct {
		Lamports   uint64    `json:"lamports"`
		Data       [2]string `json:"data"`
		Owner      string    `json:"owner"`
		Executable bool      `json:"executable"`
		RentEpoch  uint64    `json:"rentEpoch"`
		Space      uint64    `json:"space"`
	} `json:"account"`
}

// DumpGenesis starts a localnet without programs (its DEV-ONLY keys written to keysDir), writes
// each of its genesis accounts (the "localnet: genesis NAME ADDRESS" lines it logs) to
// dir/NAME.json and returns the addresses by name.
func DumpGenesis(ctx context.Context, keysDir, dir string) (map[string]solana.PublicKey, error) {
	node, err := localnet.Launch(ctx, localnet.WithKeysDir(keysDir), localnet.WithDeployDir(dir))
	if err != nil {
		return nil, err
	}
	defer node.Close()
	addrs := map[string]solana.PublicKey{}
	var (
		names []string
		keys  []solana.PublicKey
	)
	for _, line := range strings.Split(node.Output(), "\n") {
		f := strings.Fields(line)
		if len(f) != 4 || f[0] != "localnet:" || f[1] != "genesis" {
			continue
		}
		addr, err := solana.PublicKeyFromBase58(f[3])
		if err != nil {
			return nil, fmt.Errorf("genesis line %q: %w", line, err)
		}
		addrs[f[2]] = addr
		names, keys = append(names, f[2]), append(keys, addr)
	}
	res, err := node.RPC.GetMultipleAccountsWithOpts(ctx, keys, &rpc.GetMultipleAccountsOpts{Commitment: rpc.CommitmentConfirmed, Encoding: solana.EncodingBase64})
	if err != nil {
		return nil, fmt.Errorf("read genesis accounts: %w", err)
	}
	for i, acc := range res.Value {
		if acc == nil {
			return nil, fmt.Errorf("genesis account %s is missing", keys[i])
		}
		var f accountFile
		data := acc.Data.GetBinary()
		f.Pubkey = keys[i].String()
		f.Account.Lamports, f.Account.Owner, f.Account.Executable = acc.Lamports, acc.Owner.String(), acc.Executable
		f.Account.Data = [2]string{base64.StdEncoding.EncodeToString(data), "base64"}
		f.Account.RentEpoch, f.Account.Space = acc.RentEpoch.Uint64(), uint64(len(data))
		raw, err := json.Marshal(f)
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(dir, names[i]+".json"), raw, 0o644); err != nil {
			return nil, fmt.Errorf("write genesis account: %w", err)
		}
	}
	return addrs, nil
}
