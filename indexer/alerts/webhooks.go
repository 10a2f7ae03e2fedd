package alerts

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/gpunet/gpunet/indexer/problem"
)

// Register mounts the webhook API on r: POST /v1/alerts/webhooks (register), GET
// /v1/alerts/webhooks (list an owner's), DELETE /v1/alerts/webhooks/:id.
func (s *Service) Register(r fiber.Router) {
	r.Post("/v1/alerts/webhooks", s.register)
	r.Get("/v1/alerts/webhooks", s.list)
	r.Delete("/v1/alerts/webhooks/:id", s.remove)
}

const messageHeader = "gpunet alerts v1\n"

// RegisterMessage is what the owner signs to register url for events (sorted, comma-joined).
func RegisterMessage(owner solana.PublicKey, url string, events []string, timestamp int64) []byte {
	ev := slices.Clone(events)
	slices.Sort(ev)
	return fmt.Appendf(nil, "%saction: register\nowner: %s\nurl: %s\nevents: %s\ntimestamp: %d", messageHeader, owner, url, strings.Join(ev, ","), timestamp)
}

// ListMessage is what the owner signs to list its webhooks.
func ListMessage(owner solana.PublicKey, timestamp int64) []byte {
	return fmt.Appendf(nil, "%saction: list\nowner: %s\ntimestamp: %d", messageHeader, owner, timestamp)
}

// DeleteMessage is what the owner signs to delete its webhook id.
func DeleteMessage(owner solana.PublicKey, id int64, timestamp int64) []byte {
	return fmt.Appendf(nil, "%saction: delete\nowner: %s\nwebhook: %d\ntimestamp: %d", messageHeader, owner, id, timestamp)
}

// RegisterRequest is the body of POST /v1/alerts/webhooks.
type RegisterRequest struct {
	Owner     string   `json:"owner"`
	URL       string   `json:"url"`
	Events    []string `json:"events"`
	Timestamp int64    `json:"timestamp"` // unix seconds
	Signature string   `json:"signature"` // base58 ed25519 of RegisterMessage by owner
}

// Webhook is a registered webhook as the API shows it; Secret only in the registration's answer.
type Webhook struct {
	ID        int64     `json:"id"`
	Owner     string    `json:"owner"`
	URL       string    `json:"url"`
	Events    []string  `json:"events"`
	CreatedAt time.Time `json:"created_at"`
	Secret    string    `json:"secret,omitempty"` // hex HMAC-SHA256 key
}

func badParam(format string, a ...any) *Problem {
	return refuse(fiber.StatusBadRequest, "bad_parameter", fmt.Sprintf(format, a...))
}

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

// owner reads a base58 wallet.
func parseOwner(s string) (solana.PublicKey, *Problem) {
	if len(s) < 32 || len(s) > 44 {
		return solana.PublicKey{}, badParam("owner %q: want a base58 public key", clip(s))
	}
	k, err := solana.PublicKeyFromBase58(s)
	if err != nil {
		return solana.PublicKey{}, badParam("owner %q: want a base58 public key", clip(s))
	}
	return k, nil
}

// verify checks the owner's signature over message and its timestamp, and takes it once.
func (s *Service) verify(ctx context.Context, owner solana.PublicKey, message []byte, timestamp int64, signature string) *Problem {
	now := s.Now()
	if d := now.Sub(time.Unix(timestamp, 0)); d > s.cfg.Window || d < -s.cfg.Window {
		return refuse(fiber.StatusBadRequest, "stale", fmt.Sprintf("timestamp %d is %s from the server's clock; the window is %s", timestamp, d.Truncate(time.Second), s.cfg.Window))
	}
	sig, err := solana.SignatureFromBase58(signature)
	if err != nil || len(signature) > 100 {
		return refuse(fiber.StatusUnauthorized, "bad_signature", "signature: want the base58 ed25519 signature of the canonical message")
	}
	if !ed25519.Verify(ed25519.PublicKey(owner[:]), message, sig[:]) {
		return refuse(fiber.StatusUnauthorized, "bad_signature", "the signature is not the owner's over the canonical message")
	}
	// at is the signed timestamp: the row is needed only while that timestamp is in the window
	tag, err := s.db.Exec(ctx, `INSERT INTO webhook_requests (signature, at) VALUES ($1, $2) ON CONFLICT DO NOTHING`, signature, time.Unix(timestamp, 0))
	if err != nil {
		return unavailable(err)
	}
	if tag.RowsAffected() == 0 {
		return refuse(fiber.StatusConflict, "replayed", "this signed request was already taken: sign a new one")
	}
	return nil
}

