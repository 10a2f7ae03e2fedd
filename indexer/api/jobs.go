package api

import (
	"errors"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5"
)

// ProviderDetail is a provider, its devices' figures and its first devices.
type ProviderDetail struct {
	Address     string    `json:"address"`
	Owner       string    `json:"owner"`
	TotalStake  Amount    `json:"total_stake"`
	DeviceCount int64     `json:"device_count"`
	MetadataURI string    `json:"metadata_uri"`
	CreatedAt   time.Time `json:"created_at"`
	Slot        int64     `json:"slot"`
	// Statuses counts its devices per status.
	Statuses map[string]int64 `json:"statuses"`
	GPUs     int64            `json:"gpus"`
	// Devices are its devices by reputation (at most 100; /v1/devices?provider= pages them all).
	Devices []Device `json:"devices"`
}

func (s *Server) getProvider(c *fiber.Ctx, in input) (any, error) {
	k, err := key(in, "owner")
	if err != nil {
		return nil, err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	var p ProviderDetail
	err = s.deps.Pool.QueryRow(ctx, `SELECT address, owner, total_stake::text, device_count, metadata_uri, created_at, slot
		FROM providers WHERE owner = $1 OR address = $1`, k).Scan(&p.Address, &p.Owner, &p.TotalStake, &p.DeviceCount, &p.MetadataURI, &p.CreatedAt, &p.Slot)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("no provider has the owner or address " + k)
	}
	if err != nil {
		return nil, err
	}
	p.CreatedAt = p.CreatedAt.UTC()
	p.Statuses = map[string]int64{}
	for _, n := range deviceStatuses {
		p.Statuses[n] = 0
	}
	rows, err := s.deps.Pool.Query(ctx, `SELECT status, count(*), coalesce(sum(gpu_count), 0) FROM devices WHERE provider = $1 GROUP BY status`, p.Address)
	if err != nil {
		return nil, err
	}
	var status int16
	var n, gpus int64
	if _, err := pgx.ForEachRow(rows, []any{&status, &n, &gpus}, func() error {
		p.Statuses[name(deviceStatuses, int(status))] = n
		if int(status) != 4 {
			p.GPUs += gpus
		}
		return nil
	}); err != nil {
		return nil, err
	}
	rows, err = s.deps.Pool.Query(ctx, "SELECT "+deviceCols+" FROM devices WHERE provider = $1 ORDER BY reputation DESC, address DESC LIMIT 100", p.Address)
	if err != nil {
		return nil, err
	}
	p.Devices, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Device, error) { return scanDevice(r) })
	if p.Devices == nil {
		p.Devices = []Device{}
	}
	return p, err
}

// Job is an escrow job.
type Job struct {
	Address      string     `json:"address"`
	Renter       string     `json:"renter"`
	Cluster      *string    `json:"cluster"`
	Mint         string     `json:"mint"`
	Token        string     `json:"token" doc:"io, iosd, or the mint when it is neither"`
	JobID        Amount     `json:"job_id"`
	State        string     `json:"state"`
	DeviceCount  int64      `json:"device_count"`
	PricePerHour Amount     `json:"price_per_hour"`
	DurationSecs int64      `json:"duration_secs"`
	Deposited    Amount     `json:"deposited"`
	PaidOut      Amount     `json:"paid_out"`
	FeesTreasury Amount     `json:"fees_treasury"`
	FeesBurned   Amount     `json:"fees_burned"`
	Refunded     Amount     `json:"refunded"`
	CreatedAt    time.Time  `json:"created_at"`
	StartedAt    *time.Time `json:"started_at"`
	EndedAt      *time.Time `json:"ended_at"`
	Slot         int64      `json:"slot"`
}

const jobCols = `address, renter, cluster, mint, job_id::text, state, device_count, price_per_hour::text, duration_secs,
	deposited::text, paid_out::text, fees_treasury::text, fees_burned::text, refunded::text, created_at, started_at, ended_at, slot`

