package api

import (
	"github.com/gofiber/fiber/v2"
)

// Patterns of the parameters.
const (
	base58Pattern = "^[1-9A-HJ-NP-Za-km-z]{32,44}$"
	sigPattern    = "^[1-9A-HJ-NP-Za-km-z]{64,88}$"
	cursorPattern = "^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$"
	amountPattern = "^[0-9]{1,20}$"
)

// The names the API gives the programs' numbered states.
var (
	deviceStatuses = []string{"probation", "active", "hired", "suspended", "deregistered"}
	jobStates      = []string{"open", "assigned", "running", "completed", "cancelled", "expired"}
	slotStates     = []string{"empty", "proposed", "hired", "left"}
	classNames     = []string{"cpu", "rtx4090", "a100-80g", "h100", "h200", "b200"}
)

func enum(names []string) Schema {
	out := make([]any, len(names))
	for i, n := range names {
		out[i] = n
	}
	return Schema{"type": "string", "enum": out}
}

func limitParam() Param {
	return Param{Name: "limit", In: "query", Description: "items per page", Default: int64(50),
		Schema: Schema{"type": "integer", "minimum": 1, "maximum": 200}}
}

func cursorParam() Param {
	return Param{Name: "cursor", In: "query", Description: "the previous page's next_cursor (opaque)",
		Schema: Schema{"type": "string", "minLength": 3, "maxLength": 512, "pattern": cursorPattern}}
}

func keyParam(name, in, what string) Param {
	return Param{Name: name, In: in, Required: in == "path", Description: what + " (base58)",
		Schema: Schema{"type": "string", "pattern": base58Pattern}}
}

func enumParam(name, what string, names []string) Param {
	return Param{Name: name, In: "query", Description: what, Schema: enum(names)}
}

func intParam(name, what string, lo, hi int64) Param {
	return Param{Name: name, In: "query", Description: what, Schema: Schema{"type": "integer", "minimum": lo, "maximum": hi}}
}