func unavailable(err error) *Problem {
	return refuse(fiber.StatusServiceUnavailable, "unavailable", "the database could not be reached: "+err.Error())
}

// checkURL refuses a URL the indexer must not POST to.
func (s *Service) checkURL(raw string) *Problem {
	if len(raw) > 2048 {
		return badParam("url: at most 2048 characters")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return badParam("url %q: want an absolute https URL", clip(raw))
	}
	if u.User != nil || u.Fragment != "" {
		return badParam("url %q: no credentials or fragment", clip(raw))
	}
	if u.Scheme != "https" && !(s.cfg.AllowPrivate && u.Scheme == "http") {
		return badParam("url %q: want https", clip(raw))
	}
	if s.cfg.AllowPrivate {
		return nil
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return badParam("url %q: not a public host", clip(raw))
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if !public(ip) {
			return badParam("url %q: not a public address", clip(raw))
		}
	} else if net.ParseIP(host) != nil {
		return badParam("url %q: not a public address", clip(raw))
	}
	return nil
}

// public says whether ip is an address on the public internet: not loopback, private
// (RFC 1918, fc00::/7), shared (100.64/10, carrier-grade NAT), link-local, unspecified (0/8, ::) or
// multicast, also when written as IPv4-mapped IPv6.
func public(ip netip.Addr) bool {
	ip = ip.Unmap()
	return !(ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsUnspecified() || ip.IsMulticast() ||
		ip.IsLinkLocalMulticast() || sharedSpace.Contains(ip) || ip.Is4() && ip.As4()[0] == 0)
}

var sharedSpace = netip.MustParsePrefix("100.64.0.0/10")

// refusePrivate is the webhook dialer's check of the address it is about to connect to, after
// the name was resolved: what checkURL cannot see at registration (the name's addresses, then
// and later) is checked at every connection.
func refusePrivate(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("webhook dial %q: %w", address, err)
	}
	if !public(ap.Addr()) {
		return fmt.Errorf("the webhook's host resolves to %s, not a public address: refused", ap.Addr())
	}
	return nil
}

// checkEvents refuses an empty, unknown or repeated event list.
func checkEvents(events []string) *Problem {
	if len(events) == 0 {
		return badParam("events: want at least one of %s", strings.Join(Events, ", "))
	}
	seen := map[string]bool{}
	for _, e := range events {
		if !slices.Contains(Events, e) {
			return badParam("event %q: want one of %s", clip(e), strings.Join(Events, ", "))
		}
		if seen[e] {
			return badParam("event %q twice", e)
		}
		seen[e] = true
	}
	return nil
}

