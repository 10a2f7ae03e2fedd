package e2e

import (
	"context"
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chaintest"
	"github.com/gpunet/gpunet/internal/pg"
	"github.com/gpunet/gpunet/internal/protocol"
	"github.com/gpunet/gpunet/oracle/uptime"
)

// vote is one ProofRecorded: an oracle's cumulative uptime since base, on window.
type vote struct {
	oracle       solana.PublicKey
	window, base uint64
	uptime       uint32
}

// counted is one ProofCounted with the votes recorded on its window (and base) before it.
type counted struct {
	window, base, uptime, proven uint64
	votes                        []vote
}

// ledger is what the chain recorded about one device's proofs, in order.
type ledger struct {
	votes  []vote
	counts []counted
	// late are the oracles' reports on a window counted without them (the registry's late
	// report: LateReportRecorded, carrying no uptime): their oracle and window.
	late []vote
}

// readLedger reads every registry event of p's device from its transactions, oldest first.
func readLedger(t *testing.T, e *chaintest.Env, p chaintest.Provider) ledger {
	sigs, err := e.Node.RPC.GetSignaturesForAddressWithOpts(e.Ctx, p.Device, &rpc.GetSignaturesForAddressOpts{Commitment: rpc.CommitmentConfirmed})
	require.NoError(t, err)
	require.Less(t, len(sigs), 1000, "one page holds them all")
	var l ledger
	open := map[[2]uint64][]vote{} // votes by window and base, until the window is counted or closed
	for i := len(sigs) - 1; i >= 0; i-- {
		if sigs[i].Err != nil {
			continue
		}
		for _, ev := range e.Events(t, sigs[i].Signature, e.Registry.ID, registry.ParseAnyEvent) {
			switch ev := ev.(type) {
			case *registry.ProofRecorded:
				v := vote{oracle: ev.Oracle, window: ev.Window, base: ev.Base, uptime: ev.UptimeSecs}
				l.votes = append(l.votes, v)
				open[[2]uint64{v.window, v.base}] = append(open[[2]uint64{v.window, v.base}], v)
			case *registry.ProofCounted:
				k := [2]uint64{ev.Window, ev.Base}
				l.counts = append(l.counts, counted{window: ev.Window, base: ev.Base, uptime: ev.UptimeSecs, proven: ev.ProvenUptimeSecs, votes: open[k]})
				delete(open, k)
			case *registry.LateReportRecorded:
				l.late = append(l.late, vote{oracle: ev.Oracle, window: ev.Window})
			case *registry.ProofUndecided:
				delete(open, [2]uint64{ev.Window, ev.Base})
			case *registry.ProofClosed:
				for k := range open {
					if k[0] == ev.Window {
						delete(open, k)
					}
				}
			}
		}
	}
	return l
}

// checkLedger asserts the chain's own consistency for p's device: no oracle voted twice on a
// window and base, every count is exactly protocol.DecideVotes (the registry's rule) on the
// votes recorded before it, and the device's proven uptime is the sum of its counts. It
// returns the ledger and the device.
func checkLedger(t *testing.T, e *chaintest.Env, params *registry.ConfigParams, p chaintest.Provider) (ledger, *registry.Device) {
	d := e.Device(t, p)
	l := readLedger(t, e, p)
	seen := map[vote]bool{}
	for _, v := range l.votes {
		k := vote{oracle: v.oracle, window: v.window, base: v.base}
		require.False(t, seen[k], "oracle %s voted twice on window %d (base %d)", v.oracle, v.window, v.base)
		seen[k] = true
	}
	var sum uint64
	for _, c := range l.counts {
		ups := make([]uint64, len(c.votes))
		for i, v := range c.votes {
			ups[i] = uint64(v.uptime)
		}
		decided, outcome := protocol.DecideVotes(protocol.RegistryVoteRule(params), ups, true)
		require.Equal(t, protocol.VotesDecided, outcome, "window %d counted from votes %v", c.window, ups)
		require.Equal(t, decided.Lo, c.uptime, "window %d: votes %v", c.window, ups)
		sum += c.uptime
		require.Equal(t, sum, c.proven, "window %d: proven uptime is the sum of the counts", c.window)
	}
	require.Equal(t, sum, d.ProvenUptimeSecs)
	return l, d
}

// checkObserved asserts that every vote o put on chain for p's device is exactly the uptime o's
// database shows it credited live over the vote's span (the registry's span rule).
func checkObserved(t *testing.T, e *chaintest.Env, params *registry.ConfigParams, o *oracle, d *registry.Device, l ledger) (votes int) {
	ctx := context.Background()
	pool, err := pg.Open(ctx, o.dsn)
	require.NoError(t, err)
	defer pool.Close()
	for _, v := range l.votes {
		if v.oracle != o.key.PublicKey() {
			continue
		}
		span := chaintest.Must(protocol.ProofSpan(params, &registry.Device{LastProofWindow: v.base, RegisteredAt: d.RegisteredAt}, v.window))
		rows, err := pool.Query(ctx, `SELECT received_ms, credited_until_ms FROM heartbeats
			WHERE device = $1 AND credited_until_ms > $2 AND received_ms < $3`, d.DeviceKey.String(), int64(span.From())*1000, int64(span.End)*1000)
		require.NoError(t, err)
		credits, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (uptime.Interval, error) {
			var iv uptime.Interval
			return iv, r.Scan(&iv.From, &iv.Until)
		})
		require.NoError(t, err)
		require.Equal(t, uptime.Seconds(span, credits), v.uptime, "oracle %d's vote on window %d (base %d) is what it credited", o.slot+1, v.window, v.base)
		votes++
	}
	return votes
}
