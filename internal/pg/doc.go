// Package pg is the PostgreSQL kit: a pgx pool (Open), versioned migrations from a
// daemon's embedded SQL files with jackc/tern (Migrate), and a private PostgreSQL server
// (Start) run from the Debian packages' initdb and pg_ctl in a directory of its own, for
// tests (see pgtest) and make dev, with a fresh database on demand (NewDatabase).
// It imports no testing code.
package pg
