package alerts

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/jackc/pgx/v5"

	"github.com/gpunet/gpunet/internal/wire"
)

// Health is what the oracles say of a device now. Known is false when no oracle answered:
// nothing changes then.
type Health struct {
	Known     bool
	Offline   bool
	Unhealthy bool
	Problems  []string // the GPUs' problems of the latest heartbeat
}

// Prober tells a device's health from its device key.
type Prober interface {
	Probe(ctx context.Context, deviceKey solana.PublicKey) (Health, error)
}

// Oracles probes through the oracles' signed public status (wire.StatusPath): online when one
// oracle credited a heartbeat until no earlier than Interval ago, offline when every oracle
// answered and none did; unhealthy when the newest heartbeat counts fewer healthy GPUs than
// GPUs.
type Oracles struct {
	URLs     []string
	Keys     []solana.PublicKey // the registry's oracles: answers are signed by one of them
	Interval time.Duration      // the heartbeat interval
	HTTP     *http.Client
}

// Probe asks every oracle.
func (o Oracles) Probe(ctx context.Context, deviceKey solana.PublicKey) (Health, error) {
	client := o.HTTP
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Second}
	}
	var h Health
	answered, live := 0, false
	var newest *wire.HeartbeatSeen
	for _, url := range o.URLs {
		var st wire.DeviceStatus
		if _, err := wire.GetAnswer(ctx, client, url+wire.StatusPath+deviceKey.String(), o.Keys, &st); err != nil {
			continue
		}
		answered++
		hb := st.LastHeartbeat
		if hb != nil && !hb.Late && hb.CreditedUntil >= time.Now().Add(-o.Interval).UnixMilli() {
			live = true
		}
		if hb != nil && (newest == nil || hb.ReceivedAt > newest.ReceivedAt) {
			newest = hb
		}
	}
	if answered == 0 {
		return h, nil
	}
	h.Known = true
	h.Offline = !live && answered == len(o.URLs)
	if newest != nil && newest.Health.GPUs > 0 && newest.Health.Healthy < newest.Health.GPUs {
		h.Unhealthy, h.Problems = true, newest.Health.Problems
	}
	return h, nil
}

// Payload is the JSON body of every delivery.
type Payload struct {
	ID         string          `json:"id"` // the idempotency key
	Event      string          `json:"event"`
	Owner      string          `json:"owner"`
	Device     string          `json:"device"`     // the Device account
	DeviceKey  string          `json:"device_key"` // the worker's key
	OccurredAt time.Time       `json:"occurred_at"`
	Data       json.RawMessage `json:"data,omitempty"` // DeviceSlashed's fields; the GPUs' problems
}

// enqueue adds the payload for every webhook of its owner subscribed to its event and created
// no later than notBefore; a key already queued for a webhook adds nothing.
func enqueue(ctx context.Context, tx pgx.Tx, p Payload, notBefore, now time.Time) (int64, error) {
	body, err := json.Marshal(p)
	if err != nil {
		return 0, err
	}
	tag, err := tx.Exec(ctx, `INSERT INTO alert_deliveries (webhook, key, event, body, next_at)
		SELECT id, $1, $2, $3, $4 FROM webhooks WHERE owner = $5 AND $2 = ANY (events) AND created_at <= $6
		ON CONFLICT (webhook, key) DO NOTHING`, p.ID, p.Event, body, now, p.Owner, notBefore)
	if err != nil {
		return 0, fmt.Errorf("enqueue %s: %w", p.ID, err)
	}
	return tag.RowsAffected(), nil
}

// Detect queues the deliveries of what happened since the last round: DeviceSlashed events,
// then (with a prober) devices that went offline or unhealthy.
func (s *Service) Detect(ctx context.Context) error {
	if err := s.detectSlashes(ctx); err != nil {
		return err
	}
	if s.prober == nil {
		return nil
	}
	return s.detectHealth(ctx)
}

