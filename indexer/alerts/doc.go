// Package alerts lets a provider register webhooks for its devices and delivers what happens to
// them: a device going offline or unhealthy (the oracles' signed status APIs) and slashed (the
// registry's DeviceSlashed events in the indexer's events table).
//
// Registration, listing and deletion are signed by the owner's wallet: an ed25519 signature over
// a canonical message (RegisterMessage, ListMessage, DeleteMessage) naming the action, the owner,
// the URL and events (or the webhook) and a unix timestamp within Config.Window of the server's
// clock; a signature is taken once (replays are refused). Registration returns the webhook's
// HMAC-SHA256 secret, once.
//
// Delivery is at least once: each event for each webhook is a row of alert_deliveries keyed
// by (webhook, idempotency key), so detecting it again adds nothing; a POST that does not answer
// 2xx is retried with exponential backoff (Config.Backoff doubled per attempt up to
// Config.MaxBackoff) until Config.Attempts. Each POST is signed (Sign, Verify): see README.md.
//
// The daemon runs Service.Run (the detector and the delivery loop); the explorer mounts
// Service.Register on its fiber app.
package alerts
