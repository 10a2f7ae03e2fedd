package oracle_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/economy"
	"github.com/gpunet/gpunet/internal/chaintest"
	"github.com/gpunet/gpunet/internal/protocol"
	"github.com/gpunet/gpunet/oracle/store"
)

// source is an HTTP price source answering {"data":{"price":<usd>}}.
func source(t *testing.T, usd string) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"data":{"price":"` + usd + `"}}`))
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "#data.price"
}

// recorded is the one price submission o recorded, once it has landed.
func recorded(t *testing.T, o *running) store.PriceSubmission {
	pool := openDB(t, o.dsn)
	var got []store.PriceSubmission
	require.Eventually(t, func() bool {
		rows, err := pool.Query(context.Background(), `SELECT publish_time, price, conf, sources, state FROM price_submissions`)
		require.NoError(t, err)
		got = got[:0]
		for rows.Next() {
			var s store.PriceSubmission
			var price, conf int64
			require.NoError(t, rows.Scan(&s.PublishTime, &price, &conf, &s.Sources, &s.State))
			s.Price, s.Conf = uint64(price), uint64(conf)
			got = append(got, s)
		}
		require.NoError(t, rows.Err())
		return len(got) > 0
	}, time.Minute, 50*time.Millisecond, "%s", o.logs)
	require.Len(t, got, 1, "one submission per period")
	require.Equal(t, store.Landed, got[0].State)
	return got[0]
}

// Three oracles submit prices on their own: two honest ones each read two HTTP sources, the
// third lies with a fixed price ten times too high. The usable price on chain is exactly what
// protocol.UsablePrice predicts from the submissions the oracles recorded, and the same as
// from the honest ones alone: the liar moves it nowhere. A restarted oracle reads its fresh
// price on chain and submits none within the period.
func TestPricesOnChain(t *testing.T) {
	e := chaintest.New(t)
	e.InitRegistry(t, solana.NewWallet().PublicKey())
	e.InitEconomy(t, e.Network.IDs.Escrow, e.EconomyParams(t))
	every := []string{"-price-every", "1h"}
	sources := func(a, b string) []string {
		return append(every, "-price-sources", source(t, a)+" "+source(t, b), "-price-min-sources", "2")
	}
	oracles := []*running{
		start(t, e, e.Oracles[0], database(t), sources("1.000", "1.002")...), // median 1.001, conf 0.001
		start(t, e, e.Oracles[1], database(t), sources("1.003", "1.005")...), // median 1.004
		start(t, e, e.Oracles[2], database(t), append(every, "-price-fixed", "10000000", "-price-conf", "5")...),
	}
	var subs []store.PriceSubmission
	for _, o := range oracles {
		subs = append(subs, recorded(t, o))
	}
	require.Equal(t, []uint64{1_001_000, 1_004_000, 10_000_000}, []uint64{subs[0].Price, subs[1].Price, subs[2].Price})
	require.Equal(t, []uint64{1_000, 1_000, 5}, []uint64{subs[0].Conf, subs[1].Conf, subs[2].Conf})
	require.Equal(t, []int{2, 2, 0}, []int{subs[0].Sources, subs[1].Sources, subs[2].Sources})

	ec, err := e.Economy.FetchConfig(e.Ctx, e.Client)
	require.NoError(t, err)
	rc, err := e.Registry.FetchConfig(e.Ctx, e.Client)
	require.NoError(t, err)
	now := e.ChainNow(t)
	for i, s := range subs { // the registry's slot i is oracle i
		require.Equal(t, economy.PriceSubmission{Price: s.Price, Conf: s.Conf, PublishTime: s.PublishTime}, ec.Prices[i])
	}
	predicted := func(subs []store.PriceSubmission) protocol.Price {
		c := *ec
		c.Prices = [16]economy.PriceSubmission{}
		for i, s := range subs {
			c.Prices[i] = economy.PriceSubmission{Price: s.Price, Conf: s.Conf, PublishTime: s.PublishTime}
		}
		p, err := protocol.UsablePrice(&c, rc, now)
		require.NoError(t, err)
		return p
	}
	onChain, err := protocol.UsablePrice(ec, rc, now)
	require.NoError(t, err)
	require.Equal(t, predicted(subs), onChain)
	require.Equal(t, predicted(subs[:2]), onChain, "the liar moves nothing")
	// the honest pair agrees within the 1% band (3,000 <= 1% of 1,004,000); the liar is 10x off
	require.Equal(t, protocol.Price{Lo: 1_001_000, Hi: 1_004_000, Conf: 1_000}, onChain)
	require.Equal(t, float64(1_001_000), metric(t, oracles[0], "gpunet_oracle_price_micro_usd"))
	require.Equal(t, float64(2), metric(t, oracles[0], "gpunet_oracle_price_sources"))
	require.Equal(t, float64(1), metric(t, oracles[0], `gpunet_oracle_price_submissions_total{state="landed"}`))

	// restarted within the period: it reads its price on chain and submits none
	require.NoError(t, oracles[0].stop())
	again := start(t, e, e.Oracles[0], oracles[0].dsn, sources("1.010", "1.012")...)
	require.Eventually(t, func() bool { return logLine(again.logs, "price fresh on chain") != nil }, time.Minute, 20*time.Millisecond, "%s", again.logs)
	require.Equal(t, subs[0], recorded(t, again))
	ec, err = e.Economy.FetchConfig(e.Ctx, e.Client)
	require.NoError(t, err)
	require.Equal(t, subs[0].PublishTime, ec.Prices[0].PublishTime)
	require.Equal(t, float64(1_001_000), metric(t, again, "gpunet_oracle_price_micro_usd"), "the last submission, from the database")
	require.Equal(t, float64(0), metric(t, again, `gpunet_oracle_price_submissions_total{state="landed"}`))
}