// detectSlashes reads the DeviceSlashed events from SlotMargin slots behind the cursor on.
func (s *Service) detectSlashes(ctx context.Context) error {
	return pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		var cursor int64
		err := tx.QueryRow(ctx, `SELECT slot FROM alert_cursors WHERE name = 'slashes' FOR UPDATE`).Scan(&cursor)
		if err != nil && err != pgx.ErrNoRows {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT e.signature, e.position, e.slot, e.block_time, e.device, e.data, d.owner, d.device_key
			FROM events e JOIN devices d ON d.address = e.device
			WHERE e.program = 'registry' AND e.name = 'DeviceSlashed' AND e.slot >= $1
			ORDER BY e.slot, e.signature, e.position`, max(0, cursor-s.cfg.SlotMargin))
		if err != nil {
			return err
		}
		type slash struct {
			p    Payload
			slot int64
		}
		var found []slash
		for rows.Next() {
			var sl slash
			var sig string
			var pos int16
			var at *time.Time
			if err := rows.Scan(&sig, &pos, &sl.slot, &at, &sl.p.Device, &sl.p.Data, &sl.p.Owner, &sl.p.DeviceKey); err != nil {
				return err
			}
			sl.p.ID, sl.p.Event = fmt.Sprintf("%s:%s:%d", EventSlashed, sig, pos), EventSlashed
			sl.p.OccurredAt = s.Now().UTC()
			if at != nil {
				sl.p.OccurredAt = at.UTC()
			}
			found = append(found, sl)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		now := s.Now()
		for _, sl := range found {
			if _, err := enqueue(ctx, tx, sl.p, sl.p.OccurredAt, now); err != nil {
				return err
			}
			cursor = max(cursor, sl.slot)
		}
		_, err = tx.Exec(ctx, `INSERT INTO alert_cursors (name, slot) VALUES ('slashes', $1) ON CONFLICT (name) DO UPDATE SET slot = EXCLUDED.slot`, cursor)
		return err
	})
}

// detectHealth probes the devices (probation, active or hired) of owners with a webhook for
// offline or unhealthy, and queues a delivery for each change from false to true.
func (s *Service) detectHealth(ctx context.Context) error {
	rows, err := s.db.Query(ctx, `SELECT d.address, d.device_key, d.owner FROM devices d
		WHERE d.status IN (0, 1, 2) AND EXISTS (SELECT 1 FROM webhooks w WHERE w.owner = d.owner AND w.events && ARRAY['device.offline', 'device.unhealthy'])
		ORDER BY d.address`)
	if err != nil {
		return err
	}
	type device struct{ address, key, owner string }
	devices, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (device, error) {
		var d device
		return d, r.Scan(&d.address, &d.key, &d.owner)
	})
	if err != nil {
		return err
	}
	for _, d := range devices {
		key, err := solana.PublicKeyFromBase58(d.key)
		if err != nil {
			continue
		}
		h, err := s.prober.Probe(ctx, key)
		if err != nil || !h.Known {
			continue
		}
		if err := s.healthChanged(ctx, d.address, d.key, d.owner, h); err != nil {
			return err
		}
	}
	return nil
}

// healthChanged stores h as device's state and queues the changes to offline or unhealthy.
func (s *Service) healthChanged(ctx context.Context, device, deviceKey, owner string, h Health) error {
	return pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		var offline, unhealthy bool
		var offGen, unGen int
		err := tx.QueryRow(ctx, `SELECT offline, unhealthy, offline_gen, unhealthy_gen FROM alert_device_state WHERE device = $1 FOR UPDATE`, device).
			Scan(&offline, &unhealthy, &offGen, &unGen)
		if err != nil && err != pgx.ErrNoRows {
			return err
		}
		now := s.Now()
		emit := func(event string, gen int, data any) error {
			raw, _ := json.Marshal(data)
			p := Payload{ID: fmt.Sprintf("%s:%s:%d", event, device, gen), Event: event, Owner: owner, Device: device, DeviceKey: deviceKey, OccurredAt: now.UTC(), Data: raw}
			_, err := enqueue(ctx, tx, p, now, now)
			return err
		}
		if h.Offline && !offline {
			offGen++
			if err := emit(EventOffline, offGen, map[string]any{"offline": true}); err != nil {
				return err
			}
		}
		if h.Unhealthy && !unhealthy {
			unGen++
			if err := emit(EventUnhealthy, unGen, map[string]any{"problems": h.Problems}); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `INSERT INTO alert_device_state (device, offline, unhealthy, offline_gen, unhealthy_gen) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (device) DO UPDATE SET offline = $2, unhealthy = $3, offline_gen = $4, unhealthy_gen = $5`, device, h.Offline, h.Unhealthy, offGen, unGen)
		return err
	})
}