func scanJob(r pgx.Row, tk tokens) (Job, error) {
	var j Job
	var state int16
	err := r.Scan(&j.Address, &j.Renter, &j.Cluster, &j.Mint, &j.JobID, &state, &j.DeviceCount, &j.PricePerHour, &j.DurationSecs,
		&j.Deposited, &j.PaidOut, &j.FeesTreasury, &j.FeesBurned, &j.Refunded, &j.CreatedAt, &j.StartedAt, &j.EndedAt, &j.Slot)
	j.State = name(jobStates, int(state))
	j.Token = tk.name(j.Mint)
	j.CreatedAt = j.CreatedAt.UTC()
	j.StartedAt, j.EndedAt = utc(j.StartedAt), utc(j.EndedAt)
	return j, err
}

func (s *Server) listJobs(c *fiber.Ctx, in input) (any, error) {
	var q query
	for _, f := range []struct{ param, col string }{{"renter", "renter"}, {"cluster", "cluster"}} {
		if in.has(f.param) {
			k, err := key(in, f.param)
			if err != nil {
				return nil, err
			}
			q.cond(f.col+" = %s", k)
		}
	}
	if in.has("state") {
		q.cond("state = %s", index(jobStates, in.str("state")))
	}
	const scope = "jobs"
	if in.has("cursor") {
		k, ok := s.cursors.read(scope, in.str("cursor"), 2)
		if !ok {
			return nil, badCursor()
		}
		q.cond("(created_at, address) < (%s::timestamptz, %s)", k[0], k[1])
	}
	limit := in.int("limit")
	ctx, cancel := s.ctx(c)
	defer cancel()
	tk, err := s.tokens(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.deps.Pool.Query(ctx, "SELECT "+jobCols+" FROM jobs"+q.clause()+" ORDER BY created_at DESC, address DESC LIMIT "+q.arg(limit+1), q.args...)
	if err != nil {
		return nil, err
	}
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Job, error) { return scanJob(r, tk) })
	if err != nil {
		return nil, err
	}
	return paginate(items, limit, func(j Job) string {
		return s.cursors.make(scope, []string{j.CreatedAt.Format(time.RFC3339Nano), j.Address})
	}), nil
}

// JobDetail is a job with its slots and events.
type JobDetail struct {
	Job
	Slots []JobSlot `json:"slots"`
	// Events are the job's latest events (at most 200), newest first.
	Events []Event `json:"events"`
}

// JobSlot is one device position of a job, with what settling paid for it.
type JobSlot struct {
	SlotIndex    int64      `json:"slot_index"`
	Device       *string    `json:"device"`
	Payout       *string    `json:"payout"`
	State        string     `json:"state"`
	JoinedAt     *time.Time `json:"joined_at"`
	LeftAt       *time.Time `json:"left_at"`
	VerifiedSecs Amount     `json:"verified_secs"`
	PaidSecs     Amount     `json:"paid_secs"`
	Paid         Amount     `json:"paid"`
	FeeTreasury  Amount     `json:"fee_treasury"`
	FeeBurned    Amount     `json:"fee_burned"`
}

func (s *Server) getJob(c *fiber.Ctx, in input) (any, error) {
	k, err := key(in, "address")
	if err != nil {
		return nil, err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	tk, err := s.tokens(ctx)
	if err != nil {
		return nil, err
	}
	j, err := scanJob(s.deps.Pool.QueryRow(ctx, "SELECT "+jobCols+" FROM jobs WHERE address = $1", k), tk)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("no job has the address " + k)
	}
	if err != nil {
		return nil, err
	}
	out := JobDetail{Job: j}
	rows, err := s.deps.Pool.Query(ctx, `WITH settled AS (
			SELECT (data->>'slot')::int AS slot_index, sum((data->>'payout')::numeric) AS paid,
				sum((data->>'feeTreasury')::numeric) AS fee_treasury, sum((data->>'feeBurned')::numeric) AS fee_burned
			FROM events WHERE job = $1 AND program = 'escrow' AND name = 'Settled' GROUP BY 1)
		SELECT s.slot_index, s.device, s.payout, s.state, s.joined_at, s.left_at, s.verified_secs::text, s.paid_secs::text,
			coalesce(t.paid, 0)::text, coalesce(t.fee_treasury, 0)::text, coalesce(t.fee_burned, 0)::text
		FROM job_slots s LEFT JOIN settled t ON t.slot_index = s.slot_index WHERE s.job = $1 ORDER BY s.slot_index`, k)
	if err != nil {
		return nil, err
	}
	out.Slots, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (JobSlot, error) {
		var sl JobSlot
		var state int16
		err := r.Scan(&sl.SlotIndex, &sl.Device, &sl.Payout, &state, &sl.JoinedAt, &sl.LeftAt, &sl.VerifiedSecs, &sl.PaidSecs,
			&sl.Paid, &sl.FeeTreasury, &sl.FeeBurned)
		sl.State = name(slotStates, int(state))
		sl.JoinedAt, sl.LeftAt = utc(sl.JoinedAt), utc(sl.LeftAt)
		return sl, err
	})
	if err != nil {
		return nil, err
	}
	if out.Slots == nil {
		out.Slots = []JobSlot{}
	}
	if out.Events, err = s.events(ctx, "job", k, 200); err != nil {
		return nil, err
	}
	if out.Events == nil {
		out.Events = []Event{}
	}
	return out, nil
}

