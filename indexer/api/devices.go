package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5"

	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/protocol"
	"github.com/gpunet/gpunet/internal/scheduler"
	"github.com/gpunet/gpunet/internal/wire"
)

// Page is one page of a list: next_cursor is null on the last page.
type Page[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

// Device is a registered device, as the devices table holds it.
type Device struct {
	Address          string    `json:"address"`
	DeviceKey        string    `json:"device_key"`
	Provider         string    `json:"provider"`
	Owner            string    `json:"owner"`
	Status           string    `json:"status"`
	Class            string    `json:"class"`
	HardwareModel    int64     `json:"hardware_model"`
	GPUCount         int64     `json:"gpu_count"`
	VRAMGiB          int64     `json:"vram_gib"`
	Region           int64     `json:"region"`
	Stake            Amount    `json:"stake"`
	Reputation       int64     `json:"reputation"`
	BenchmarkScore   Amount    `json:"benchmark_score"`
	ProvenUptimeSecs Amount    `json:"proven_uptime_secs"`
	ChallengesPassed int64     `json:"challenges_passed"`
	ChallengesFailed int64     `json:"challenges_failed"`
	SlashCount       int64     `json:"slash_count"`
	CurrentJob       *string   `json:"current_job"`
	RegisteredAt     time.Time `json:"registered_at"`
	Slot             int64     `json:"slot"`
}

const deviceCols = `address, device_key, provider, owner, status, hardware_model, gpu_count, vram_gib, region,
	stake::text, reputation, benchmark_score::text, proven_uptime_secs::text, challenges_passed, challenges_failed,
	slash_count, current_job, registered_at, slot`

func scanDevice(row pgx.Row) (Device, error) {
	var d Device
	var status int16
	err := row.Scan(&d.Address, &d.DeviceKey, &d.Provider, &d.Owner, &status, &d.HardwareModel, &d.GPUCount, &d.VRAMGiB,
		&d.Region, &d.Stake, &d.Reputation, &d.BenchmarkScore, &d.ProvenUptimeSecs, &d.ChallengesPassed, &d.ChallengesFailed,
		&d.SlashCount, &d.CurrentJob, &d.RegisteredAt, &d.Slot)
	d.Status = name(deviceStatuses, int(status))
	d.Class = scheduler.ClassName(uint32(d.HardwareModel))
	d.RegisteredAt = d.RegisteredAt.UTC()
	return d, err
}

// name is names[i], or "unknown(i)" past its end.
func name(names []string, i int) string {
	if i >= 0 && i < len(names) {
		return names[i]
	}
	return fmt.Sprintf("unknown(%d)", i)
}

func index(names []string, n string) int {
	for i, x := range names {
		if x == n {
			return i
		}
	}
	return -1
}

// key decodes a validated base58 parameter into a 32-byte key.
func key(in input, param string) (string, error) {
	k, err := solana.PublicKeyFromBase58(in.str(param))
	if err != nil {
		return "", badParam(param, "not a 32-byte base58 key")
	}
	return k.String(), nil
}

// query gathers a statement's conditions and arguments.
type query struct {
	where []string
	args  []any
}

func (q *query) arg(v any) string {
	q.args = append(q.args, v)
	return "$" + strconv.Itoa(len(q.args))
}

func (q *query) cond(format string, vs ...any) {
	refs := make([]any, len(vs))
	for i, v := range vs {
		refs[i] = q.arg(v)
	}
	q.where = append(q.where, fmt.Sprintf(format, refs...))
}

func (q *query) clause() string {
	if len(q.where) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(q.where, " AND ")
}

// deviceSorts are /v1/devices's orders: the column, its cast for a cursor's value.
var deviceSorts = map[string]struct{ col, cast string }{
	"reputation": {"reputation", "integer"},
	"stake":      {"stake", "numeric"},
	"registered": {"registered_at", "timestamptz"},
	"address":    {"address", ""},
}

func (s *Server) listDevices(c *fiber.Ctx, in input) (any, error) {
	var q query
	if in.has("class") {
		model, _ := scheduler.ParseClass(in.str("class"))
		q.cond("hardware_model = %s", int64(model))
	}
	if in.has("region") {
		q.cond("region = %s", in.int("region"))
	}
	if in.has("status") {
		q.cond("status = %s", index(deviceStatuses, in.str("status")))
	}
	if in.has("provider") {
		p, err := key(in, "provider")
		if err != nil {
			return nil, err
		}
		q.cond("(provider = %s OR owner = %[1]s)", p)
	}
	if in.has("min_reputation") {
		q.cond("reputation >= %s", in.int("min_reputation"))
	}
	sort := in.str("sort")
	order := deviceSorts[sort]
	scope := "devices/" + sort
	if in.has("cursor") {
		if order.cast == "" {
			k, ok := s.cursors.read(scope, in.str("cursor"), 1)
			if !ok {
				return nil, badCursor()
			}
			q.cond("address > %s", k[0])
		} else {
			k, ok := s.cursors.read(scope, in.str("cursor"), 2)
			if !ok {
				return nil, badCursor()
			}
			q.cond("("+order.col+", address) < (%s::"+order.cast+", %s)", k[0], k[1])
		}
	}
	orderBy := " ORDER BY address"
	if order.cast != "" {
		orderBy = " ORDER BY " + order.col + " DESC, address DESC"
	}
	limit := in.int("limit")
	sql := "SELECT " + deviceCols + " FROM devices" + q.clause() + orderBy + " LIMIT " + q.arg(limit+1)
	ctx, cancel := s.ctx(c)
	defer cancel()
	rows, err := s.deps.Pool.Query(ctx, sql, q.args...)
	if err != nil {
		return nil, err
	}
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Device, error) { return scanDevice(r) })
	if err != nil {
		return nil, err
	}
	p := paginate(items, limit, func(d Device) string {
		switch sort {
		case "address":
			return s.cursors.make(scope, []string{d.Address})
		case "stake":
			return s.cursors.make(scope, []string{string(d.Stake), d.Address})
		case "registered":
			return s.cursors.make(scope, []string{d.RegisteredAt.Format(time.RFC3339Nano), d.Address})
		}
		return s.cursors.make(scope, []string{strconv.FormatInt(d.Reputation, 10), d.Address})
	})
	return rawJSON(appendDevicePage(make([]byte, 0, 512*len(p.Items)+256), &p)), nil
}

