package actions

import (
	"context"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/gagliardetto/solana-go"
	"github.com/gofiber/fiber/v2"

	"github.com/gpunet/gpunet/client/economy"
	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/jobrelay"
	"github.com/gpunet/gpunet/internal/protocol"
	"github.com/gpunet/gpunet/internal/scheduler"
	"github.com/gpunet/gpunet/internal/wire"
	onescrow "github.com/gpunet/gpunet/onchain/escrow"
)

// MaxHours bounds a rental's length (the escrow's duration is u32 seconds).
const MaxHours = 24 * 366

// classes offered by the rent action, in the registry's model order.
var classes = []uint32{registry.ModelCPU, registry.ModelRTX4090, registry.ModelA100_80G, registry.ModelH100, registry.ModelH200, registry.ModelB200}

func classOf(d *registry.Device) string {
	return fmt.Sprintf("%dx %s", d.Spec.GpuCount, scheduler.ClassName(d.Spec.HardwareModel))
}

func (s *Server) rentMeta(c *fiber.Ctx) error {
	opts := make([]Option, len(classes))
	for i, m := range classes {
		opts[i] = Option{Label: scheduler.ClassName(m), Value: scheduler.ClassName(m), Selected: m == registry.ModelH100}
	}
	return c.JSON(Metadata{
		Type: "action", Icon: s.cfg.Icon, Label: "Rent",
		Title: "Rent GPUs on gpunet",
		Description: "The scheduler picks the cheapest matching devices per attested throughput; one transaction creates and funds " +
			"the escrow job and proposes them. You need your per-job X25519 public key (gpunet deploy makes one) and, after the " +
			"transaction, to publish the job's spec (returned) to the oracles' relay, signed by this wallet: the devices accept once it is there.",
		Links: &Links{Actions: []LinkedAction{{
			Type: "transaction", Label: "Rent",
			Href: "/actions/rent?class={class}&count={count}&hours={hours}&mint={mint}&maxPrice={maxPrice}&renterKey={renterKey}",
			Parameters: []Parameter{
				{Type: "select", Name: "class", Label: "GPU class", Required: true, Options: opts},
				{Type: "number", Name: "count", Label: "Devices", Required: true, Min: ptr(1), Max: ptr(float64(escrow.MaxDevices)), Pattern: `^[0-9]{1,2}$`},
				{Type: "number", Name: "hours", Label: "Hours", Required: true, Min: ptr(1), Max: ptr(MaxHours), Pattern: `^[0-9]{1,4}$`},
				{Type: "select", Name: "mint", Label: "Pay in", Required: true, Options: []Option{{Label: "IOSD", Value: "iosd", Selected: true}, {Label: "IO", Value: "io"}}},
				{Type: "number", Name: "maxPrice", Label: "Max price per device-hour", Required: true, Pattern: `^[0-9]{1,11}(\.[0-9]{1,8})?$`, PatternDescription: "in the chosen token, up to its decimals"},
				{Type: "text", Name: "renterKey", Label: "Your per-job X25519 public key (hex)", Required: true, Pattern: `^[0-9a-f]{64}$`, PatternDescription: "64 lowercase hex characters"},
			},
		}}},
	})
}

// RentRequest is the rent action's query, validated.
type RentRequest struct {
	Class     uint32
	Count     int
	Hours     uint64
	Mint      scheduler.Mint
	MaxPrice  uint64 // base units per device-hour
	RenterKey [32]byte
}

// parseRent validates the rent action's parameters.
func parseRent(c *fiber.Ctx) (RentRequest, *Problem) {
	var r RentRequest
	bad := func(format string, a ...any) (RentRequest, *Problem) {
		return r, refuse(fiber.StatusBadRequest, "bad_parameter", fmt.Sprintf(format, a...))
	}
	var err error
	if r.Class, err = scheduler.ParseClass(c.Query("class")); err != nil || strings.TrimSpace(c.Query("class")) == "" {
		return bad("class %q: want one of cpu, rtx4090, a100-80g, h100, h200, b200", clip(c.Query("class")))
	}
	count, err := strconv.Atoi(c.Query("count"))
	if err != nil || count < 1 || count > int(escrow.MaxDevices) {
		return bad("count %q: want 1 to %d devices", clip(c.Query("count")), escrow.MaxDevices)
	}
	r.Count = count
	hours, err := strconv.ParseUint(c.Query("hours"), 10, 32)
	if err != nil || hours < 1 || hours > MaxHours {
		return bad("hours %q: want 1 to %d", clip(c.Query("hours")), MaxHours)
	}
	r.Hours = hours
	mint := c.Query("mint", "iosd")
	if r.Mint, err = scheduler.ParseMint(mint); err != nil {
		return bad("mint %q: want iosd or io", clip(mint))
	}
	decimals := economy.IOSDDecimals
	if r.Mint == scheduler.IO {
		decimals = economy.IODecimals
	}
	if r.MaxPrice, err = ParseAmount(c.Query("maxPrice"), decimals); err != nil {
		return bad("maxPrice: %v", err)
	}
	key, err := hex.DecodeString(c.Query("renterKey"))
	if err != nil || len(key) != 32 || strings.ToLower(c.Query("renterKey")) != c.Query("renterKey") {
		return bad("renterKey %q: want your per-job X25519 public key, 64 lowercase hex characters", clip(c.Query("renterKey")))
	}
	copy(r.RenterKey[:], key)
	return r, nil
}

