package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"testing"
	"time"

	bin "github.com/gagliardetto/binary"
	"github.com/gagliardetto/solana-go"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/client/economy"
	"github.com/gpunet/gpunet/client/escrow"
	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/indexer/store"
	"github.com/gpunet/gpunet/internal/pg/pgtest"
	"github.com/gpunet/gpunet/internal/protocol"
)

// pk is a fixed key named by s.
func pk(s string) solana.PublicKey {
	h := sha256.Sum256([]byte(s))
	return solana.PublicKeyFromBytes(h[:])
}

func key(s string) string { return pk(s).String() }

// sig is a fixed 64-byte signature named by s, in base58.
func sig(s string) string {
	a := sha256.Sum256([]byte(s))
	b := sha256.Sum256(a[:])
	return solana.SignatureFromBytes(append(a[:], b[:]...)).String()
}

// raw is an account's bytes: its discriminator then its Borsh layout.
func raw(t testing.TB, disc [8]byte, v interface {
	MarshalWithEncoder(*bin.Encoder) error
}) []byte {
	var b bytes.Buffer
	b.Write(disc[:])
	require.NoError(t, v.MarshalWithEncoder(bin.NewBorshEncoder(&b)))
	return b.Bytes()
}

// t0 is the fixture's first block time; now is the clock the server runs on.
var (
	t0  = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now = t0.Add(10 * time.Hour)
)

var (
	ioMint   = key("io-mint")
	iosdMint = key("iosd-mint")
)

// fixtureDevice is one device of the fixture.
type fixtureDevice struct {
	name, provider, owner string
	status                uint8
	model                 uint32
	stake                 uint64
	reputation            uint16
	region                uint16
	gpus                  uint16
	score                 uint64
	askIOSD, askIO        uint32
	job                   string
	pendingSlashes        uint16
}

var fixtureDevices = []fixtureDevice{
	{name: "d1", provider: "p1", owner: "o1", status: registry.StatusActive, model: registry.ModelH100, stake: 5000, reputation: 9000, region: 840, gpus: 8, score: 1000, askIOSD: 2},
	{name: "d2", provider: "p1", owner: "o1", status: registry.StatusActive, model: registry.ModelH100, stake: 1500, reputation: 8000, region: 276, gpus: 8, score: 900, askIOSD: 1},
	{name: "d3", provider: "p1", owner: "o1", status: registry.StatusProbation, model: registry.ModelH100, stake: 3000, reputation: 7000, region: 840, gpus: 4},
	{name: "d4", provider: "p1", owner: "o1", status: registry.StatusHired, model: registry.ModelH100, stake: 4000, reputation: 6000, region: 840, gpus: 8, score: 800, job: "j1"},
	{name: "d5", provider: "p1", owner: "o1", status: registry.StatusSuspended, model: registry.ModelH100, stake: 2500, reputation: 5000, region: 840, gpus: 2, pendingSlashes: 1},
	{name: "d6", provider: "p1", owner: "o1", status: registry.StatusDeregistered, model: registry.ModelH100, stake: 0, reputation: 4000, region: 840, gpus: 8},
	{name: "d7", provider: "p2", owner: "o2", status: registry.StatusActive, model: registry.ModelRTX4090, stake: 1000, reputation: 5000, region: 840, gpus: 1, score: 100, askIOSD: 1, askIO: 3},
	{name: "d8", provider: "p2", owner: "o2", status: registry.StatusActive, model: 99, stake: 1000, reputation: 3000, region: 840, gpus: 1},
}

func registryConfig(paused uint8) *registry.Config {
	c := &registry.Config{Paused: paused, IoMint: pk("io-mint"), IosdMint: pk("iosd-mint")}
	c.Params.BaseStake = 1000
	c.Params.HardwareClassCount = 2
	c.Params.HardwareClasses[0] = registry.HardwareClass{Model: registry.ModelH100, MultiplierBps: 20000}
	c.Params.HardwareClasses[1] = registry.HardwareClass{Model: registry.ModelRTX4090, MultiplierBps: 10000}
	c.Params.OracleCount, c.Params.OracleQuorum = 2, 2
	c.Params.Oracles[0], c.Params.Oracles[1] = pk("oracle-1"), pk("oracle-2")
	return c
}