// appendDevicePage is json.Marshal(p) written out: the hottest list, encoded without
// reflection (the tests check it against the document's schema like every answer).
func appendDevicePage(b []byte, p *Page[Device]) []byte {
	b = append(b, `{"items":[`...)
	for i := range p.Items {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendDevice(b, &p.Items[i])
	}
	b = append(b, `],"next_cursor":`...)
	if p.NextCursor == nil {
		b = append(b, "null"...)
	} else {
		b = strconv.AppendQuote(b, *p.NextCursor) // a cursor is base64url and a dot
	}
	return append(b, '}')
}

// appendDevice appends d as JSON. Its strings are base58, names and decimal digits: none
// needs escaping but the quotes, which strconv.AppendQuote gives.
func appendDevice(b []byte, d *Device) []byte {
	str := func(b []byte, k, v string) []byte {
		b = append(b, k...)
		return strconv.AppendQuote(b, v)
	}
	num := func(b []byte, k string, v int64) []byte {
		b = append(b, k...)
		return strconv.AppendInt(b, v, 10)
	}
	b = str(b, `{"address":`, d.Address)
	b = str(b, `,"device_key":`, d.DeviceKey)
	b = str(b, `,"provider":`, d.Provider)
	b = str(b, `,"owner":`, d.Owner)
	b = str(b, `,"status":`, d.Status)
	b = str(b, `,"class":`, d.Class)
	b = num(b, `,"hardware_model":`, d.HardwareModel)
	b = num(b, `,"gpu_count":`, d.GPUCount)
	b = num(b, `,"vram_gib":`, d.VRAMGiB)
	b = num(b, `,"region":`, d.Region)
	b = str(b, `,"stake":`, string(d.Stake))
	b = num(b, `,"reputation":`, d.Reputation)
	b = str(b, `,"benchmark_score":`, string(d.BenchmarkScore))
	b = str(b, `,"proven_uptime_secs":`, string(d.ProvenUptimeSecs))
	b = num(b, `,"challenges_passed":`, d.ChallengesPassed)
	b = num(b, `,"challenges_failed":`, d.ChallengesFailed)
	b = num(b, `,"slash_count":`, d.SlashCount)
	if d.CurrentJob == nil {
		b = append(b, `,"current_job":null`...)
	} else {
		b = str(b, `,"current_job":`, *d.CurrentJob)
	}
	b = append(b, `,"registered_at":"`...)
	b = d.RegisteredAt.AppendFormat(b, time.RFC3339Nano)
	b = num(b, `","slot":`, d.Slot)
	return append(b, '}')
}

