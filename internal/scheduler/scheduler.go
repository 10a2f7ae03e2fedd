package scheduler

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/gagliardetto/solana-go"

	"github.com/gpunet/gpunet/client/programerr"
	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/protocol"
)

// Mint is the token a job is priced and paid in.
type Mint uint8

// The mints a job may be priced in.
const (
	IOSD Mint = iota
	IO
)

func (m Mint) String() string {
	if m == IO {
		return "IO"
	}
	return "IOSD"
}

// MarshalText writes the mint's symbol.
func (m Mint) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText reads a mint's symbol (ParseMint).
func (m *Mint) UnmarshalText(b []byte) (err error) {
	*m, err = ParseMint(string(b))
	return err
}

// ParseMint reads "iosd" or "io", in any case.
func ParseMint(s string) (Mint, error) {
	switch strings.ToLower(s) {
	case "iosd":
		return IOSD, nil
	case "io":
		return IO, nil
	}
	return 0, fmt.Errorf("mint %q: want iosd or io", s)
}

// classes names the registry's hardware models (client/registry Model* constants).
var classes = []struct {
	name  string
	model uint32
}{
	{"cpu", registry.ModelCPU}, {"rtx4090", registry.ModelRTX4090}, {"a100-80g", registry.ModelA100_80G},
	{"h100", registry.ModelH100}, {"h200", registry.ModelH200}, {"b200", registry.ModelB200},
}

// ParseClass reads a hardware class name (cpu, rtx4090, a100-80g, h100, h200, b200, in any
// case) or a model id, into the registry's hardware model.
func ParseClass(s string) (uint32, error) {
	for _, c := range classes {
		if strings.EqualFold(s, c.name) {
			return c.model, nil
		}
	}
	var names []string
	for _, c := range classes {
		names = append(names, c.name)
	}
	return 0, fmt.Errorf("class %q: want one of %s", s, strings.Join(names, ", "))
}

// ClassName is a hardware model's name ("model 9" for one this build does not know).
func ClassName(model uint32) string {
	for _, c := range classes {
		if c.model == model {
			return c.name
		}
	}
	return fmt.Sprintf("model %d", model)
}

// Liveness is what the oracles say of a device now.
type Liveness uint8

// A device's liveness: Unknown when no oracle was asked (it is not excluded for it).
const (
	Unknown Liveness = iota
	Online
	Offline
)

// Candidate is one registered device as the scheduler sees it. FromDevice makes one from the
// registry's account; a Source may set Liveness.
type Candidate struct {
	Address  solana.PublicKey    `json:"address"` // the Device account
	Owner    solana.PublicKey    `json:"owner"`
	Provider solana.PublicKey    `json:"provider"`
	Spec     registry.DeviceSpec `json:"spec"`
	Status   uint8               `json:"status"`
	// NotHireable is protocol.NotHireable's reasons, in the registry's order: empty when hireable.
	NotHireable []*programerr.Error `json:"-"`
	Reputation  uint16              `json:"reputation"`
	// Throughput is the attested int8 throughput (the Device's benchmark_score, the oracles'
	// agreeing low end); 0 when none is attested yet.
	Throughput uint64 `json:"throughput"`
	// AskIOSD and AskIO are the asking prices in base units per device-hour: AskIOSD 0 takes
	// any IOSD price, AskIO 0 refuses IO jobs.
	AskIOSD  uint64   `json:"ask_iosd"`
	AskIO    uint64   `json:"ask_io"`
	Liveness Liveness `json:"-"`
}

// ask is c's asking price in mint and whether c takes jobs in it at all.
func (c *Candidate) ask(m Mint) (uint64, bool) {
	if m == IO {
		return c.AskIO, c.AskIO != 0
	}
	return c.AskIOSD, true
}

// Source gives the candidates of the hardware models asked for (every model when none).
type Source interface {
	Candidates(ctx context.Context, models ...uint32) ([]Candidate, error)
}

// Request is what a renter asks for.
type Request struct {
	Class   uint32 `json:"class"` // the registry's hardware model
	Count   int    `json:"count"` // devices
	MinVRAM uint32 `json:"min_vram_gib"`
	// Region is an ISO 3166-1 numeric country code; 0 takes any.
	Region uint16 `json:"region,omitempty"`
	// Tier is the slowest bandwidth tier taken (0 fastest .. 3); nil takes any.
	Tier          *uint8 `json:"tier,omitempty"`
	Mint          Mint   `json:"mint"`
	MaxPrice      uint64 `json:"max_price"` // base units of Mint per device-hour
	MinReputation uint16 `json:"min_reputation"`
	Hours         uint64 `json:"hours"`
}

// Errors of a request that cannot be matched.
var (
	ErrBadRequest = errors.New("bad request")
)

// Validate refuses a request no job could be made of.
func (r *Request) Validate() error {
	switch {
	case r.Count < 1:
		return fmt.Errorf("%w: count %d: want at least 1 device", ErrBadRequest, r.Count)
	case r.Hours < 1:
		return fmt.Errorf("%w: want at least 1 hour", ErrBadRequest)
	case r.MaxPrice == 0:
		return fmt.Errorf("%w: a max price of 0 pays nothing", ErrBadRequest)
	case r.MinReputation > 10_000:
		return fmt.Errorf("%w: min reputation %d: the scale ends at 10000", ErrBadRequest, r.MinReputation)
	case r.Mint > IO:
		return fmt.Errorf("%w: mint %d", ErrBadRequest, r.Mint)
	}
	return nil
}

// Reason is why a device of the requested class does not match, in the fixed order the
// scheduler checks: each excluded device counts once, for the first reason that applies.
type Reason uint8