func economyConfig(rc *registry.Config) *economy.Config {
	c := &economy.Config{IoMinted: 500, IoBurned: 1000, IosdMinted: 2000, IosdBurned: 100, TotalScheduled: 20000,
		RewardsClaimed: 500, EmissionBudget: 1_000_000_000, NextEpoch: 3, Month: 0, MonthEmission: 600_000}
	c.Params.SupplyCap = 10_000_000_000
	c.Params.IosdMintLimit, c.Params.IoRedeemLimit, c.Params.BreakerWindowSecs = 10000, 5000, 3600
	c.Params.MaxPriceAgeSecs, c.Params.PriceBandBps, c.Params.EpochSecs = 60, 500, 3600
	window := uint64(now.Unix() / 3600)
	c.IosdBreaker = economy.Breaker{Window: window, Previous: 1000, Current: 2000}
	c.IoBreaker = economy.Breaker{Window: window - 2, Previous: 4000, Current: 4000} // two windows ago: all free
	c.Prices[0] = economy.PriceSubmission{Price: 100, Conf: 1, PublishTime: now.Unix() - 10}
	c.Prices[1] = economy.PriceSubmission{Price: 101, Conf: 2, PublishTime: now.Unix() - 20}
	c.PriceOracleSet = protocol.OracleSetFingerprint(&rc.Params)
	return c
}