// paginate is the page of items (limit+1 were asked for: one more means another page).
func paginate[T any](items []T, limit int64, cursor func(T) string) Page[T] {
	p := Page[T]{Items: items}
	if p.Items == nil {
		p.Items = []T{}
	}
	if int64(len(items)) > limit {
		p.Items = items[:limit]
		next := cursor(p.Items[limit-1])
		p.NextCursor = &next
	}
	return p
}

func badCursor() *Problem {
	return badParam("cursor", "not a cursor of this list (cursors are opaque: pass next_cursor back as it is)")
}

func notFound(what string) *Problem {
	return problem(http.StatusNotFound, "not-found", what)
}

// ctx bounds a request's reads.
func (s *Server) ctx(c *fiber.Ctx) (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.UserContext(), s.cfg.Timeout)
}

// DeviceDetail is a device with the registry's verdict on it and its history.
type DeviceDetail struct {
	Device
	// Hireable is whether the registry would hire it now; null when the registry's Config is
	// not indexed yet.
	Hireable *bool `json:"hireable"`
	// Reasons are why it is not hireable, in the registry's check order (protocol.NotHireable
	// on the exact account): empty when it is.
	Reasons        []Reason `json:"reasons"`
	PendingSlashes int64    `json:"pending_slashes"`
	AskIOSD        Amount   `json:"ask_iosd" doc:"least IOSD base units per device-hour; 0 takes any price"`
	AskIO          Amount   `json:"ask_io" doc:"least IO base units per device-hour; 0 refuses IO jobs"`
	Earnings       Earnings `json:"earnings"`
	// Jobs are the jobs it held a slot in, newest first (at most 50).
	Jobs []DeviceJob `json:"jobs"`
	// Events are its latest events (at most 100), newest first: proofs and votes, challenge
	// results, stake moves, slashes, jobs.
	Events []Event `json:"events"`
	// Oracles are the oracles' live views (GET /v1/devices/{device_key} of each configured
	// oracle's status API), in the configured order.
	Oracles []OracleView `json:"oracles"`
}

// Reason is one of the registry's refusals.
type Reason struct {
	Code    uint32 `json:"code"`
	Name    string `json:"name"`
	Message string `json:"message"`
}

// Earnings are a device's flows: pay per job token, rewards claimed, slashes.
type Earnings struct {
	// Paid is what Settled paid it, per token ("io", "iosd", or the mint).
	Paid           map[string]Amount `json:"paid"`
	RewardsClaimed Amount            `json:"rewards_claimed"`
	Slashed        Amount            `json:"slashed"`
	SlashReversed  Amount            `json:"slash_reversed"`
	ProofsCounted  int64             `json:"proofs_counted"`
	Votes          int64             `json:"votes"`
}

// DeviceJob is a job a device held a slot in.
type DeviceJob struct {
	Job       string     `json:"job"`
	SlotIndex int64      `json:"slot_index"`
	State     string     `json:"state"`
	SlotState string     `json:"slot_state"`
	JoinedAt  *time.Time `json:"joined_at"`
	LeftAt    *time.Time `json:"left_at"`
	PaidSecs  Amount     `json:"paid_secs"`
}

// Event is one decoded Anchor event.
type Event struct {
	Signature string          `json:"signature"`
	Position  int64           `json:"position"`
	Slot      int64           `json:"slot"`
	BlockTime *time.Time      `json:"block_time"`
	Program   string          `json:"program"`
	Name      string          `json:"name"`
	Data      json.RawMessage `json:"data"`
}

// OracleView is one oracle's answer about a device.
type OracleView struct {
	URL string `json:"url"`
	// Signer is the registry oracle that signed the answer; empty when none did.
	Signer string          `json:"signer"`
	View   json.RawMessage `json:"view,omitempty"`
	Error  string          `json:"error,omitempty"`
}

