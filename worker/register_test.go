package worker

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/chaintest"
)

// worker runs gpunet-worker with args and returns its stdout, failing on an error.
func worker(t *testing.T, args ...string) []byte {
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, Execute(context.Background(), args, &stdout, &stderr), stderr.String())
	return stdout.Bytes()
}

// newWorker inits a worker in a temporary directory, pointed at e's localnet as a CPU-class
// device (this host's NVML, if any, is not what the test is about), and returns its config file.
func newWorker(t *testing.T, e *chaintest.Env) (config string, device solana.PublicKey) {
	dir := t.TempDir()
	var res InitResult
	require.NoError(t, json.Unmarshal(worker(t, "init", "--dir", dir, "-o", "json"), &res))
	t.Setenv("GPUNET_WORKER_URL", e.Node.RPCURL)
	t.Setenv("GPUNET_WORKER_HARDWARE_MODEL", "0")
	return filepath.Join(dir, "config.json"), res.Device
}

func TestRegisterWithAnOfflineWalletOnADurableNonce(t *testing.T) {
	e := chaintest.New(t)
	e.InitRegistry(t, e.Keeper.PublicKey())
	owner := e.Funded(t)
	ownerIO := e.TokenAccount(t, e.IOMint, owner.PublicKey(), 500*chaintest.IO)
	nonce := solana.NewWallet().PrivateKey
	_, err := e.Client.CreateNonceAccount(e.Ctx, owner, nonce, owner.PublicKey())
	require.NoError(t, err)
	before, err := e.Client.NonceAccount(e.Ctx, nonce.PublicKey())
	require.NoError(t, err)
	config, device := newWorker(t, e)
	lamports := e.Lamports(t, owner.PublicKey())

	offline := []string{"register", "--config", config, "--owner", owner.PublicKey().String(),
		"--nonce", nonce.PublicKey().String(), "--nonce-authority", owner.PublicKey().String(), "-o", "json"}
	var signed Signed
	require.NoError(t, json.Unmarshal(worker(t, append(offline, "--sign-only")...), &signed))
	require.Equal(t, []solana.PublicKey{owner.PublicKey()}, signed.Absent)
	require.Equal(t, before.Nonce, signed.Blockhash)
	require.Len(t, signed.Signers, 1)
	require.Equal(t, uint64(200*chaintest.IO), signed.Plan.TopUp)
	require.True(t, signed.Plan.NewProvider)
	require.True(t, signed.Plan.NewDevice)

	// The wallet signs the message elsewhere; nothing is on chain yet.
	message, err := base64.StdEncoding.DecodeString(signed.Message)
	require.NoError(t, err)
	sig, err := owner.Sign(message)
	require.NoError(t, err)
	_, err = e.Registry.FetchDevice(e.Ctx, e.Client, device)
	require.ErrorIs(t, err, chain.ErrAccountNotFound)

	var sent Signed
	require.NoError(t, json.Unmarshal(worker(t, append(offline, "--signer", owner.PublicKey().String()+"="+sig.String())...), &sent))
	require.NotNil(t, sent.Signature)
	require.Equal(t, sig, *sent.Signature, "the owner pays: its signature is the transaction's")

	d, err := e.Registry.FetchDevice(e.Ctx, e.Client, device)
	require.NoError(t, err)
	require.Equal(t, owner.PublicKey(), d.Owner)
	require.Equal(t, uint64(200*chaintest.IO), d.Stake)
	require.Equal(t, registry.DeviceSpec{HardwareModel: registry.ModelCPU}, d.Spec)
	require.Equal(t, registry.StatusProbation, d.Status)
	require.Equal(t, uint64(300*chaintest.IO), e.TokenBalance(t, ownerIO))
	require.Equal(t, uint64(200*chaintest.IO), e.TokenBalance(t, d.Vault))
	// Two signatures' fees and the rent of the Provider, the Device and its vault.
	require.Equal(t, lamports-2*5_000-2_672_640-4_287_360-2_039_280, e.Lamports(t, owner.PublicKey()))
	after, err := e.Client.NonceAccount(e.Ctx, nonce.PublicKey())
	require.NoError(t, err)
	require.NotEqual(t, before.Nonce, after.Nonce, "the nonce advanced: the transaction cannot be replayed")

	// Registered with its stake: a second register has nothing to do.
	var stderr bytes.Buffer
	require.Equal(t, 1, Execute(context.Background(), append(offline[:len(offline)-2], "--sign-only"), &bytes.Buffer{}, &stderr))
	require.True(t, strings.HasSuffix(stderr.String(), "reading the registry\nError: "+ErrNothingToDo.Error()+"\n"), stderr.String())
}