// fixtureDB is a migrated database holding the fixture.
func fixtureDB(t *testing.T) *pgxpool.Pool {
	pool := pgtest.DB(t)
	ctx := context.Background()
	_, err := store.Migrate(ctx, pool)
	require.NoError(t, err)
	exec := func(sql string, args ...any) {
		t.Helper()
		_, err := pool.Exec(ctx, sql, args...)
		require.NoError(t, err, sql)
	}
	account := func(address, program, kind string, v any, raw []byte) {
		data, err := json.Marshal(v)
		require.NoError(t, err)
		exec(`INSERT INTO accounts (address, program, kind, data, raw, slot) VALUES ($1, $2, $3, $4, $5, 100)`, address, program, kind, data, raw)
	}
	rc := registryConfig(0)
	account(key("registry-config"), "registry", "Config", rc, raw(t, registry.Account_Config, rc))
	ec := economyConfig(rc)
	account(key("economy-config"), "economy", "Config", ec, raw(t, economy.Account_Config, ec))
	esc := &escrow.Config{}
	esc.Params.FeeBps, esc.Params.FeeBurnBps = 1000, 5000
	account(key("escrow-config"), "escrow", "Config", esc, raw(t, escrow.Account_Config, esc))

	exec(`INSERT INTO providers VALUES ($1, $2, 20000, 6, 'https://p1.example/meta.json', $3, 90), ($4, $5, 2000, 2, '', $3, 91)`,
		key("p1"), key("o1"), t0, key("p2"), key("o2"))
	for i, f := range fixtureDevices {
		d := &registry.Device{Provider: pk(f.provider), Owner: pk(f.owner), DeviceKey: pk("key-" + f.name), Stake: f.stake,
			BenchmarkScore: f.score, Reputation: f.reputation, Status: f.status, AskIosd: f.askIOSD, AskIo: f.askIO,
			PendingSlashes: f.pendingSlashes, ProvenUptimeSecs: uint64(3600 * (i + 1)),
			Spec: registry.DeviceSpec{HardwareModel: f.model, VramGib: 80, GpuCount: f.gpus, Region: f.region}}
		var job *string
		if f.job != "" {
			d.CurrentJob = pk(f.job)
			j := key(f.job)
			job = &j
		}
		account(key(f.name), "registry", "Device", d, raw(t, registry.Account_Device, d))
		exec(`INSERT INTO devices VALUES ($1, $2, $3, $4, $5, $6, $7, 80, $8, $9, $10, $11, $12, 3, 1, $13, $14, $15, $16)`,
			key(f.name), key("key-"+f.name), key(f.provider), key(f.owner), int16(f.status), int32(f.model), int32(f.gpus), int32(f.region),
			f.stake, int32(f.reputation), f.score, 3600*(i+1), int32(f.pendingSlashes), job, t0.Add(time.Duration(i)*time.Minute), 100+i)
	}
	exec(`INSERT INTO clusters VALUES ($1, $2, 1, 1, 1, 100)`, key("c1"), key("r1"))
	exec(`INSERT INTO jobs VALUES
		($1, $2, $3, $4, 1, 2, 1, 2000, 7200, 4000, 1800, 100, 100, 0, $5, $6, NULL, 102),
		($7, $8, NULL, $9, 2, 3, 1, 3000, 3600, 3000, 2700, 150, 150, 0, $10, $10, $11, 101)`,
		key("j1"), key("r1"), key("c1"), iosdMint, now.Add(-2*time.Hour), now.Add(-time.Hour),
		key("j2"), key("r2"), ioMint, now.Add(-5*time.Hour), now.Add(-4*time.Hour))
	exec(`INSERT INTO job_slots VALUES ($1, 0, $2, $3, 2, $4, NULL, 3600, 3600), ($5, 0, $6, $7, 3, $8, $9, 3600, 3600)`,
		key("j1"), key("d4"), key("payout-o1"), now.Add(-time.Hour), key("j2"), key("d1"), key("payout-o1"), now.Add(-4*time.Hour), now.Add(-3*time.Hour))

	type ev struct {
		program, name string
		data          map[string]any
	}
	txs := []struct {
		name  string
		at    time.Time
		payer string
		ok    bool
		ins   []string
		evs   []ev
	}{
		{"tx1", t0, "oracle-1", true, []string{"registry.submit_proof", "registry.submit_proof"}, []ev{
			{"registry", "ProofRecorded", map[string]any{"device": key("d1"), "oracle": key("oracle-1"), "window": 1, "uptimeSecs": 3600}},
			{"registry", "ProofRecorded", map[string]any{"device": key("d1"), "oracle": key("oracle-2"), "window": 1, "uptimeSecs": 3600}},
			{"registry", "ProofCounted", map[string]any{"device": key("d1"), "window": 1, "uptimeSecs": 3600}},
		}},
		{"tx2", t0.Add(time.Hour), "keeper", true, []string{"escrow.settle"}, []ev{
			{"escrow", "Settled", map[string]any{"job": key("j2"), "device": key("d1"), "secs": 3600, "payout": 2700, "feeTreasury": 150, "feeBurned": 150, "slot": 0}},
			{"economy", "FeeBurned", map[string]any{"job": key("j2"), "amount": 150}},
		}},
		{"tx3", t0.Add(2 * time.Hour), "o1", true, []string{"economy.claim_rewards", "economy.burn_io"}, []ev{
			{"economy", "RewardsClaimed", map[string]any{"device": key("d1"), "ownerIo": key("o1-io"), "amount": 500, "cumulative": 500}},
			{"economy", "IoBurned", map[string]any{"user": key("u1"), "ioAmount": 1000, "iosdAmount": 2000, "price": 100, "conf": 1}},
		}},
		{"tx4", t0.Add(150 * time.Minute), "keeper", true, []string{"registry.slash", "registry.reverse_slash", "registry.finalize_slash"}, []ev{
			{"registry", "DeviceSlashed", map[string]any{"device": key("d5"), "amount": 300}},
			{"registry", "SlashReversed", map[string]any{"device": key("d5"), "amount": 100}},
			{"registry", "SlashFinalized", map[string]any{"device": key("d5"), "burned": 50}},
		}},
		{"tx5", t0.Add(3 * time.Hour), "cranker", true, []string{"economy.advance_epoch"}, []ev{
			{"economy", "EpochAdvanced", map[string]any{"epoch": 1, "scheduled": 10000, "addedBack": 0, "provider": 9000, "community": 1000}},
			{"economy", "EpochAdvanced", map[string]any{"epoch": 2, "scheduled": 10000, "addedBack": 0, "provider": 9000, "community": 1000}},
		}},
		{"tx6", t0.Add(4 * time.Hour), "o2", false, []string{"registry.stake"}, nil},
	}
	for i, tx := range txs {
		var errv any
		if !tx.ok {
			errv = map[string]any{"InstructionError": []any{0, map[string]any{"Custom": 6001}}}
		}
		errJSON, _ := json.Marshal(errv)
		if errv == nil {
			errJSON = nil
		}
		exec(`INSERT INTO transactions VALUES ($1, $2, $3, $4, $5, $6)`, sig(tx.name), 100+i, tx.at, key(tx.payer), errJSON, tx.ins)
		for p, e := range tx.evs {
			data, _ := json.Marshal(e.data)
			exec(`INSERT INTO events (signature, position, slot, block_time, program, name, data) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
				sig(tx.name), p, 100+i, tx.at, e.program, e.name, data)
		}
	}
	exec(`INSERT INTO ingest_cursors VALUES ('registry', $1, 105), ('escrow', $2, 101)`, sig("tx6"), sig("tx2"))
	return pool
}