func (s *Server) getDevice(c *fiber.Ctx, in input) (any, error) {
	k, err := key(in, "key")
	if err != nil {
		return nil, err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	d, err := scanDevice(s.deps.Pool.QueryRow(ctx, "SELECT "+deviceCols+" FROM devices WHERE address = $1 OR device_key = $1", k))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("no device has the address or key " + k)
	}
	if err != nil {
		return nil, err
	}
	out := DeviceDetail{Device: d, Reasons: []Reason{}, Jobs: []DeviceJob{}, Events: []Event{}, Oracles: []OracleView{},
		AskIOSD: "0", AskIO: "0"}
	var raw []byte
	err = s.deps.Pool.QueryRow(ctx, "SELECT raw FROM accounts WHERE address = $1", d.Address).Scan(&raw)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, err
	}
	config, err := s.registryConfig(ctx)
	if err != nil {
		return nil, err
	}
	var account *registry.Device
	if raw != nil {
		if account, err = registry.ParseAccount_Device(raw); err != nil {
			return nil, fmt.Errorf("decode device %s: %w", d.Address, err)
		}
		out.PendingSlashes = int64(account.PendingSlashes)
		iosd, _ := protocol.MinPrice(account, protocol.MintIOSD)
		io, _ := protocol.MinPrice(account, protocol.MintIO)
		out.AskIOSD, out.AskIO = Amount(strconv.FormatUint(iosd, 10)), Amount(strconv.FormatUint(io, 10))
	}
	if account != nil && config != nil {
		reasons := protocol.NotHireable(config, account)
		ok := len(reasons) == 0
		out.Hireable = &ok
		for _, r := range reasons {
			out.Reasons = append(out.Reasons, Reason{Code: r.Code, Name: r.Name, Message: r.Msg})
		}
	}
	if out.Earnings, err = s.earnings(ctx, d.Address); err != nil {
		return nil, err
	}
	rows, err := s.deps.Pool.Query(ctx, `SELECT s.job, s.slot_index, j.state, s.state, s.joined_at, s.left_at, s.paid_secs::text
		FROM job_slots s JOIN jobs j ON j.address = s.job WHERE s.device = $1 ORDER BY j.created_at DESC, s.job, s.slot_index LIMIT 50`, d.Address)
	if err != nil {
		return nil, err
	}
	out.Jobs, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (DeviceJob, error) {
		var j DeviceJob
		var state, slot int16
		err := r.Scan(&j.Job, &j.SlotIndex, &state, &slot, &j.JoinedAt, &j.LeftAt, &j.PaidSecs)
		j.State, j.SlotState = name(jobStates, int(state)), name(slotStates, int(slot))
		j.JoinedAt, j.LeftAt = utc(j.JoinedAt), utc(j.LeftAt)
		return j, err
	})
	if err != nil {
		return nil, err
	}
	if out.Events, err = s.events(ctx, "device", d.Address, 100); err != nil {
		return nil, err
	}
	if len(s.deps.Oracles) > 0 {
		out.Oracles = s.oracleViews(ctx, d.DeviceKey, config)
	}
	return out, nil
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// events are the latest n events whose column col (device or job) is value.
func (s *Server) events(ctx context.Context, col, value string, n int) ([]Event, error) {
	rows, err := s.deps.Pool.Query(ctx, `SELECT signature, position, slot, block_time, program, name, data FROM events
		WHERE `+col+` = $1 ORDER BY slot DESC, signature DESC, position DESC LIMIT $2`, value, n)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanEvent)
}

func scanEvent(r pgx.CollectableRow) (Event, error) {
	var e Event
	var data []byte
	err := r.Scan(&e.Signature, &e.Position, &e.Slot, &e.BlockTime, &e.Program, &e.Name, &data)
	e.Data = data
	e.BlockTime = utc(e.BlockTime)
	return e, err
}

