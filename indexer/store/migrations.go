package store

import "embed"

// Migrations are the indexer's schema, applied in order by pg.Migrate.
//
//go:embed migrations/*.sql
var Migrations embed.FS
