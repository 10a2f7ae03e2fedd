package jobsecret_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/internal/jobsecret"
)

func unhex(t *testing.T, s string) []byte {
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}

// libsodium's test/default/ed25519_convert.c: the keypair from this seed converts to these
// X25519 keys (ed25519_convert.exp).
func TestDeviceKeysMatchLibsodium(t *testing.T) {
	seed := unhex(t, "421151a459faeade3d247115f94aedae42318124095afabe4d1451a559faedee")
	key := ed25519.NewKeyFromSeed(seed)
	pub, err := jobsecret.DevicePublicKey(key.Public().(ed25519.PublicKey))
	require.NoError(t, err)
	require.Equal(t, "f1814f0e8ff1043d8a44d25babff3cedcae6c22c3edaa48f857ae70de2baae50", hex.EncodeToString(pub[:]))
	priv, err := jobsecret.DeviceKey(key)
	require.NoError(t, err)
	require.Equal(t, "8052030376d47112be7f73ed7a019293dd12ad910b654455798b4667d73de166", hex.EncodeToString(priv[:]))
	require.Equal(t, pub, priv.Public(), "the converted private key's public half is the converted public key")
}

func TestDevicePublicKeyRefusesBadPoints(t *testing.T) {
	notOnCurve := unhex(t, "0200000000000000000000000000000000000000000000000000000000000000")
	_, err := jobsecret.DevicePublicKey(notOnCurve)
	require.ErrorIs(t, err, jobsecret.ErrKey)
	identity := unhex(t, "0100000000000000000000000000000000000000000000000000000000000000") // y = 1: u = 0
	_, err = jobsecret.DevicePublicKey(identity)
	require.ErrorIs(t, err, jobsecret.ErrKey)
	_, err = jobsecret.DevicePublicKey(make([]byte, 31))
	require.ErrorIs(t, err, jobsecret.ErrKey)
}

func TestSealOpen(t *testing.T) {
	jobA, jobB := [32]byte{0xa}, [32]byte{0xb}
	token, err := jobsecret.NewToken(rand.Reader)
	require.NoError(t, err)
	renter, err := jobsecret.NewKey(rand.Reader)
	require.NoError(t, err)
	_, deviceEd, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	devicePub, err := jobsecret.DevicePublicKey(deviceEd.Public().(ed25519.PublicKey))
	require.NoError(t, err)
	device, err := jobsecret.DeviceKey(deviceEd)
	require.NoError(t, err)
	other, err := jobsecret.NewKey(rand.Reader)
	require.NoError(t, err)

	toRenter, err := jobsecret.Seal(rand.Reader, token, renter.Public(), jobA)
	require.NoError(t, err)
	require.Len(t, toRenter, jobsecret.SealedSize)
	toDevice, err := jobsecret.Seal(rand.Reader, token, devicePub, jobA)
	require.NoError(t, err)

	got, err := jobsecret.Open(renter, toRenter, jobA)
	require.NoError(t, err)
	require.Equal(t, token, got)
	got, err = jobsecret.Open(device, toDevice, jobA)
	require.NoError(t, err)
	require.Equal(t, token, got)

	tampered := func(i int) []byte {
		b := append([]byte(nil), toRenter...)
		b[i] ^= 1
		return b
	}
	for name, c := range map[string]struct {
		key    jobsecret.PrivateKey
		sealed []byte
		job    [32]byte
	}{
		"wrong key":                  {other, toRenter, jobA},
		"the device's box, renter":   {renter, toDevice, jobA},
		"job A's box opened for B":   {renter, toRenter, jobB},
		"ephemeral key tampered":     {renter, tampered(0), jobA},
		"ciphertext tampered":        {renter, tampered(jobsecret.KeySize + 3), jobA},
		"tag tampered":               {renter, tampered(jobsecret.SealedSize - 1), jobA},
		"short":                      {renter, toRenter[:jobsecret.SealedSize-1], jobA},
		"low-order ephemeral (zero)": {renter, append(make([]byte, jobsecret.KeySize), toRenter[jobsecret.KeySize:]...), jobA},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := jobsecret.Open(c.key, c.sealed, c.job)
			require.ErrorIs(t, err, jobsecret.ErrOpen)
			require.Equal(t, jobsecret.Token{}, got)
		})
	}
}

// A wallet derives the same key for a job every time (ed25519 signs deterministically), and
// another for another job.
func TestKeyFromSignature(t *testing.T) {
	_, wallet, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	jobA, jobB := [32]byte{1}, [32]byte{2}
	derive := func(job [32]byte) jobsecret.PrivateKey {
		k, err := jobsecret.KeyFromSignature(ed25519.Sign(wallet, jobsecret.WalletMessage(job)))
		require.NoError(t, err)
		return k
	}
	require.Equal(t, derive(jobA), derive(jobA))
	require.NotEqual(t, derive(jobA), derive(jobB))

	token, err := jobsecret.NewToken(rand.Reader)
	require.NoError(t, err)
	sealed, err := jobsecret.Seal(rand.Reader, token, derive(jobA).Public(), jobA)
	require.NoError(t, err)
	got, err := jobsecret.Open(derive(jobA), sealed, jobA)
	require.NoError(t, err)
	require.Equal(t, token, got)

	require.Equal(t, "gpunet job key v1\nSign to derive the key that receives this job's Ray token. It moves no funds.\njob: "+
		"0100000000000000000000000000000000000000000000000000000000000000", string(jobsecret.WalletMessage(jobA)))
	_, err = jobsecret.KeyFromSignature(make([]byte, 63))
	require.ErrorIs(t, err, jobsecret.ErrKey)
}

func TestTokenString(t *testing.T) {
	require.Equal(t, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
		jobsecret.Token{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31}.String())
}