// earnings sums device's flows from its events.
func (s *Server) earnings(ctx context.Context, device string) (Earnings, error) {
	e := Earnings{Paid: map[string]Amount{}}
	err := s.deps.Pool.QueryRow(ctx, `SELECT
		coalesce(sum((data->>'amount')::numeric) FILTER (WHERE program = 'economy' AND name = 'RewardsClaimed'), 0)::text,
		coalesce(sum((data->>'amount')::numeric) FILTER (WHERE program = 'registry' AND name = 'DeviceSlashed'), 0)::text,
		coalesce(sum((data->>'amount')::numeric) FILTER (WHERE program = 'registry' AND name = 'SlashReversed'), 0)::text,
		count(*) FILTER (WHERE program = 'registry' AND name = 'ProofCounted'),
		count(*) FILTER (WHERE program = 'registry' AND name = 'ProofRecorded')
		FROM events WHERE device = $1`, device).Scan(&e.RewardsClaimed, &e.Slashed, &e.SlashReversed, &e.ProofsCounted, &e.Votes)
	if err != nil {
		return e, err
	}
	tk, err := s.tokens(ctx)
	if err != nil {
		return e, err
	}
	rows, err := s.deps.Pool.Query(ctx, `SELECT coalesce(j.mint, ''), sum((e.data->>'payout')::numeric)::text
		FROM events e LEFT JOIN jobs j ON j.address = e.job
		WHERE e.device = $1 AND e.program = 'escrow' AND e.name = 'Settled' GROUP BY 1 ORDER BY 1`, device)
	if err != nil {
		return e, err
	}
	var mint string
	var sum Amount
	_, err = pgx.ForEachRow(rows, []any{&mint, &sum}, func() error {
		e.Paid[tk.name(mint)] = sum
		return nil
	})
	return e, err
}

// tokens names the network's two mints.
type tokens struct{ io, iosd string }

// name is mint's name: io, iosd, the mint itself, or "unknown" for none.
func (t tokens) name(mint string) string {
	switch {
	case mint == "":
		return "unknown"
	case mint == t.io:
		return "io"
	case mint == t.iosd:
		return "iosd"
	}
	return mint
}

// tokens are the mints of the registry's stored Config: the chain's own word, so no flag or
// default can disagree with it (none before the Config is indexed).
func (s *Server) tokens(ctx context.Context) (tokens, error) {
	c, err := s.registryConfig(ctx)
	if err != nil || c == nil {
		return tokens{}, err
	}
	return tokens{c.IoMint.String(), c.IosdMint.String()}, nil
}

// registryConfig is the registry's Config account as indexed; nil when it is not yet.
func (s *Server) registryConfig(ctx context.Context) (*registry.Config, error) {
	var raw []byte
	err := s.deps.Pool.QueryRow(ctx, "SELECT raw FROM accounts WHERE program = 'registry' AND kind = 'Config' LIMIT 1").Scan(&raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	c, err := registry.ParseAccount_Config(raw)
	if err != nil {
		return nil, fmt.Errorf("decode registry config: %w", err)
	}
	return c, nil
}

// oracleViews asks every configured oracle's status API about deviceKey, at once, and checks
// each signed answer against the registry's oracles.
func (s *Server) oracleViews(ctx context.Context, deviceKey string, config *registry.Config) []OracleView {
	var oracles []solana.PublicKey
	if config != nil {
		oracles = protocol.LiveOracles(&config.Params)
	}
	out := make([]OracleView, len(s.deps.Oracles))
	var wg sync.WaitGroup
	for i, base := range s.deps.Oracles {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = s.oracleView(ctx, base, deviceKey, oracles)
		}()
	}
	wg.Wait()
	return out
}

func (s *Server) oracleView(ctx context.Context, base, deviceKey string, oracles []solana.PublicKey) OracleView {
	v := OracleView{URL: base}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(base, "/")+wire.StatusPath+deviceKey, nil)
	if err != nil {
		v.Error = err.Error()
		return v
	}
	resp, err := s.deps.HTTP.Do(req)
	if err != nil {
		v.Error = "unreachable"
		return v
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		v.Error = "read: " + err.Error()
		return v
	}
	if signer, err := wire.VerifyAnswer(resp.Header, body, oracles); err == nil {
		v.Signer = signer.String()
	}
	if !json.Valid(body) {
		v.Error = fmt.Sprintf("%s: not JSON", resp.Status)
		return v
	}
	v.View = body
	if resp.StatusCode != http.StatusOK {
		v.Error = resp.Status
	}
	return v
}

// Oracles are the base URLs of the oracles' public APIs the indexer was configured with, so
// that a client (the web app's cloud console) finds the job relays without being told.
type Oracles struct {
	URLs []string `json:"urls"`
}

func (s *Server) oracles(*fiber.Ctx, input) (any, error) {
	return Oracles{URLs: append([]string{}, s.deps.Oracles...)}, nil
}