// table is the route table: every endpoint, its parameters and its answer's type. The router
// and the OpenAPI document are both made from it.
func (s *Server) table() []*route {
	page := []Param{limitParam(), cursorParam()}
	with := func(ps ...Param) []Param { return append(append([]Param{}, ps...), page...) }
	window := []Param{ // a series' buckets
		{Name: "from", In: "query", Required: true, Description: "start, unix seconds (rounded down to the step)", Schema: Schema{"type": "integer", "minimum": 0, "maximum": int64(1) << 40}},
		{Name: "to", In: "query", Required: true, Description: "end, unix seconds (exclusive)", Schema: Schema{"type": "integer", "minimum": 1, "maximum": int64(1) << 40}},
		{Name: "step", In: "query", Description: "bucket", Default: "1h", Schema: enum([]string{"1h", "1d"})},
	}
	return []*route{
		{path: "/healthz", id: "health", summary: "Liveness: the database answers", out: Health{}, handle: s.health},
		{path: "/metrics", id: "metrics", summary: "Prometheus metrics (gpunet_indexer_api_*)", text: "text/plain; version=0.0.4; charset=utf-8", handle: s.metricsText},
		{path: "/v1/openapi.json", id: "openapi", summary: "This document", out: map[string]any{}, maxAge: 300,
			handle: func(*fiber.Ctx, input) (any, error) { return rawJSON(s.doc), nil }},
		{path: "/v1/stats", id: "stats", cache: true, summary: "The network at a glance", out: Stats{}, maxAge: 5, handle: s.stats},
		{path: "/v1/devices", id: "listDevices", cache: true, summary: "Registered devices, filtered and sorted", out: Page[Device]{}, maxAge: 5,
			params: with(
				enumParam("class", "hardware class", classNames),
				intParam("region", "ISO 3166-1 numeric country code", 1, 999),
				enumParam("status", "device status", deviceStatuses),
				keyParam("provider", "query", "the Provider account or its owner's wallet"),
				intParam("min_reputation", "least reputation (0..10000)", 0, 10000),
				Param{Name: "sort", In: "query", Description: "order (each descending but address)", Default: "reputation",
					Schema: enum([]string{"reputation", "stake", "registered", "address"})},
			), handle: s.listDevices},
		{path: "/v1/devices/{key}", id: "getDevice", cache: len(s.deps.Oracles) == 0, summary: "A device: why it is or is not hireable, its history, the oracles' live view",
			out: DeviceDetail{}, maxAge: 5, params: []Param{keyParam("key", "path", "the Device account or the device's key")}, handle: s.getDevice},
		{path: "/v1/providers/{owner}", id: "getProvider", cache: true, summary: "A provider and its devices",
			out: ProviderDetail{}, maxAge: 5, params: []Param{keyParam("owner", "path", "the owner's wallet or the Provider account")}, handle: s.getProvider},
		{path: "/v1/jobs", id: "listJobs", cache: true, summary: "Jobs, newest first", out: Page[Job]{}, maxAge: 5,
			params: with(keyParam("renter", "query", "the renter's wallet"), keyParam("cluster", "query", "the Cluster account"),
				enumParam("state", "job state", jobStates)), handle: s.listJobs},
		{path: "/v1/jobs/{address}", id: "getJob", cache: true, summary: "A job: its slots, usage, pay, fees and refunds",
			out: JobDetail{}, maxAge: 5, params: []Param{keyParam("address", "path", "the Job account")}, handle: s.getJob},
		{path: "/v1/clusters", id: "listClusters", cache: true, summary: "Clusters", out: Page[Cluster]{}, maxAge: 5,
			params: with(keyParam("renter", "query", "the renter's wallet")), handle: s.listClusters},
		{path: "/v1/epochs", id: "listEpochs", cache: true, summary: "Emission epochs advanced, newest first", out: Page[Epoch]{}, maxAge: 5,
			params: page, handle: s.listEpochs},
		{path: "/v1/rewards", id: "listRewards", cache: true, summary: "Rewards claimed, newest first", out: Page[Reward]{}, maxAge: 5,
			params: with(keyParam("device", "query", "the Device account")), handle: s.listRewards},
		{path: "/v1/supply", id: "supply", cache: true, summary: "IO and IOSD minted, burned and emitted", out: Supply{}, maxAge: 5, handle: s.supply},
		{path: "/v1/oracles", id: "oracles", summary: "The oracles' public APIs this indexer asks: their job relays and live views",
			out: Oracles{}, maxAge: 60, handle: s.oracles},
		{path: "/v1/prices", id: "prices", summary: "Asks and recent job prices per class; the oracles' IO price", out: Prices{}, maxAge: 5, handle: s.prices},
		{path: "/v1/economy", id: "economy", summary: "The usable price, its band, each circuit breaker's room, the emission schedule",
			out: Economy{}, maxAge: 5, handle: s.economy},
		{path: "/v1/quote", id: "quote", cache: true, summary: "The scheduler's matches, exclusions and cost for a request", out: Quote{}, maxAge: 5,
			params: []Param{
				{Name: "class", In: "query", Required: true, Description: "hardware class", Schema: enum(classNames)},
				{Name: "count", In: "query", Required: true, Description: "devices", Schema: Schema{"type": "integer", "minimum": 1, "maximum": 1024}},
				{Name: "hours", In: "query", Required: true, Description: "hours", Schema: Schema{"type": "integer", "minimum": 1, "maximum": 8760}},
				{Name: "max_price", In: "query", Required: true, Description: "most base units of the mint per device-hour (decimal string)",
					Schema: Schema{"type": "string", "pattern": amountPattern}},
				{Name: "mint", In: "query", Description: "the job's token", Default: "iosd", Schema: enum([]string{"iosd", "io"})},
				intParam("region", "ISO 3166-1 numeric country code (0: any)", 0, 999),
				intParam("tier", "slowest bandwidth tier taken (0 fastest .. 3)", 0, 3),
				intParam("min_vram", "least VRAM in GiB", 0, 1<<20),
				intParam("min_reputation", "least reputation (0..10000)", 0, 10000),
			}, handle: s.quote},
		{path: "/v1/transactions", id: "listTransactions", cache: true, summary: "Transactions of the gpunet programs, newest first", out: Page[Transaction]{}, maxAge: 5,
			params: with(keyParam("fee_payer", "query", "the fee payer"), enumParam("program", "a program the transaction ran", []string{"registry", "escrow", "economy"})),
			handle: s.listTransactions},
		{path: "/v1/series/{metric}", id: "series", cache: true, summary: "A flow over time, in buckets (from events)", out: Series{}, maxAge: 60,
			params: append([]Param{{Name: "metric", In: "path", Required: true, Description: "what is summed or counted", Schema: enum(seriesNames())}}, window...),
			handle: s.series},
		{path: "/v1/prices/series", id: "priceSeries", cache: true, summary: "The market price over time: what new jobs pay per device-hour, per class (from events)",
			out: PriceSeries{}, maxAge: 60,
			params: append([]Param{{Name: "token", In: "query", Description: "the jobs' token", Default: "iosd", Schema: enum([]string{"iosd", "io"})}}, window...),
			handle: s.priceSeries},
	}
}
