package worker

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/internal/chaintest"
	"github.com/gpunet/gpunet/internal/keyfile"
)

// price set stores the asks with set_asks, signed by the owner key the config names (or -k,
// or offline); amounts are tokens per device-hour, parsed exactly; status shows them.
func TestPriceSet(t *testing.T) {
	e := chaintest.New(t)
	e.InitRegistry(t, e.Keeper.PublicKey())
	owner := e.Funded(t)
	e.TokenAccount(t, e.IOMint, owner.PublicKey(), 200*chaintest.IO)
	wallet := filepath.Join(t.TempDir(), "owner.json")
	require.NoError(t, keyfile.Save(wallet, owner))
	config, device := newWorker(t, e)
	worker(t, "register", "--config", config, "-k", wallet)
	t.Setenv("GPUNET_WORKER_OWNER_KEYPAIR", wallet)

	var set PriceSet
	require.NoError(t, json.Unmarshal(worker(t, "price", "set", "--config", config, "--iosd", "0.45", "--io", "1.2", "-o", "json"), &set))
	require.Equal(t, device, set.Device)
	require.Equal(t, Asks{}, set.Before)
	require.Equal(t, Asks{IOSD: 450_000, IO: 120_000_000}, set.Asks)
	require.NotNil(t, set.Signature)
	d, err := e.Registry.FetchDevice(e.Ctx, e.Client, device)
	require.NoError(t, err)
	require.Equal(t, [2]uint32{450, 120_000}, [2]uint32{d.AskIosd, d.AskIo})

	var s Status
	require.NoError(t, json.Unmarshal(worker(t, "status", "--config", config, "-o", "json"), &s))
	require.Equal(t, Asks{IOSD: 450_000, IO: 120_000_000}, s.Chain.Asks)
	require.Contains(t, string(worker(t, "status", "--config", config)), "\n  asks             0.45 IOSD per device-hour, 1.2 IO per device-hour\n")

	out := string(worker(t, "price", "set", "--config", config, "--io", "0"))
	head, sig, ok := strings.Cut(out, "Signature: ")
	require.True(t, ok, out)
	require.Equal(t, "Device: "+device.String()+"\nAsks: 0.45 IOSD per device-hour, IO refused (were 0.45 IOSD per device-hour, 1.2 IO per device-hour)\n", head)
	_, err = solana.SignatureFromBase58(strings.TrimSuffix(sig, "\n"))
	require.NoError(t, err, out)
	d, err = e.Registry.FetchDevice(e.Ctx, e.Client, device)
	require.NoError(t, err)
	require.Equal(t, [2]uint32{450, 0}, [2]uint32{d.AskIosd, d.AskIo}, "the IOSD ask not given is kept")

	refused := []struct {
		args []string
		err  string
	}{
		{[]string{"--io", "1.000001"}, "--io: 1.000001 IO: asks go in steps of 0.00001 IO (the registry's ASK_UNIT, 1000 base units)"},
		{[]string{"--iosd", "0.0001"}, "--iosd: 0.0001 IOSD: asks go in steps of 0.001 IOSD (the registry's ASK_UNIT, 1000 base units)"},
		{[]string{"--iosd", "4294967.296"}, "--iosd: 4294967.296 IOSD: the highest ask is 4294967.295 IOSD"},
		{[]string{"--io", "1.123456789"}, `--io: "1.123456789" has more decimals than IO's 8`},
		{[]string{"--io", "-1"}, `--io: "-1" is not an amount of IO`},
		{nil, "nothing to set: give --iosd, --io or both"},
	}
	for _, tc := range refused {
		code, _, stderr := execute(append([]string{"price", "set", "--config", config}, tc.args...)...)
		require.Equal(t, 1, code)
		require.Contains(t, stderr, "Error: "+tc.err, tc.args)
	}
	stranger := filepath.Join(t.TempDir(), "stranger.json")
	strangerKey := e.Funded(t)
	require.NoError(t, keyfile.Save(stranger, strangerKey))
	code, _, stderr := execute("price", "set", "--config", config, "--iosd", "1", "-k", stranger)
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "Error: device "+device.String()+" belongs to "+owner.PublicKey().String()+", not "+strangerKey.PublicKey().String()+": its owner's wallet signs\n")

	t.Run("offline wallet", func(t *testing.T) {
		nonce := solana.NewWallet().PrivateKey
		_, err := e.Client.CreateNonceAccount(e.Ctx, owner, nonce, owner.PublicKey())
		require.NoError(t, err)
		var signed PriceSet
		require.NoError(t, json.Unmarshal(worker(t, "price", "set", "--config", config, "--iosd", "2", "--owner", owner.PublicKey().String(),
			"--nonce", nonce.PublicKey().String(), "--nonce-authority", owner.PublicKey().String(), "--sign-only", "-o", "json"), &signed))
		require.Equal(t, []solana.PublicKey{owner.PublicKey()}, signed.Absent)
		require.Empty(t, signed.Signers, "the device key does not sign set_asks")
		require.Nil(t, signed.Signature)
		d, err := e.Registry.FetchDevice(e.Ctx, e.Client, device)
		require.NoError(t, err)
		require.Equal(t, uint32(450), d.AskIosd, "nothing was sent")
	})
}