// Cluster is a renter's cluster of jobs.
type Cluster struct {
	Address   string `json:"address"`
	Renter    string `json:"renter"`
	ClusterID Amount `json:"cluster_id"`
	OpenJobs  int64  `json:"open_jobs"`
	TotalJobs int64  `json:"total_jobs"`
	Slot      int64  `json:"slot"`
}

func (s *Server) listClusters(c *fiber.Ctx, in input) (any, error) {
	var q query
	if in.has("renter") {
		k, err := key(in, "renter")
		if err != nil {
			return nil, err
		}
		q.cond("renter = %s", k)
	}
	const scope = "clusters"
	if in.has("cursor") {
		k, ok := s.cursors.read(scope, in.str("cursor"), 1)
		if !ok {
			return nil, badCursor()
		}
		q.cond("address > %s", k[0])
	}
	limit := in.int("limit")
	ctx, cancel := s.ctx(c)
	defer cancel()
	rows, err := s.deps.Pool.Query(ctx, "SELECT address, renter, cluster_id::text, open_jobs, total_jobs, slot FROM clusters"+
		q.clause()+" ORDER BY address LIMIT "+q.arg(limit+1), q.args...)
	if err != nil {
		return nil, err
	}
	items, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Cluster])
	if err != nil {
		return nil, err
	}
	return paginate(items, limit, func(c Cluster) string { return s.cursors.make(scope, []string{c.Address}) }), nil
}

// Transaction is one transaction that ran a gpunet program.
type Transaction struct {
	Signature    string     `json:"signature"`
	Slot         int64      `json:"slot"`
	BlockTime    *time.Time `json:"block_time"`
	FeePayer     string     `json:"fee_payer"`
	OK           bool       `json:"ok"`
	Err          any        `json:"err" doc:"the RPC's transaction error; null when it succeeded"`
	Instructions []string   `json:"instructions" doc:"program.instruction of each gpunet instruction, outer and inner, in order"`
}

func (s *Server) listTransactions(c *fiber.Ctx, in input) (any, error) {
	var q query
	if in.has("fee_payer") {
		k, err := key(in, "fee_payer")
		if err != nil {
			return nil, err
		}
		q.cond("fee_payer = %s", k)
	}
	if in.has("program") {
		q.cond("EXISTS (SELECT 1 FROM unnest(instructions) i WHERE i LIKE %s || '.%%')", in.str("program"))
	}
	const scope = "transactions"
	if in.has("cursor") {
		k, ok := s.cursors.read(scope, in.str("cursor"), 2)
		if !ok {
			return nil, badCursor()
		}
		q.cond("(slot, signature) < (%s::bigint, %s)", k[0], k[1])
	}
	limit := in.int("limit")
	ctx, cancel := s.ctx(c)
	defer cancel()
	rows, err := s.deps.Pool.Query(ctx, "SELECT signature, slot, block_time, fee_payer, err, instructions FROM transactions"+
		q.clause()+" ORDER BY slot DESC, signature DESC LIMIT "+q.arg(limit+1), q.args...)
	if err != nil {
		return nil, err
	}
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Transaction, error) {
		var t Transaction
		err := r.Scan(&t.Signature, &t.Slot, &t.BlockTime, &t.FeePayer, &t.Err, &t.Instructions)
		t.OK = t.Err == nil
		t.BlockTime = utc(t.BlockTime)
		if t.Instructions == nil {
			t.Instructions = []string{}
		}
		return t, err
	})
	if err != nil {
		return nil, err
	}
	return paginate(items, limit, func(t Transaction) string {
		return s.cursors.make(scope, []string{strconv.FormatInt(t.Slot, 10), t.Signature})
	}), nil
}