func (s *Server) rent(c *fiber.Ctx) error {
	return s.handle(c, func(ctx context.Context) (any, *Problem) {
		renter, p := account(c)
		if p != nil {
			return nil, p
		}
		r, p := parseRent(c)
		if p != nil {
			return nil, p
		}
		return s.rentFor(ctx, renter, r)
	})
}

// rentFor builds the rent transaction for renter: the scheduler's devices, the job's next id,
// its spec's hash as the requirements, create_job then assign_devices.
func (s *Server) rentFor(ctx context.Context, renter solana.PublicKey, r RentRequest) (any, *Problem) {
	req := scheduler.Request{Class: r.Class, Count: r.Count, Mint: r.Mint, MaxPrice: r.MaxPrice, Hours: r.Hours}
	if err := req.Validate(); err != nil {
		return nil, refuse(fiber.StatusBadRequest, "bad_parameter", err.Error())
	}
	cands, err := s.source.Candidates(ctx, r.Class)
	if err != nil {
		return nil, unavailable(err)
	}
	res, err := scheduler.Match(req, cands)
	if err != nil {
		return nil, refuse(fiber.StatusBadRequest, "bad_parameter", err.Error())
	}
	if !res.Enough() {
		return nil, refuse(fiber.StatusUnprocessableEntity, "no_match", res.Explain())
	}
	price := scheduler.Price(res.Devices, r.MaxPrice)
	deposit, err := protocol.Cost(price, uint8(r.Count), r.Hours*uint64(escrow.SecsPerHour))
	if err != nil {
		return nil, refuse(fiber.StatusBadRequest, "bad_parameter", fmt.Sprintf("the job's cost: %v", err))
	}
	mint, symbol, decimals := s.net.Mints.IOSD, "IOSD", economy.IOSDDecimals
	if r.Mint == scheduler.IO {
		mint, symbol, decimals = s.net.Mints.IO, "IO", economy.IODecimals
	}
	from, _, err := solana.FindAssociatedTokenAddress(renter, mint)
	if err != nil {
		return nil, unavailable(err)
	}
	balance, _, err := s.tokenBalance(ctx, from)
	if err != nil {
		return nil, unavailable(err)
	}
	if balance < deposit {
		return nil, refuse(fiber.StatusUnprocessableEntity, "insufficient_funds", fmt.Sprintf("the deposit is %s %s; your %s account %s holds %s", FormatAmount(deposit, decimals), symbol, symbol, from, FormatAmount(balance, decimals)))
	}
	jobs, err := s.net.Escrow.JobsOf(ctx, s.net.Client, renter)
	if err != nil {
		return nil, unavailable(err)
	}
	id := uint64(1)
	for _, j := range jobs {
		id = max(id, j.Job.JobId+1)
	}
	job := s.net.Escrow.JobAddress(renter, id)
	spec := wire.JobSpec{Job: job, Class: scheduler.ClassName(r.Class), Count: r.Count, Hours: float64(r.Hours), RenterKey: r.RenterKey}
	body, hash, err := jobrelay.SpecBody(spec)
	if err != nil {
		return nil, unavailable(err)
	}
	create, err := s.net.Escrow.CreateJob(renter, from, mint, onescrow.Terms{JobID: id, PricePerHour: price, DurationSecs: uint32(r.Hours * uint64(escrow.SecsPerHour)), DeviceCount: uint8(r.Count), Requirements: hash})
	if err != nil {
		return nil, refuse(fiber.StatusBadRequest, "bad_parameter", err.Error())
	}
	devices := make([]solana.PublicKey, len(res.Devices))
	for i, d := range res.Devices {
		devices[i] = d.Address
	}
	assign, err := s.net.Escrow.AssignDevices(renter, job, devices...)
	if err != nil {
		return nil, unavailable(err)
	}
	tx, p := s.transaction(ctx, []solana.Instruction{create, assign}, renter)
	if p != nil {
		return nil, p
	}
	publish := fmt.Sprintf("Next: publish the job's spec (the spec field of this answer, exactly; its SHA-256 is the job's requirements hash) to the oracles' relay at PUT <oracle>%s%s%s, signed by this wallet (jobrelay.PublishSpec; gpunet deploy does it). "+
		"The devices accept once it is there, within the escrow's acceptance window; otherwise cancel the job (gpunet job cancel %d) for a full refund.", wire.JobsPath, job, wire.JobSpecPath, id)
	return PostResponse{
		Type: "transaction", Transaction: tx, Spec: body,
		Message: fmt.Sprintf("Create job %d (%s): %d x %s for %d h at %s %s per device-hour, deposit %s %s, proposing %d devices. %s",
			id, job, r.Count, scheduler.ClassName(r.Class), r.Hours, FormatAmount(price, decimals), symbol, FormatAmount(deposit, decimals), symbol, r.Count, publish),
		Links: &PostLinks{Next: NextLink{Type: "inline", Action: Metadata{
			Type: "completed", Icon: s.cfg.Icon, Label: "Job created",
			Title: fmt.Sprintf("Job %d is funded and its devices proposed", id), Description: publish,
		}}},
	}, nil
}
