package oracle_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/chaintest"
	"github.com/gpunet/gpunet/internal/wire"
	onregistry "github.com/gpunet/gpunet/onchain/registry"
)

// cosign asks o to co-sign req (POST wire.SlashPath) and returns its answer.
func cosign(t *testing.T, o *running, req wire.SlashRequest) answer {
	body, err := json.Marshal(req)
	require.NoError(t, err)
	r, err := http.NewRequest(http.MethodPost, o.url+wire.SlashPath, bytes.NewReader(body))
	require.NoError(t, err)
	r.Header.Set("Content-Type", "application/json")
	return do(t, o, r)
}

// slashMessage is the transaction (and its message) slashing p's device for offence with
// evidence, paid by payer, naming job and cosigners, as a keeper assembles it.
func slashMessage(t *testing.T, e *chaintest.Env, payer solana.PrivateKey, p chaintest.Provider, job onregistry.AbandonedJob, offence uint8, evidence [32]byte, cosigners ...solana.PublicKey) (*solana.Transaction, []byte) {
	ix, err := e.Registry.SlashJob(payer.PublicKey(), p.Owner.PublicKey(), p.DeviceKey.PublicKey(), e.IOMint, job, offence, evidence, cosigners...)
	require.NoError(t, err)
	tx, err := e.Client.Build(e.Ctx, []solana.Instruction{ix}, payer.PublicKey())
	require.NoError(t, err)
	msg, err := tx.Message.MarshalBinary()
	require.NoError(t, err)
	return tx, msg
}

// slashFailedChallenges has the oracles co-sign the slash of cheat's tallied failed challenges,
// which lands, and refuse the honest device's, a wrong count, a slash for another offence than
// the request's, and a message that makes an oracle pay.
func slashFailedChallenges(t *testing.T, e *chaintest.Env, oracles []*running, cheat, honest chaintest.Provider) {
	payer := e.Funded(t)
	keys := make([]solana.PublicKey, len(oracles))
	for i, o := range oracles {
		keys[i] = o.key.PublicKey()
	}
	refused := func(o *running, req wire.SlashRequest, status int, reason wire.Reason) {
		a := cosign(t, o, req)
		require.Equal(t, status, a.status, string(a.body))
		require.Equal(t, reason, a.problem(t).Reason)
	}

	// the honest device: the registry tallied no failure, and no oracle's latest one failed
	_, msg := slashMessage(t, e, payer, honest, onregistry.NoJob, registry.OffenceFailedChallenge, wire.FailedChallengeEvidence(honest.Device, 0), keys...)
	refused(oracles[0], wire.SlashRequest{Offence: registry.OffenceFailedChallenge, Device: honest.Device, Message: msg}, http.StatusConflict, wire.ReasonNoEvidence)

	// the cheat: the count must be the registry's; the evidence the count's; the oracle a
	// read-only co-signer that does not pay
	failures := e.Device(t, cheat).ChallengesFailed
	_, msg = slashMessage(t, e, payer, cheat, onregistry.NoJob, registry.OffenceFailedChallenge, wire.FailedChallengeEvidence(cheat.Device, failures+100), keys...)
	refused(oracles[0], wire.SlashRequest{Offence: registry.OffenceFailedChallenge, Device: cheat.Device, Failures: failures + 100, Message: msg}, http.StatusConflict, wire.ReasonNoEvidence)
	refused(oracles[0], wire.SlashRequest{Offence: registry.OffenceFailedChallenge, Device: cheat.Device, Failures: failures, Message: msg}, http.StatusBadRequest, wire.ReasonNotASlash)
	_, msg = slashMessage(t, e, payer, cheat, onregistry.NoJob, registry.OffenceSpoofedHardware, wire.FailedChallengeEvidence(cheat.Device, failures), keys...)
	refused(oracles[0], wire.SlashRequest{Offence: registry.OffenceFailedChallenge, Device: cheat.Device, Failures: failures, Message: msg}, http.StatusBadRequest, wire.ReasonNotASlash)
	ix, err := e.Registry.SlashJob(keys[0], cheat.Owner.PublicKey(), cheat.DeviceKey.PublicKey(), e.IOMint, onregistry.NoJob, registry.OffenceFailedChallenge,
		wire.FailedChallengeEvidence(cheat.Device, failures), keys...)
	require.NoError(t, err)
	paid, err := e.Client.Build(e.Ctx, []solana.Instruction{ix}, keys[0])
	require.NoError(t, err)
	msg, err = paid.Message.MarshalBinary()
	require.NoError(t, err)
	refused(oracles[0], wire.SlashRequest{Offence: registry.OffenceFailedChallenge, Device: cheat.Device, Failures: failures, Message: msg}, http.StatusBadRequest, wire.ReasonNotCosigner)

	// Every oracle's latest challenge of the cheat failed: all sign (the count moves on while the
	// challenges go on: asked again with the new count), and the slash lands.
	var tx *solana.Transaction
	var evidence [32]byte
	require.Eventually(t, func() bool {
		failures = e.Device(t, cheat).ChallengesFailed
		evidence = wire.FailedChallengeEvidence(cheat.Device, failures)
		tx, msg = slashMessage(t, e, payer, cheat, onregistry.NoJob, registry.OffenceFailedChallenge, evidence, keys...)
		_, err := chain.Sign(tx, payer)
		require.NoError(t, err)
		for _, o := range oracles {
			a := cosign(t, o, wire.SlashRequest{Offence: registry.OffenceFailedChallenge, Device: cheat.Device, Failures: failures, Message: msg})
			if a.status != http.StatusOK {
				return false
			}
			var s wire.SlashAnswer
			require.NoError(t, json.Unmarshal(a.body, &s))
			require.True(t, s.Signature.Verify(o.key.PublicKey(), msg))
			for i, k := range tx.Message.AccountKeys[:tx.Message.Header.NumRequiredSignatures] {
				if k == s.Oracle {
					tx.Signatures[i] = s.Signature
				}
			}
		}
		return true
	}, time.Minute, 200*time.Millisecond, "every oracle co-signs the tallied failure")
	_, err = e.Client.SendSigned(e.Ctx, tx)
	require.NoError(t, err)
	record, err := e.Registry.FetchSlashRecord(e.Ctx, e.Client, cheat.DeviceKey.PublicKey(), evidence)
	require.NoError(t, err)
	require.Equal(t, registry.OffenceFailedChallenge, record.Offence)
	require.Equal(t, uint16(0b111), record.SignerMask)
}