// The reasons, in the order they are checked.
const (
	OtherRegion Reason = iota
	SlowerTier
	RegistryPaused
	InProbation
	Hired
	Suspended
	Deregistered
	StakeBelowMinimum
	UnknownClass
	NotHireable // a registry refusal this build does not name
	DeviceOffline
	TooLittleVRAM
	RefusesMint
	AbovePrice
	LowReputation
	numReasons
)

var reasons = [numReasons]struct{ key, text string }{
	OtherRegion:       {"other-region", "in other regions"},
	SlowerTier:        {"slower-tier", "on slower bandwidth tiers"},
	RegistryPaused:    {"registry-paused", "unhireable while the registry is paused"},
	InProbation:       {"probation", "in probation"},
	Hired:             {"hired", "hired"},
	Suspended:         {"suspended", "suspended"},
	Deregistered:      {"deregistered", "deregistered"},
	StakeBelowMinimum: {"stake-below-minimum", "staked below the minimum"},
	UnknownClass:      {"unknown-class", "of a class the registry no longer lists"},
	NotHireable:       {"not-hireable", "not hireable"},
	DeviceOffline:     {"offline", "offline"},
	TooLittleVRAM:     {"vram", "with less VRAM"},
	RefusesMint:       {"refuses-io", "refusing IO"},
	AbovePrice:        {"price", "above your max price"},
	LowReputation:     {"reputation", "below your min reputation"},
}

func (r Reason) String() string { return reasons[r].text }

// MarshalText writes the reason's stable key ("price", "probation").
func (r Reason) MarshalText() ([]byte, error) { return []byte(reasons[r].key), nil }

// UnmarshalText reads a reason's key.
func (r *Reason) UnmarshalText(b []byte) error {
	for i, x := range reasons {
		if x.key == string(b) {
			*r = Reason(i)
			return nil
		}
	}
	return fmt.Errorf("reason %q: unknown", b)
}

// standing is the first request-independent reason c is excluded for, or numReasons when none:
// the registry's first hireability reason (a status refusal named by the status), then liveness.
func standing(c *Candidate) Reason {
	if len(c.NotHireable) > 0 {
		switch c.NotHireable[0] {
		case registry.ErrProgramPaused:
			return RegistryPaused
		case registry.ErrStakeBelowMinimum:
			return StakeBelowMinimum
		case registry.ErrUnknownHardwareClass:
			return UnknownClass
		case registry.ErrDeviceNotHireable:
			if r, ok := statusReasons[c.Status]; ok {
				return r
			}
		}
		return NotHireable
	}
	if c.Liveness == Offline {
		return DeviceOffline
	}
	return numReasons
}

var statusReasons = map[uint8]Reason{
	registry.StatusProbation: InProbation, registry.StatusHired: Hired,
	registry.StatusSuspended: Suspended, registry.StatusDeregistered: Deregistered,
}

// Exclusion is how many devices one reason excluded.
type Exclusion struct {
	Reason Reason `json:"reason"`
	Count  int    `json:"count"`
}

// Device is a selected device, with its ask in the request's mint and its co-location group
// (0 is the group the selection starts with).
type Device struct {
	Candidate
	Ask   uint64 `json:"ask"`
	Group int    `json:"group"`
}

// Result is the scheduler's answer to a request.
type Result struct {
	Request Request `json:"request"`
	// Considered is how many registered devices are of the class; Matched how many of them
	// pass every constraint; the rest are counted in Exclusions (non-zero ones, in Reason order).
	Considered int         `json:"considered"`
	Matched    int         `json:"matched"`
	Exclusions []Exclusion `json:"exclusions"`
	// Devices are the selection, at most Count: co-located first, each group in rank order.
	Devices []Device `json:"devices"`
}

// Enough reports whether the selection fills the request.
func (r *Result) Enough() bool { return len(r.Devices) == r.Request.Count }

// Explain says in one line what matched and why the rest did not: "12 devices of class h100:
// 3 in other regions, 2 in probation, 7 above your max price; 0 match, 4 wanted".
func (r *Result) Explain() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s of class %s", r.Considered, plural(r.Considered, "device"), ClassName(r.Request.Class))
	for i, e := range r.Exclusions {
		sep := ", "
		if i == 0 {
			sep = ": "
		}
		fmt.Fprintf(&b, "%s%d %s", sep, e.Count, e.Reason)
	}
	fmt.Fprintf(&b, "; %d matching, %d wanted", r.Matched, r.Request.Count)
	return b.String()
}

// plural is noun for one, else noun + "s".
func plural(n int, noun string) string {
	if n == 1 {
		return noun
	}
	return noun + "s"
}

// Excluded is the count for reason in r (0 when none).
func (r *Result) Excluded(reason Reason) int {
	i := slices.IndexFunc(r.Exclusions, func(e Exclusion) bool { return e.Reason == reason })
	if i < 0 {
		return 0
	}
	return r.Exclusions[i].Count
}

// FromDevice is the candidate of the registry Device d at address under config: hireability
// by protocol.NotHireable, throughput from the oracles' benchmark, the asks in base units.
func FromDevice(config *registry.Config, address solana.PublicKey, d *registry.Device) Candidate {
	askIOSD, _ := protocol.MinPrice(d, protocol.MintIOSD)
	askIO, _ := protocol.MinPrice(d, protocol.MintIO) // 0 when it takes no IO, as Candidate says
	return Candidate{
		Address: address, Owner: d.Owner, Provider: d.Provider, Spec: d.Spec, Status: d.Status,
		NotHireable: protocol.NotHireable(config, d), Reputation: d.Reputation, Throughput: d.BenchmarkScore,
		AskIOSD: askIOSD, AskIO: askIO,
	}
}