func (s *Service) register(c *fiber.Ctx) error {
	var req RegisterRequest
	if err := c.BodyParser(&req); err != nil || !strings.HasPrefix(string(c.Request().Header.ContentType()), fiber.MIMEApplicationJSON) {
		return problem.Write(c, refuse(fiber.StatusBadRequest, "bad_request", "the body must be a JSON RegisterRequest {owner, url, events, timestamp, signature}"))
	}
	ctx := c.UserContext()
	owner, p := parseOwner(req.Owner)
	if p == nil {
		p = s.checkURL(req.URL)
	}
	if p == nil {
		p = checkEvents(req.Events)
	}
	if p == nil {
		p = s.verify(ctx, owner, RegisterMessage(owner, req.URL, req.Events, req.Timestamp), req.Timestamp, req.Signature)
	}
	if p != nil {
		return problem.Write(c, p)
	}
	var provider bool
	if err := s.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM providers WHERE owner = $1)`, owner.String()).Scan(&provider); err != nil {
		return problem.Write(c, unavailable(err))
	}
	if !provider {
		return problem.Write(c, refuse(fiber.StatusForbidden, "not_a_provider", fmt.Sprintf("%s has no registered provider (as indexed)", owner)))
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return err
	}
	events := slices.Clone(req.Events)
	slices.Sort(events)
	w := Webhook{Owner: owner.String(), URL: req.URL, Events: events, Secret: hex.EncodeToString(secret)}
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext($1))`, w.Owner); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM webhooks WHERE owner = $1`, w.Owner).Scan(&n); err != nil {
			return err
		}
		if n >= s.cfg.MaxWebhooks {
			return refuse(fiber.StatusConflict, "too_many", fmt.Sprintf("%s has %d webhooks, the most one owner may have", w.Owner, n))
		}
		return tx.QueryRow(ctx, `INSERT INTO webhooks (owner, url, events, secret) VALUES ($1, $2, $3, $4) RETURNING id, created_at`,
			w.Owner, w.URL, w.Events, secret).Scan(&w.ID, &w.CreatedAt)
	})
	var pe *Problem
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &pe):
		return problem.Write(c, pe)
	case errors.As(err, &pgErr) && pgErr.Code == "23505":
		return problem.Write(c, refuse(fiber.StatusConflict, "conflict", fmt.Sprintf("%s already has a webhook at this URL: delete it first", w.Owner)))
	case err != nil:
		return problem.Write(c, unavailable(err))
	}
	return c.Status(fiber.StatusCreated).JSON(w)
}

// signedQuery reads owner, timestamp and signature from the query.
func signedQuery(c *fiber.Ctx) (solana.PublicKey, int64, string, *Problem) {
	owner, p := parseOwner(c.Query("owner"))
	if p != nil {
		return owner, 0, "", p
	}
	ts, err := strconv.ParseInt(c.Query("timestamp"), 10, 64)
	if err != nil {
		return owner, 0, "", badParam("timestamp %q: want unix seconds", clip(c.Query("timestamp")))
	}
	return owner, ts, c.Query("signature"), nil
}

func (s *Service) list(c *fiber.Ctx) error {
	ctx := c.UserContext()
	owner, ts, sig, p := signedQuery(c)
	if p == nil {
		p = s.verify(ctx, owner, ListMessage(owner, ts), ts, sig)
	}
	if p != nil {
		return problem.Write(c, p)
	}
	rows, err := s.db.Query(ctx, `SELECT id, owner, url, events, created_at FROM webhooks WHERE owner = $1 ORDER BY id`, owner.String())
	if err != nil {
		return problem.Write(c, unavailable(err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Webhook, error) {
		var w Webhook
		return w, r.Scan(&w.ID, &w.Owner, &w.URL, &w.Events, &w.CreatedAt)
	})
	if err != nil {
		return problem.Write(c, unavailable(err))
	}
	return c.JSON(fiber.Map{"webhooks": out})
}

func (s *Service) remove(c *fiber.Ctx) error {
	ctx := c.UserContext()
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id < 1 {
		return problem.Write(c, badParam("webhook id %q: want a positive integer", clip(c.Params("id"))))
	}
	owner, ts, sig, p := signedQuery(c)
	if p == nil {
		p = s.verify(ctx, owner, DeleteMessage(owner, id, ts), ts, sig)
	}
	if p != nil {
		return problem.Write(c, p)
	}
	tag, err := s.db.Exec(ctx, `DELETE FROM webhooks WHERE id = $1 AND owner = $2`, id, owner.String())
	if err != nil {
		return problem.Write(c, unavailable(err))
	}
	if tag.RowsAffected() == 0 {
		return problem.Write(c, refuse(fiber.StatusNotFound, "not_found", fmt.Sprintf("%s has no webhook %d", owner, id)))
	}
	return c.SendStatus(fiber.StatusNoContent)
}