// Epoch is one EpochAdvanced event: the emission it scheduled and how it was split.
type Epoch struct {
	Epoch     int64      `json:"epoch"`
	Scheduled Amount     `json:"scheduled"`
	AddedBack Amount     `json:"added_back"`
	Provider  Amount     `json:"provider"`
	Community Amount     `json:"community"`
	Signature string     `json:"signature"`
	Slot      int64      `json:"slot"`
	BlockTime *time.Time `json:"block_time"`
}

// eventPage pages the events of one name, newest first (cursor: slot, signature, position).
func (s *Server) eventPage(c *fiber.Ctx, in input, scope, cols, program, eventName string, q *query, scan func(pgx.CollectableRow) (any, []string, error)) (any, error) {
	q.cond("program = %s", program)
	q.cond("name = %s", eventName)
	if in.has("cursor") {
		k, ok := s.cursors.read(scope, in.str("cursor"), 3)
		if !ok {
			return nil, badCursor()
		}
		q.cond("(slot, signature, position) < (%s::bigint, %s, %s::smallint)", k[0], k[1], k[2])
	}
	limit := in.int("limit")
	ctx, cancel := s.ctx(c)
	defer cancel()
	rows, err := s.deps.Pool.Query(ctx, "SELECT "+cols+", signature, position, slot FROM events"+q.clause()+
		" ORDER BY slot DESC, signature DESC, position DESC LIMIT "+q.arg(limit+1), q.args...)
	if err != nil {
		return nil, err
	}
	type item struct {
		v   any
		key []string
	}
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (item, error) {
		v, k, err := scan(r)
		return item{v, k}, err
	})
	if err != nil {
		return nil, err
	}
	p := paginate(items, limit, func(it item) string { return s.cursors.make(scope, it.key) })
	out := Page[any]{Items: make([]any, len(p.Items)), NextCursor: p.NextCursor}
	for i, it := range p.Items {
		out.Items[i] = it.v
	}
	return out, nil
}

func (s *Server) listEpochs(c *fiber.Ctx, in input) (any, error) {
	return s.eventPage(c, in, "epochs", `(data->>'epoch')::bigint, (data->>'scheduled'), (data->>'addedBack'),
		(data->>'provider'), (data->>'community'), block_time`, "economy", "EpochAdvanced", &query{},
		func(r pgx.CollectableRow) (any, []string, error) {
			var e Epoch
			var pos int16
			err := r.Scan(&e.Epoch, &e.Scheduled, &e.AddedBack, &e.Provider, &e.Community, &e.BlockTime, &e.Signature, &pos, &e.Slot)
			e.BlockTime = utc(e.BlockTime)
			return e, []string{strconv.FormatInt(e.Slot, 10), e.Signature, strconv.Itoa(int(pos))}, err
		})
}

// Reward is one RewardsClaimed event.
type Reward struct {
	Device     string     `json:"device"`
	OwnerIO    string     `json:"owner_io" doc:"the IO token account paid"`
	Amount     Amount     `json:"amount"`
	Cumulative Amount     `json:"cumulative"`
	Signature  string     `json:"signature"`
	Slot       int64      `json:"slot"`
	BlockTime  *time.Time `json:"block_time"`
}

func (s *Server) listRewards(c *fiber.Ctx, in input) (any, error) {
	q := &query{}
	if in.has("device") {
		k, err := key(in, "device")
		if err != nil {
			return nil, err
		}
		q.cond("device = %s", k)
	}
	return s.eventPage(c, in, "rewards", `device, (data->>'ownerIo'), (data->>'amount'), (data->>'cumulative'), block_time`,
		"economy", "RewardsClaimed", q,
		func(r pgx.CollectableRow) (any, []string, error) {
			var e Reward
			var pos int16
			err := r.Scan(&e.Device, &e.OwnerIO, &e.Amount, &e.Cumulative, &e.BlockTime, &e.Signature, &pos, &e.Slot)
			e.BlockTime = utc(e.BlockTime)
			return e, []string{strconv.FormatInt(e.Slot, 10), e.Signature, strconv.Itoa(int(pos))}, err
		})
}
