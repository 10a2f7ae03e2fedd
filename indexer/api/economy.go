package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5"
	"github.com/prometheus/common/expfmt"

	"github.com/gpunet/gpunet/client/economy"
	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/client/programerr"
	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/protocol"
	"github.com/gpunet/gpunet/internal/scheduler"
)

func amount(v uint64) Amount { return Amount(strconv.FormatUint(v, 10)) }

// Health is /healthz's answer.
type Health struct {
	Status string `json:"status"`
	// Slot is the newest slot the indexer stored (0 before the first).
	Slot int64 `json:"slot"`
}

func (s *Server) health(c *fiber.Ctx, _ input) (any, error) {
	ctx, cancel := s.ctx(c)
	defer cancel()
	slot, err := s.newestSlot(ctx)
	if err != nil {
		return nil, err
	}
	return Health{Status: "ok", Slot: slot}, nil
}

func (s *Server) newestSlot(ctx context.Context) (int64, error) {
	var slot int64
	err := s.deps.Pool.QueryRow(ctx, "SELECT coalesce(max(slot), 0) FROM ingest_cursors").Scan(&slot)
	return slot, err
}

func (s *Server) metricsText(*fiber.Ctx, input) (any, error) {
	families, err := s.deps.Metrics.Gather()
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	enc := expfmt.NewEncoder(&b, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, f := range families {
		if err := enc.Encode(f); err != nil {
			return nil, err
		}
	}
	return rawText(b.Bytes()), nil
}

// Stats are the network's figures at the newest slot the indexer stored.
type Stats struct {
	Slot int64 `json:"slot"`
	// Devices counts registered devices: total and per status.
	Devices   map[string]int64 `json:"devices"`
	Providers int64            `json:"providers"`
	// GPUs per class, over devices not deregistered.
	GPUs map[string]int64 `json:"gpus"`
	// Throughput is the attested int8 throughput (benchmark scores) of active and hired devices.
	Throughput   Amount  `json:"throughput"`
	ClustersOpen int64   `json:"clusters_open"`
	JobsRunning  int64   `json:"jobs_running"`
	Supply       Supply  `json:"supply"`
	Prices       []Price `json:"prices"`
}

func (s *Server) stats(c *fiber.Ctx, _ input) (any, error) {
	ctx, cancel := s.ctx(c)
	defer cancel()
	slot, err := s.newestSlot(ctx)
	if err != nil {
		return nil, err
	}
	st := Stats{Slot: slot, Devices: map[string]int64{"total": 0}, GPUs: map[string]int64{}}
	for _, n := range deviceStatuses {
		st.Devices[n] = 0
	}
	rows, err := s.deps.Pool.Query(ctx, `SELECT status, hardware_model, count(*), coalesce(sum(gpu_count), 0),
		coalesce(sum(benchmark_score) FILTER (WHERE status IN (1, 2)), 0)::text FROM devices GROUP BY 1, 2 ORDER BY 1, 2`)
	if err != nil {
		return nil, err
	}
	var status int16
	var model, n, gpus int64
	var score string
	total := new(big.Int)
	if _, err := pgx.ForEachRow(rows, []any{&status, &model, &n, &gpus, &score}, func() error {
		st.Devices["total"] += n
		st.Devices[name(deviceStatuses, int(status))] += n
		if status != int16(registry.StatusDeregistered) {
			st.GPUs[scheduler.ClassName(uint32(model))] += gpus
		}
		v, _ := new(big.Int).SetString(score, 10)
		total.Add(total, v)
		return nil
	}); err != nil {
		return nil, err
	}
	st.Throughput = Amount(total.String())
	err = s.deps.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM providers), (SELECT count(*) FROM clusters WHERE open_jobs > 0),
		(SELECT count(*) FROM jobs WHERE state = $1)`, int16(escrow.JobRunning)).Scan(&st.Providers, &st.ClustersOpen, &st.JobsRunning)
	if err != nil {
		return nil, err
	}
	if st.Supply, err = s.readSupply(ctx); err != nil {
		return nil, err
	}
	if st.Prices, err = s.classPrices(ctx); err != nil {
		return nil, err
	}
	return st, nil
}

// Supply is what the economy minted and burned (its Config's counters, exact) and what the
// other flows burned (from events). IO's total supply also holds what was minted before the
// economy (genesis), which the chain's programs do not record: io_net_issued is the
// economy's net issue, not the circulating supply.
type Supply struct {
	// Indexed is false before the economy's Config is indexed (every counter then reads 0).
	Indexed     bool              `json:"indexed"`
	IOMinted    Amount            `json:"io_minted" doc:"IO minted: redemptions, rewards claimed and community funding"`
	IOBurned    Amount            `json:"io_burned" doc:"IO burned for IOSD"`
	IORedeemed  Amount            `json:"io_redeemed" doc:"IO minted for IOSD redeemed"`
	IOEmitted   Amount            `json:"io_emitted" doc:"emission scheduled by the epochs so far, net of what was added back"`
	IOSDMinted  Amount            `json:"iosd_minted"`
	IOSDBurned  Amount            `json:"iosd_burned" doc:"IOSD redeemed and burned as fees"`
	IOSDSupply  Amount            `json:"iosd_supply" doc:"IOSD minted minus burned"`
	RewardsPaid Amount            `json:"rewards_claimed"`
	SlashBurned Amount            `json:"slash_burned" doc:"IO burned by finalized slashes"`
	FeesBurned  map[string]Amount `json:"fees_burned" doc:"job fees burned, per token"`
	IONetIssued SignedAmount      `json:"io_net_issued" doc:"io_minted minus io_burned, slash_burned and IO fees burned (signed decimal)"`
	EmissionCap Amount            `json:"emission_budget"`
	SupplyCap   Amount            `json:"supply_cap"`
}

func (s *Server) economyConfig(ctx context.Context) (*economy.Config, error) {
	var raw []byte
	err := s.deps.Pool.QueryRow(ctx, "SELECT raw FROM accounts WHERE program = 'economy' AND kind = 'Config' LIMIT 1").Scan(&raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	c, err := economy.ParseAccount_Config(raw)
	if err != nil {
		return nil, fmt.Errorf("decode economy config: %w", err)
	}
	return c, nil
}

func (s *Server) readSupply(ctx context.Context) (Supply, error) {
	out := Supply{FeesBurned: map[string]Amount{}}
	ec, err := s.economyConfig(ctx)
	if err != nil {
		return out, err
	}
	if ec == nil {
		ec = &economy.Config{}
	} else {
		out.Indexed = true
	}
	out.IOMinted, out.IOBurned, out.IORedeemed = amount(ec.IoMinted), amount(ec.IoBurned), amount(ec.IoRedeemed)
	emitted := new(big.Int).Sub(new(big.Int).SetUint64(ec.TotalScheduled), new(big.Int).SetUint64(ec.TotalAddedBack))
	if emitted.Sign() < 0 {
		emitted.SetInt64(0)
	}
	out.IOEmitted = Amount(emitted.String())
	out.IOSDMinted, out.IOSDBurned = amount(ec.IosdMinted), amount(ec.IosdBurned)
	iosd := new(big.Int).Sub(new(big.Int).SetUint64(ec.IosdMinted), new(big.Int).SetUint64(ec.IosdBurned))
	out.IOSDSupply = Amount(iosd.String())
	if iosd.Sign() < 0 {
		out.IOSDSupply = "0"
	}
	out.RewardsPaid, out.EmissionCap, out.SupplyCap = amount(ec.RewardsClaimed), amount(ec.EmissionBudget), amount(ec.Params.SupplyCap)
	err = s.deps.Pool.QueryRow(ctx, `SELECT coalesce(sum((data->>'burned')::numeric), 0)::text FROM events
		WHERE program = 'registry' AND name = 'SlashFinalized'`).Scan(&out.SlashBurned)
	if err != nil {
		return out, err
	}
	tk, err := s.tokens(ctx)
	if err != nil {
		return out, err
	}
	rows, err := s.deps.Pool.Query(ctx, `SELECT coalesce(j.mint, ''), sum((e.data->>'amount')::numeric)::text FROM events e
		LEFT JOIN jobs j ON j.address = e.job WHERE e.program = 'economy' AND e.name = 'FeeBurned' GROUP BY 1 ORDER BY 1`)
	if err != nil {
		return out, err
	}
	var mint string
	var sum Amount
	if _, err := pgx.ForEachRow(rows, []any{&mint, &sum}, func() error {
		out.FeesBurned[tk.name(mint)] = sum
		return nil
	}); err != nil {
		return out, err
	}
	net := new(big.Int).Sub(new(big.Int).SetUint64(ec.IoMinted), new(big.Int).SetUint64(ec.IoBurned))
	for _, v := range []Amount{out.SlashBurned, out.FeesBurned["io"]} {
		if b, ok := new(big.Int).SetString(string(v), 10); ok {
			net.Sub(net, b)
		}
	}
	out.IONetIssued = SignedAmount(net.String())
	return out, nil
}

func (s *Server) supply(c *fiber.Ctx, _ input) (any, error) {
	ctx, cancel := s.ctx(c)
	defer cancel()
	return s.readSupply(ctx)
}

// Price is the market of one class: its active devices' asks and the price of jobs that hired
// it in the last 7 days, per device-hour in base units.
type Price struct {
	Class         string `json:"class"`
	ActiveDevices int64  `json:"active_devices"`
	// MinAskIOSD over active devices asking a price (0: none asks one), MedianAskIOSD (the
	// lower median) over all active devices (an ask of 0 takes any price).
	MinAskIOSD    Amount `json:"min_ask_iosd"`
	MedianAskIOSD Amount `json:"median_ask_iosd"`
	// MinAskIO over active devices that take IO (0: none does).
	MinAskIO Amount `json:"min_ask_io"`
	// RecentJobs and their average price, per token, over the last 7 days.
	RecentJobs     int64             `json:"recent_jobs"`
	RecentAvgPrice map[string]Amount `json:"recent_avg_price"`
}

func (s *Server) classPrices(ctx context.Context) ([]Price, error) {
	rows, err := s.deps.Pool.Query(ctx, `SELECT d.hardware_model, count(*),
			coalesce(min((a.data->>'askIosd')::numeric) FILTER (WHERE (a.data->>'askIosd')::numeric > 0), 0)::text,
			coalesce(percentile_disc(0.5) WITHIN GROUP (ORDER BY (a.data->>'askIosd')::numeric), 0)::text,
			coalesce(min((a.data->>'askIo')::numeric) FILTER (WHERE (a.data->>'askIo')::numeric > 0), 0)::text
		FROM devices d JOIN accounts a ON a.address = d.address WHERE d.status = 1 GROUP BY 1 ORDER BY 1`)
	if err != nil {
		return nil, err
	}
	byModel := map[int64]*Price{}
	var models []int64
	get := func(model int64) *Price {
		if p := byModel[model]; p != nil {
			return p
		}
		p := &Price{Class: scheduler.ClassName(uint32(model)), MinAskIOSD: "0", MedianAskIOSD: "0", MinAskIO: "0", RecentAvgPrice: map[string]Amount{}}
		byModel[model] = p
		models = append(models, model)
		return p
	}
	var model, n int64
	var minIOSD, medIOSD, minIO string
	if _, err := pgx.ForEachRow(rows, []any{&model, &n, &minIOSD, &medIOSD, &minIO}, func() error {
		p := get(model)
		p.ActiveDevices = n
		p.MinAskIOSD, p.MedianAskIOSD, p.MinAskIO = askUnits(minIOSD), askUnits(medIOSD), askUnits(minIO)
		return nil
	}); err != nil {
		return nil, err
	}
	tk, err := s.tokens(ctx)
	if err != nil {
		return nil, err
	}
	since := s.deps.Now().Add(-7 * 24 * time.Hour)
	rows, err = s.deps.Pool.Query(ctx, `SELECT m.hardware_model, j.mint, count(*), (sum(j.price_per_hour) / count(*))::numeric(20, 0)::text
		FROM jobs j JOIN LATERAL (SELECT d.hardware_model FROM job_slots s JOIN devices d ON d.address = s.device
			WHERE s.job = j.address LIMIT 1) m ON true
		WHERE j.created_at >= $1 GROUP BY 1, 2 ORDER BY 1, 2`, since)
	if err != nil {
		return nil, err
	}
	var mint, avg string
	if _, err := pgx.ForEachRow(rows, []any{&model, &mint, &n, &avg}, func() error {
		p := get(model)
		p.RecentJobs += n
		p.RecentAvgPrice[tk.name(mint)] = Amount(avg)
		return nil
	}); err != nil {
		return nil, err
	}
	sort.Slice(models, func(i, j int) bool { return models[i] < models[j] })
	out := make([]Price, 0, len(models))
	for _, m := range models {
		out = append(out, *byModel[m])
	}
	return out, nil
}

// askUnits is an on-chain ask (units of registry.AskUnit) in base units.
func askUnits(ask string) Amount {
	v, ok := new(big.Int).SetString(ask, 10)
	if !ok {
		return "0"
	}
	return Amount(v.Mul(v, new(big.Int).SetUint64(registry.AskUnit)).String())
}

// Prices is /v1/prices's answer.
type Prices struct {
	Classes []Price `json:"classes"`
	// Oracles are the economy's latest IO price submissions (IOSD base units per IO, with
	// confidence), one per live oracle slot.
	Oracles []OraclePrice `json:"oracles"`
}

// OraclePrice is one oracle's latest IO price.
type OraclePrice struct {
	Oracle      string `json:"oracle"`
	Price       Amount `json:"price"`
	Conf        Amount `json:"conf"`
	PublishTime int64  `json:"publish_time"`
}

func (s *Server) prices(c *fiber.Ctx, _ input) (any, error) {
	ctx, cancel := s.ctx(c)
	defer cancel()
	classes, err := s.classPrices(ctx)
	if err != nil {
		return nil, err
	}
	out := Prices{Classes: classes, Oracles: []OraclePrice{}}
	ec, err := s.economyConfig(ctx)
	if err != nil {
		return nil, err
	}
	rc, err := s.registryConfig(ctx)
	if err != nil {
		return nil, err
	}
	if ec != nil && rc != nil {
		for i := 0; i < min(int(rc.Params.OracleCount), len(ec.Prices)); i++ {
			p := ec.Prices[i]
			out.Oracles = append(out.Oracles, OraclePrice{Oracle: rc.Params.Oracles[i].String(), Price: amount(p.Price), Conf: amount(p.Conf), PublishTime: p.PublishTime})
		}
	}
	return out, nil
}

// Economy is the economy's state as conversions see it now.
type Economy struct {
	Indexed bool `json:"indexed"`
	// Price is the usable price now (protocol.UsablePrice), null when there is none;
	// PriceError then says why (the program's error name).
	Price        *UsablePrice `json:"price"`
	PriceError   string       `json:"price_error,omitempty"`
	PriceBandBps int64        `json:"price_band_bps"`
	// IOSDBreaker bounds IOSD minted, IOBreaker IO redeemed, per breaker window.
	IOSDBreaker   Breaker `json:"iosd_breaker"`
	IOBreaker     Breaker `json:"io_breaker"`
	NextEpoch     int64   `json:"next_epoch"`
	Month         int64   `json:"month"`
	MonthEmission Amount  `json:"month_emission"`
	EpochSecs     int64   `json:"epoch_secs"`
}

// UsablePrice is the agreeing oracles' price range and confidence.
type UsablePrice struct {
	Lo   Amount `json:"lo"`
	Hi   Amount `json:"hi"`
	Conf Amount `json:"conf"`
}

// Breaker is a circuit breaker: at most Limit over every window of WindowSecs; Room is what
// may still be taken now (gp_limit_take's rule: the previous and current windows count).
type Breaker struct {
	Limit      Amount `json:"limit"`
	Taken      Amount `json:"taken"`
	Room       Amount `json:"room"`
	WindowSecs int64  `json:"window_secs"`
}

// breaker is b's state at now under limit per window of length secs, as gp_limit_take rolls it.
func breaker(b economy.Breaker, now, secs int64, limit uint64) Breaker {
	out := Breaker{Limit: amount(limit), WindowSecs: secs}
	var taken *big.Int
	switch {
	case now < 0 || secs <= 0:
		taken = new(big.Int).SetUint64(limit)
	default:
		window := uint64(now) / uint64(secs)
		prev, cur := b.Previous, b.Current
		if window == b.Window+1 {
			prev, cur = cur, 0
		} else if window > b.Window+1 {
			prev, cur = 0, 0
		}
		taken = new(big.Int).Add(new(big.Int).SetUint64(prev), new(big.Int).SetUint64(cur))
	}
	out.Taken = Amount(taken.String())
	room := new(big.Int).Sub(new(big.Int).SetUint64(limit), taken)
	if room.Sign() < 0 {
		room.SetInt64(0)
	}
	out.Room = Amount(room.String())
	return out
}

func (s *Server) economy(c *fiber.Ctx, _ input) (any, error) {
	ctx, cancel := s.ctx(c)
	defer cancel()
	ec, err := s.economyConfig(ctx)
	if err != nil {
		return nil, err
	}
	rc, err := s.registryConfig(ctx)
	if err != nil {
		return nil, err
	}
	out := Economy{}
	if ec == nil {
		ec = &economy.Config{}
	} else {
		out.Indexed = true
	}
	now := s.deps.Now().Unix()
	if rc != nil && out.Indexed {
		p, err := protocol.UsablePrice(ec, rc, now)
		if err != nil {
			out.PriceError = err.Error()
			var pe *programerr.Error
			if errors.As(err, &pe) {
				out.PriceError = pe.Name
			}
		} else {
			out.Price = &UsablePrice{Lo: amount(p.Lo), Hi: amount(p.Hi), Conf: amount(p.Conf)}
		}
	} else {
		out.PriceError = "not indexed"
	}
	out.PriceBandBps = int64(ec.Params.PriceBandBps)
	out.IOSDBreaker = breaker(ec.IosdBreaker, now, ec.Params.BreakerWindowSecs, ec.Params.IosdMintLimit)
	out.IOBreaker = breaker(ec.IoBreaker, now, ec.Params.BreakerWindowSecs, ec.Params.IoRedeemLimit)
	out.NextEpoch, out.Month, out.MonthEmission = int64(ec.NextEpoch), int64(ec.Month), amount(ec.MonthEmission)
	out.EpochSecs = ec.Params.EpochSecs
	return out, nil
}

// Quote is the scheduler's answer over the indexed devices.
type Quote struct {
	// Explain is the answer in one line.
	Explain    string           `json:"explain"`
	Considered int64            `json:"considered"`
	Matched    int64            `json:"matched"`
	Enough     bool             `json:"enough"`
	Exclusions map[string]int64 `json:"exclusions" doc:"devices of the class excluded, by the first reason that applies"`
	Devices    []QuoteDevice    `json:"devices"`
	// Price is the job price the selection needs (base units per device-hour); Cost prices
	// it with the escrow's arithmetic; null when nothing matched.
	Price Amount         `json:"price"`
	Cost  *QuoteEstimate `json:"cost"`
}

// QuoteDevice is a selected device.
type QuoteDevice struct {
	Address    string `json:"address"`
	Provider   string `json:"provider"`
	Region     int64  `json:"region"`
	Tier       int64  `json:"tier"`
	Reputation int64  `json:"reputation"`
	Throughput Amount `json:"throughput"`
	Ask        Amount `json:"ask"`
	Group      int64  `json:"group"`
}

// QuoteEstimate is scheduler.Estimate with amounts as strings.
type QuoteEstimate struct {
	Jobs        int64  `json:"jobs"`
	Secs        int64  `json:"secs"`
	Deposit     Amount `json:"deposit"`
	Payout      Amount `json:"payout"`
	FeeTreasury Amount `json:"fee_treasury"`
	FeeBurned   Amount `json:"fee_burned"`
}

func (s *Server) quote(c *fiber.Ctx, in input) (any, error) {
	model, _ := scheduler.ParseClass(in.str("class"))
	maxPrice, err := strconv.ParseUint(in.str("max_price"), 10, 64)
	if err != nil || maxPrice == 0 {
		return nil, badParam("max_price", "want a u64 above 0")
	}
	mint, _ := scheduler.ParseMint(in.str("mint"))
	req := scheduler.Request{Class: model, Count: int(in.int("count")), MinVRAM: uint32(in.int("min_vram")), Region: uint16(in.int("region")),
		Mint: mint, MaxPrice: maxPrice, MinReputation: uint16(in.int("min_reputation")), Hours: uint64(in.int("hours"))}
	if in.has("tier") {
		t := uint8(in.int("tier"))
		req.Tier = &t
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	config, err := s.registryConfig(ctx)
	if err != nil {
		return nil, err
	}
	if config == nil {
		return nil, problem(http.StatusServiceUnavailable, "not-indexed", "the registry's Config is not indexed yet")
	}
	var escrowRaw []byte
	err = s.deps.Pool.QueryRow(ctx, "SELECT raw FROM accounts WHERE program = 'escrow' AND kind = 'Config' LIMIT 1").Scan(&escrowRaw)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, problem(http.StatusServiceUnavailable, "not-indexed", "the escrow's Config is not indexed yet")
	}
	if err != nil {
		return nil, err
	}
	ecfg, err := escrow.ParseAccount_Config(escrowRaw)
	if err != nil {
		return nil, fmt.Errorf("decode escrow config: %w", err)
	}
	rows, err := s.deps.Pool.Query(ctx, `SELECT a.address, a.raw FROM devices d JOIN accounts a ON a.address = d.address
		WHERE d.hardware_model = $1`, int64(model))
	if err != nil {
		return nil, err
	}
	var candidates []scheduler.Candidate
	var address string
	var raw []byte
	if _, err := pgx.ForEachRow(rows, []any{&address, &raw}, func() error {
		d, err := registry.ParseAccount_Device(raw)
		if err != nil {
			return fmt.Errorf("decode device %s: %w", address, err)
		}
		candidates = append(candidates, scheduler.FromDevice(config, solana.MustPublicKeyFromBase58(address), d))
		return nil
	}); err != nil {
		return nil, err
	}
	res, err := scheduler.Match(req, candidates)
	if err != nil {
		return nil, badParam("count", err.Error())
	}
	out := Quote{Explain: res.Explain(), Considered: int64(res.Considered), Matched: int64(res.Matched), Enough: res.Enough(),
		Exclusions: map[string]int64{}, Devices: []QuoteDevice{}, Price: "0"}
	for _, e := range res.Exclusions {
		k, _ := e.Reason.MarshalText()
		out.Exclusions[string(k)] = int64(e.Count)
	}
	for _, d := range res.Devices {
		out.Devices = append(out.Devices, QuoteDevice{Address: d.Address.String(), Provider: d.Provider.String(), Region: int64(d.Spec.Region),
			Tier: int64(d.Spec.BandwidthTier), Reputation: int64(d.Reputation), Throughput: amount(d.Throughput), Ask: amount(d.Ask), Group: int64(d.Group)})
	}
	if len(res.Devices) > 0 {
		price := scheduler.Price(res.Devices, maxPrice)
		out.Price = amount(price)
		est, err := scheduler.Cost(mint, price, len(res.Devices), req.Hours, ecfg.Params)
		if err != nil {
			return nil, problem(http.StatusUnprocessableEntity, "unpriceable", "the job's cost does not fit 64 bits: "+err.Error())
		}
		out.Cost = &QuoteEstimate{Jobs: int64(est.Jobs), Secs: int64(est.Secs), Deposit: amount(est.Deposit), Payout: amount(est.Payout),
			FeeTreasury: amount(est.FeeTreasury), FeeBurned: amount(est.FeeBurned)}
	}
	return out, nil
}

// seriesMetric is a flow summed (or counted, with no field) over one event.
type seriesMetric struct{ program, event, field string }

var seriesMetrics = map[string]seriesMetric{
	"io_burned":       {"economy", "IoBurned", "ioAmount"},
	"iosd_minted":     {"economy", "IoBurned", "iosdAmount"},
	"iosd_redeemed":   {"economy", "IosdRedeemed", "iosdAmount"},
	"io_redeemed":     {"economy", "IosdRedeemed", "ioAmount"},
	"rewards_claimed": {"economy", "RewardsClaimed", "amount"},
	"fees_burned":     {"economy", "FeeBurned", "amount"},
	"emission":        {"economy", "EpochAdvanced", "scheduled"},
	"settled":         {"escrow", "Settled", "payout"},
	"jobs_created":    {"escrow", "JobCreated", ""},
	"proofs":          {"registry", "ProofCounted", ""},
	"slashes":         {"registry", "DeviceSlashed", ""},
}

func seriesNames() []string {
	var out []string
	for k := range seriesMetrics {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// maxBuckets bounds a series.
const maxBuckets = 2000

// Series is a metric in buckets of Step, from From (inclusive) to To (exclusive).
type Series struct {
	Metric string  `json:"metric"`
	Step   string  `json:"step"`
	From   int64   `json:"from"`
	To     int64   `json:"to"`
	Points []Point `json:"points"`
}

// Point is one bucket: its start and the sum (or count) of the metric in it.
type Point struct {
	T     int64  `json:"t" doc:"bucket start, unix seconds"`
	Value Amount `json:"value"`
}

// buckets reads a series' window: from (rounded down to the step), to and the step, in seconds.
func buckets(in input) (from, to, step int64, err error) {
	step = 3600
	if in.str("step") == "1d" {
		step = 86400
	}
	from, to = in.int("from")/step*step, in.int("to")
	if to <= from {
		return 0, 0, 0, badParam("to", "must be after from")
	}
	if n := (to - from + step - 1) / step; n > maxBuckets {
		return 0, 0, 0, badParam("to", fmt.Sprintf("%d buckets asked; at most %d", n, maxBuckets))
	}
	return from, to, step, nil
}

func (s *Server) series(c *fiber.Ctx, in input) (any, error) {
	m := seriesMetrics[in.str("metric")]
	from, to, step, err := buckets(in)
	if err != nil {
		return nil, err
	}
	value := "count(*)::numeric"
	if m.field != "" {
		value = "sum((data->>'" + m.field + "')::numeric)"
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	rows, err := s.deps.Pool.Query(ctx, `SELECT (floor(extract(epoch FROM block_time) / $1) * $1)::bigint AS b, `+value+`::text
		FROM events WHERE program = $2 AND name = $3 AND block_time >= to_timestamp($4) AND block_time < to_timestamp($5)
		GROUP BY 1 ORDER BY 1`, step, m.program, m.event, from, to)
	if err != nil {
		return nil, err
	}
	got := map[int64]Amount{}
	var b int64
	var v Amount
	if _, err := pgx.ForEachRow(rows, []any{&b, &v}, func() error { got[b] = v; return nil }); err != nil {
		return nil, err
	}
	out := Series{Metric: in.str("metric"), Step: in.str("step"), From: from, To: to, Points: []Point{}}
	for t := from; t < to; t += step {
		p := Point{T: t, Value: "0"}
		if v, ok := got[t]; ok {
			p.Value = v
		}
		out.Points = append(out.Points, p)
	}
	return out, nil
}

// PriceSeries is the market price over time: what the jobs created in each bucket pay per
// device-hour, per hardware class, in one token.
type PriceSeries struct {
	Token   string        `json:"token"`
	Step    string        `json:"step"`
	From    int64         `json:"from"`
	To      int64         `json:"to"`
	Classes []ClassPrices `json:"classes"`
}

// ClassPrices are one class's buckets that had jobs (a bucket without jobs has no price).
type ClassPrices struct {
	Class  string       `json:"class"`
	Points []PricePoint `json:"points"`
}

// PricePoint is one bucket of a class: how many jobs hired the class and their average price.
type PricePoint struct {
	T        int64  `json:"t" doc:"bucket start, unix seconds"`
	Jobs     int64  `json:"jobs"`
	AvgPrice Amount `json:"avg_price" doc:"the jobs' average price per device-hour, in base units of the token"`
}

// priceSeries reads the price from events only, so closed jobs and deregistered devices still
// count: a job's price and time from JobCreated, its classes from DeviceAssigned and each
// device's DeviceRegistered spec (a job that hired two classes counts in both).
func (s *Server) priceSeries(c *fiber.Ctx, in input) (any, error) {
	from, to, step, err := buckets(in)
	if err != nil {
		return nil, err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	tk, err := s.tokens(ctx)
	if err != nil {
		return nil, err
	}
	mint := tk.iosd
	if in.str("token") == "io" {
		mint = tk.io
	}
	out := PriceSeries{Token: in.str("token"), Step: in.str("step"), From: from, To: to, Classes: []ClassPrices{}}
	rows, err := s.deps.Pool.Query(ctx, `WITH created AS (
			SELECT job, (data->>'pricePerHour')::numeric AS price, (floor(extract(epoch FROM block_time) / $1) * $1)::bigint AS b
			FROM events WHERE program = 'escrow' AND name = 'JobCreated' AND block_time >= to_timestamp($2) AND block_time < to_timestamp($3)
				AND data->>'mint' = $4),
		classes AS (
			SELECT DISTINCT a.job, (r.data->'spec'->>'hardwareModel')::bigint AS model
			FROM events a JOIN events r ON r.program = 'registry' AND r.name = 'DeviceRegistered' AND r.device = a.device
			WHERE a.program = 'escrow' AND a.name = 'DeviceAssigned' AND a.job IN (SELECT job FROM created))
		SELECT c.model, j.b, count(*), (sum(j.price) / count(*))::numeric(20, 0)::text
		FROM created j JOIN classes c USING (job) GROUP BY 1, 2 ORDER BY 1, 2`, step, from, to, mint)
	if err != nil {
		return nil, err
	}
	var model, b, n int64
	var avg Amount
	if _, err := pgx.ForEachRow(rows, []any{&model, &b, &n, &avg}, func() error {
		class := scheduler.ClassName(uint32(model))
		if k := len(out.Classes); k == 0 || out.Classes[k-1].Class != class {
			out.Classes = append(out.Classes, ClassPrices{Class: class, Points: []PricePoint{}})
		}
		cp := &out.Classes[len(out.Classes)-1]
		cp.Points = append(cp.Points, PricePoint{T: b, Jobs: n, AvgPrice: avg})
		return nil
	}); err != nil {
		return nil, err
	}
	return out, nil
}
