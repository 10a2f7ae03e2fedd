// Package pgtest is the testing glue of package pg: one private PostgreSQL per test
// binary (Main, from TestMain) and a fresh, empty database per test (DB). It imports no
// `testing`: Main takes a harness.M (*testing.M) and DB a harness.TB.
package pgtest

import (
	"context"
	"fmt"
	"os"

	"github.com/gpunet/gpunet/internal/harness"
	"github.com/gpunet/gpunet/internal/pg"
	"github.com/jackc/pgx/v5/pgxpool"
)

var server *pg.Server

// Main starts the package's server, runs the tests and stops it: call it from TestMain.
func Main(m harness.M) {
	ctx := context.Background()
	s, err := pg.Start(ctx, pg.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "pgtest:", err)
		os.Exit(1)
	}
	server = s
	code := m.Run()
	if err := s.Stop(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "pgtest:", err)
		code = 1
	}
	os.Exit(code)
}

// Server is the server Main started.
func Server() *pg.Server { return server }

// DB creates a fresh, empty database for t and returns a pool on it; the pool is
// closed and the database dropped when t ends.
func DB(t harness.TB) *pgxpool.Pool {
	t.Helper()
	if server == nil {
		t.Fatalf("pgtest: call pgtest.Main(m) from TestMain")
	}
	ctx := context.Background()
	name, err := server.NewDatabase(ctx)
	if err != nil {
		t.Fatalf("%v", err)
	}
	pool, err := pg.Open(ctx, server.DSN(name))
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(func() {
		pool.Close()
		if err := server.DropDatabase(ctx, name); err != nil {
			t.Errorf("%v", err)
		}
	})
	return pool
}
