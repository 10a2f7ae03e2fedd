package oracle_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/internal/chaintest"
	"github.com/gpunet/gpunet/internal/jobrelay"
	"github.com/gpunet/gpunet/internal/jobsecret"
	"github.com/gpunet/gpunet/internal/wire"
	onescrow "github.com/gpunet/gpunet/onchain/escrow"
)

// relayPut sends a relay PUT of body to path, signed by signer.
func relayPut(t *testing.T, o *running, path string, signer solana.PrivateKey, body []byte) answer {
	req, err := http.NewRequest(http.MethodPut, o.url+path, bytes.NewReader(body))
	require.NoError(t, err)
	sig, err := wire.Sign(signer, wire.DomainRequest, body)
	require.NoError(t, err)
	req.Header.Set(wire.KeyHeader, signer.PublicKey().String())
	req.Header.Set(wire.SignatureHeader, sig.String())
	return do(t, o, req)
}

func announcement(t *testing.T, ann wire.NodeAnnouncement) []byte {
	body, err := json.Marshal(ann)
	require.NoError(t, err)
	return body
}

// The relay of a real job (3 devices proposed; slots 0 and 1 accepted, slot 2 declined):
// every refusal with its exact status and reason and nothing stored, the renter's spec and the
// head's and a member's announcements stored as signed, replays refused, the board read and
// verified by the client (the renter opens its token from it), and a relay that lies caught.
func TestJobRelay(t *testing.T) {
	e := chaintest.New(t)
	e.InitEscrow(t)
	renter := e.Funded(t)
	providers := []chaintest.Provider{e.ActiveProvider(t, renter), e.ActiveProvider(t, renter), e.ActiveProvider(t, renter)}
	stranger := e.NewProvider(t, chaintest.H100, 5_000*chaintest.IO, 2_000*chaintest.IO) // registered, on no slot
	head, member, left := providers[0].DeviceKey, providers[1].DeviceKey, providers[2].DeviceKey

	job := e.Network.Escrow.JobAddress(renter.PublicKey(), 1)
	renterKey, err := jobsecret.NewKey(rand.Reader)
	require.NoError(t, err)
	spec := wire.JobSpec{Job: job, Class: "h100", Count: 2, Hours: 1, RenterKey: renterKey.Public()}
	specBody, requirements, err := jobrelay.SpecBody(spec)
	require.NoError(t, err)
	renterToken := e.TokenAccount(t, e.IOSDMint, renter.PublicKey(), 2*3_600_000)
	require.NoError(t, e.Send([]solana.PrivateKey{renter}, chaintest.Must(e.Network.Escrow.CreateJob(renter.PublicKey(), renterToken, e.IOSDMint,
		onescrow.Terms{JobID: 1, PricePerHour: 1_000_000, DurationSecs: 3600, DeviceCount: 3, Requirements: requirements}))))
	require.NoError(t, e.Send([]solana.PrivateKey{renter}, chaintest.Must(e.Network.Escrow.AssignDevices(renter.PublicKey(), job,
		providers[0].Device, providers[1].Device, providers[2].Device))))
	for slot, p := range providers[:2] {
		payout := e.TokenAccount(t, e.IOSDMint, p.Owner.PublicKey(), 0)
		require.NoError(t, e.Send([]solana.PrivateKey{renter, p.DeviceKey}, chaintest.Must(e.Network.Escrow.AcceptJob(job, p.DeviceKey.PublicKey(), payout, uint8(slot)))))
	}
	require.NoError(t, e.Send([]solana.PrivateKey{renter, left}, chaintest.Must(e.Network.Escrow.QuitJob(job, left.PublicKey(), 2))))
	j, err := e.Network.Escrow.FetchJob(e.Ctx, e.Client, job)
	require.NoError(t, err)
	require.Equal(t, []uint8{escrow.SlotHired, escrow.SlotHired, escrow.SlotLeft}, []uint8{j.Slots[0].State, j.Slots[1].State, j.Slots[2].State})

	dsn := database(t)
	o := start(t, e, e.Oracles[0], dsn, "-registry-cache", "1h") // the chain is set: reads are counted exactly
	db := openDB(t, dsn)
	specPath := wire.JobsPath + job.String() + wire.JobSpecPath
	nodePath := wire.JobsPath + job.String() + wire.JobNodePath
	expect := jobrelay.ExpectJob(job, j, e.Network.Registry)

	token, err := jobsecret.NewToken(rand.Reader)
	require.NoError(t, err)
	sealed := map[string][]byte{}
	for to, key := range map[string]jobsecret.PublicKey{wire.SealedForRenter: renterKey.Public(), member.PublicKey().String(): devicePublic(t, member)} {
		sealed[to], err = jobsecret.Seal(rand.Reader, token, key, job)
		require.NoError(t, err)
	}
	headAnn := wire.NodeAnnouncement{Job: job, Device: head.PublicKey(), Slot: 0, Address: "127.0.0.2", Timestamp: 1_000,
		Head: &wire.HeadEndpoints{GCSPort: 6379, DashboardPort: 8265, ClientPort: 10001, Sealed: sealed}}
	memberAnn := wire.NodeAnnouncement{Job: job, Device: member.PublicKey(), Slot: 1, Address: "127.0.0.3", Timestamp: 1_000}
	with := func(ann wire.NodeAnnouncement, change func(*wire.NodeAnnouncement)) []byte {
		if ann.Head != nil {
			h := *ann.Head
			ann.Head = &h
		}
		change(&ann)
		return announcement(t, ann)
	}
	otherJob := e.Network.Escrow.JobAddress(renter.PublicKey(), 2)
	otherSpec, _, err := jobrelay.SpecBody(wire.JobSpec{Job: otherJob, Class: "h100", Count: 2, Hours: 1})
	require.NoError(t, err)
	tooMany := map[string][]byte{}
	for range 34 {
		tooMany[solana.NewWallet().PublicKey().String()] = make([]byte, jobsecret.SealedSize)
	}

	tests := []struct {
		name   string
		path   string
		signer solana.PrivateKey
		body   []byte
		status int
		reason wire.Reason
	}{
		{"spec by another key than the renter", specPath, stranger.DeviceKey, specBody, http.StatusForbidden, wire.ReasonNotRenter},
		{"empty spec", specPath, renter, []byte{}, http.StatusBadRequest, wire.ReasonMalformed},
		{"spec not the one hashed on-chain", specPath, renter, bytes.Replace(specBody, []byte(`"count":2`), []byte(`"count":3`), 1), http.StatusConflict, wire.ReasonRequirements},
		{"spec naming another job", specPath, renter, otherSpec, http.StatusBadRequest, wire.ReasonWrongJob},
		{"spec of a job not on-chain", wire.JobsPath + otherJob.String() + wire.JobSpecPath, renter, otherSpec, http.StatusNotFound, wire.ReasonUnknownJob},
		{"spec with an unknown field", specPath, renter, bytes.Replace(specBody, []byte(`{`), []byte(`{"admin":true,`), 1), http.StatusBadRequest, wire.ReasonMalformed},
		{"job path not base58", wire.JobsPath + "0OIl" + wire.JobSpecPath, renter, specBody, http.StatusBadRequest, wire.ReasonMalformed},
		{"node of a device on no slot", nodePath, stranger.DeviceKey, with(memberAnn, func(a *wire.NodeAnnouncement) { a.Device = stranger.DeviceKey.PublicKey() }), http.StatusForbidden, wire.ReasonNotInSlot},
		{"node of a device that left its slot", nodePath, left, with(memberAnn, func(a *wire.NodeAnnouncement) { a.Device, a.Slot = left.PublicKey(), 2 }), http.StatusForbidden, wire.ReasonNotInSlot},
		{"node on another device's slot", nodePath, member, with(memberAnn, func(a *wire.NodeAnnouncement) { a.Slot = 0 }), http.StatusForbidden, wire.ReasonNotInSlot},
		{"node signed by another key than its device", nodePath, head, announcement(t, memberAnn), http.StatusBadRequest, wire.ReasonWrongDevice},
		{"node naming another job", nodePath, member, with(memberAnn, func(a *wire.NodeAnnouncement) { a.Job = otherJob }), http.StatusBadRequest, wire.ReasonWrongJob},
		{"node address not an IP", nodePath, member, with(memberAnn, func(a *wire.NodeAnnouncement) { a.Address = "node.example" }), http.StatusBadRequest, wire.ReasonMalformed},
		{"head endpoints off the head's slot", nodePath, member, with(memberAnn, func(a *wire.NodeAnnouncement) { a.Head = headAnn.Head }), http.StatusBadRequest, wire.ReasonMalformed},
		{"head port 0", nodePath, head, with(headAnn, func(a *wire.NodeAnnouncement) { a.Head.ClientPort = 0 }), http.StatusBadRequest, wire.ReasonMalformed},
		{"head port 65536", nodePath, head, with(headAnn, func(a *wire.NodeAnnouncement) { a.Head.GCSPort = 65536 }), http.StatusBadRequest, wire.ReasonMalformed},
		{"34 sealed tokens", nodePath, head, with(headAnn, func(a *wire.NodeAnnouncement) { a.Head.Sealed = tooMany }), http.StatusBadRequest, wire.ReasonMalformed},
		{"a sealed token of 257 bytes", nodePath, head, with(headAnn, func(a *wire.NodeAnnouncement) {
			a.Head.Sealed = map[string][]byte{wire.SealedForRenter: make([]byte, 257)}
		}), http.StatusBadRequest, wire.ReasonMalformed},
		{"a sealed token for a name", nodePath, head, with(headAnn, func(a *wire.NodeAnnouncement) { a.Head.Sealed = map[string][]byte{"admin": {1}} }), http.StatusBadRequest, wire.ReasonMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := relayPut(t, o, tc.path, tc.signer, tc.body)
			require.Equal(t, tc.status, a.status, string(a.body))
			require.Equal(t, tc.reason, a.problem(t).Reason)
			require.Equal(t, 0, rows(t, db, "job_specs"))
			require.Equal(t, 0, rows(t, db, "job_nodes"))
		})
	}

	t.Run("nothing stored: 404", func(t *testing.T) {
		_, err := jobrelay.Board(e.Ctx, o.url, expect)
		var p *wire.Problem
		require.ErrorAs(t, err, &p)
		require.Equal(t, wire.ReasonUnknownJob, p.Reason)
	})
	t.Run("spec accepted, again idempotent", func(t *testing.T) {
		require.NoError(t, jobrelay.PublishSpec(e.Ctx, o.url, renter, job, specBody))
		require.NoError(t, jobrelay.PublishSpec(e.Ctx, o.url, renter, job, specBody))
		require.Equal(t, 1, rows(t, db, "job_specs"))
	})
	t.Run("nodes accepted; older refused as replayed, the same again accepted", func(t *testing.T) {
		require.NoError(t, jobrelay.Announce(e.Ctx, o.url, head, headAnn))
		require.NoError(t, jobrelay.Announce(e.Ctx, o.url, member, memberAnn))
		require.NoError(t, jobrelay.Announce(e.Ctx, o.url, member, memberAnn))
		newer := memberAnn
		newer.Address, newer.Timestamp = "127.0.0.4", 2_000
		require.NoError(t, jobrelay.Announce(e.Ctx, o.url, member, newer))
		memberAnn = newer
		for _, stale := range []wire.NodeAnnouncement{{Job: job, Device: member.PublicKey(), Slot: 1, Address: "127.0.0.3", Timestamp: 1_000},
			{Job: job, Device: member.PublicKey(), Slot: 1, Address: "127.0.0.5", Timestamp: 2_000}} { // older; as new but another body
			a := relayPut(t, o, nodePath, member, announcement(t, stale))
			require.Equal(t, http.StatusConflict, a.status, string(a.body))
			require.Equal(t, wire.ReasonReplayed, a.problem(t).Reason)
		}
		require.Equal(t, 2, rows(t, db, "job_nodes"))
	})
	t.Run("board verified; the renter opens its token", func(t *testing.T) {
		v, err := jobrelay.Board(e.Ctx, o.url, expect)
		require.NoError(t, err)
		require.Equal(t, &jobrelay.Verified{Spec: &spec, Nodes: map[uint8]wire.NodeAnnouncement{0: headAnn, 1: memberAnn}}, v)
		got, err := jobsecret.Open(renterKey, v.Nodes[0].Head.Sealed[wire.SealedForRenter], job)
		require.NoError(t, err)
		require.Equal(t, token, got)
	})

	t.Run("a browser on another origin may publish the spec and read the board", func(t *testing.T) {
		const origin = "http://127.0.0.1:8880" // the web app, served by the indexer
		preflight, err := http.NewRequest(http.MethodOptions, o.url+specPath, nil)
		require.NoError(t, err)
		preflight.Header.Set("Origin", origin)
		preflight.Header.Set("Access-Control-Request-Method", http.MethodPut)
		preflight.Header.Set("Access-Control-Request-Headers", "content-type,x-gpunet-key,x-gpunet-signature")
		resp, err := http.DefaultClient.Do(preflight)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusNoContent, resp.StatusCode)
		require.Equal(t, "*", resp.Header.Get("Access-Control-Allow-Origin"))
		require.Equal(t, "GET,HEAD,PUT,OPTIONS", resp.Header.Get("Access-Control-Allow-Methods"))
		require.Equal(t, "Content-Type,X-Gpunet-Key,X-Gpunet-Signature", resp.Header.Get("Access-Control-Allow-Headers"))
		board, err := http.NewRequest(http.MethodGet, o.url+wire.JobsPath+job.String(), nil)
		require.NoError(t, err)
		board.Header.Set("Origin", origin)
		resp, err = http.DefaultClient.Do(board)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Equal(t, "*", resp.Header.Get("Access-Control-Allow-Origin"))
		require.Equal(t, "X-Gpunet-Key,X-Gpunet-Signature,Retry-After", resp.Header.Get("Access-Control-Expose-Headers"))
	})

	t.Run("a lying relay is caught; a withholding one outdone", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodGet, o.url+wire.JobsPath+job.String(), nil)
		require.NoError(t, err)
		var real wire.JobBoard
		require.NoError(t, json.Unmarshal(do(t, o, req).body, &real))
		impostor := solana.NewWallet().PrivateKey
		forged := with(headAnn, func(a *wire.NodeAnnouncement) { a.Device, a.Address = impostor.PublicKey(), "192.0.2.1" })
		forgedSig, err := wire.Sign(impostor, wire.DomainRequest, forged)
		require.NoError(t, err)
		lies := []struct {
			name string
			lie  func(b *wire.JobBoard)
		}{
			{"spec changed", func(b *wire.JobBoard) {
				b.Spec.Body = bytes.Replace(b.Spec.Body, []byte(`"count":2`), []byte(`"count":9`), 1)
			}},
			{"node's address changed", func(b *wire.JobBoard) {
				n := b.Nodes[1]
				n.Body = bytes.Replace(n.Body, []byte("127.0.0.4"), []byte("192.0.2.1"), 1)
				b.Nodes[1] = n
			}},
			{"node filed under another slot", func(b *wire.JobBoard) { b.Nodes[2] = b.Nodes[1] }},
			{"head forged by a key on no slot", func(b *wire.JobBoard) {
				b.Nodes[0] = wire.Signed{Body: forged, Signer: impostor.PublicKey(), Signature: forgedSig}
			}},
		}
		for _, l := range lies {
			t.Run(l.name, func(t *testing.T) {
				b := real
				spec := *real.Spec
				b.Spec, b.Nodes = &spec, map[uint8]wire.Signed{}
				for k, v := range real.Nodes {
					b.Nodes[k] = v
				}
				l.lie(&b)
				liar := serve(t, b)
				_, err := jobrelay.Board(e.Ctx, liar, expect)
				require.ErrorIs(t, err, jobrelay.ErrTampered)
				v, err := jobrelay.Gather(e.Ctx, []string{liar, o.url}, expect)
				require.NoError(t, err)
				require.Equal(t, map[uint8]wire.NodeAnnouncement{0: headAnn, 1: memberAnn}, v.Nodes)
			})
		}
		gone := announcement(t, wire.NodeAnnouncement{Job: job, Device: left.PublicKey(), Slot: 2, Address: "127.0.0.6", Timestamp: 1_000})
		goneSig, err := wire.Sign(left, wire.DomainRequest, gone)
		require.NoError(t, err)
		stale := serve(t, wire.JobBoard{Spec: real.Spec, Nodes: map[uint8]wire.Signed{0: real.Nodes[0], 2: {Body: gone, Signer: left.PublicKey(), Signature: goneSig}}})
		v, err := jobrelay.Board(e.Ctx, stale, expect)
		require.NoError(t, err)
		require.Equal(t, map[uint8]wire.NodeAnnouncement{0: headAnn}, v.Nodes, "the entry of a slot whose device left is dropped")

		withholding := serve(t, wire.JobBoard{Spec: real.Spec, Nodes: map[uint8]wire.Signed{}})
		v, err = jobrelay.Board(e.Ctx, withholding, expect)
		require.NoError(t, err)
		require.Empty(t, v.Nodes)
		v, err = jobrelay.Gather(e.Ctx, []string{withholding, o.url}, expect)
		require.NoError(t, err)
		require.Equal(t, &jobrelay.Verified{Spec: &spec, Nodes: map[uint8]wire.NodeAnnouncement{0: headAnn, 1: memberAnn}}, v)
	})
	t.Run("one chain read per job", func(t *testing.T) {
		require.Equal(t, 2.0, metric(t, o, `gpunet_oracle_registry_reads_total{account="job"}`), "the job and the one not on-chain")
	})
	t.Run("a replay stays refused after a restart", func(t *testing.T) {
		require.NoError(t, o.stop())
		o = start(t, e, e.Oracles[0], dsn)
		a := relayPut(t, o, nodePath, member, announcement(t, wire.NodeAnnouncement{Job: job, Device: member.PublicKey(), Slot: 1, Address: "127.0.0.3", Timestamp: 1_000}))
		require.Equal(t, http.StatusConflict, a.status, string(a.body))
		v, err := jobrelay.Board(e.Ctx, o.url, expect)
		require.NoError(t, err)
		require.Equal(t, memberAnn, v.Nodes[1])
	})
}

// serve is a relay answering board for every job, as a lying oracle would.
func serve(t *testing.T, board wire.JobBoard) string {
	body, err := json.Marshal(board)
	require.NoError(t, err)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(body) }))
	t.Cleanup(srv.Close)
	return srv.URL
}

func devicePublic(t *testing.T, key solana.PrivateKey) jobsecret.PublicKey {
	pub, err := jobsecret.DevicePublicKey(ed25519.PublicKey(key.PublicKey().Bytes()))
	require.NoError(t, err)
	return pub
}
