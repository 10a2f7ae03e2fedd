package pg_test

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gpunet/gpunet/internal/pg"
	"github.com/gpunet/gpunet/internal/pg/pgtest"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
)

//go:embed testdata/migrations/*.sql
var migrationFiles embed.FS

func TestMain(m *testing.M) { pgtest.Main(m) }

func migrations(t *testing.T) fs.FS {
	sub, err := fs.Sub(migrationFiles, "testdata/migrations")
	require.NoError(t, err)
	return sub
}

func count(t *testing.T, pool *pgxpool.Pool, sql string) int {
	var n int
	require.NoError(t, pool.QueryRow(context.Background(), sql).Scan(&n))
	return n
}

func TestMigrateAppliesOnce(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.DB(t)
	for range 2 {
		v, err := pg.Migrate(ctx, pool, migrations(t))
		require.NoError(t, err)
		require.Equal(t, int32(2), v)
	}
	require.Equal(t, 1, count(t, pool, "select count(*) from regions"))
	require.Equal(t, 0, count(t, pool, "select count(*) from nodes"))
	var version int32
	require.NoError(t, pool.QueryRow(ctx, "select version from "+pg.VersionTable).Scan(&version))
	require.Equal(t, int32(2), version)
}

func TestFreshDatabaseIsEmpty(t *testing.T) {
	for _, name := range []string{"first", "second"} {
		t.Run(name, func(t *testing.T) {
			pool := pgtest.DB(t)
			require.Equal(t, 0, count(t, pool, "select count(*) from pg_tables where schemaname not in ('pg_catalog', 'information_schema')"))
			_, err := pg.Migrate(context.Background(), pool, migrations(t))
			require.NoError(t, err)
			require.Equal(t, 3, count(t, pool, "select count(*) from pg_tables where schemaname = 'public'"))
		})
	}
}

func TestServerStopsCleanly(t *testing.T) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "pg-stop-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	s, err := pg.Start(ctx, pg.Options{Dir: dir})
	require.NoError(t, err)
	pool, err := pg.Open(ctx, s.DSN("postgres"))
	require.NoError(t, err)
	require.Equal(t, 1, count(t, pool, "select 1"))
	pool.Close()
	require.FileExists(t, filepath.Join(dir, "data", "postmaster.pid"))

	require.NoError(t, s.Stop(ctx))
	require.NoFileExists(t, filepath.Join(dir, "data", "postmaster.pid"))
	require.NoFileExists(t, filepath.Join(dir, ".s.PGSQL.5432"))
	log, err := os.ReadFile(s.LogFile())
	require.NoError(t, err)
	require.Contains(t, string(log), "database system is shut down")
	_, err = pg.Open(ctx, s.DSN("postgres"))
	require.ErrorContains(t, err, "ping postgres: failed to connect")
}

func TestTCPServerInTemporaryDirectory(t *testing.T) {
	ctx := context.Background()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())

	s, err := pg.Start(ctx, pg.Options{Port: port})
	require.NoError(t, err)
	require.Equal(t, fmt.Sprintf("host=127.0.0.1 port=%d user=postgres dbname=postgres sslmode=disable", port), s.DSN("postgres"))
	pool, err := pg.Open(ctx, s.DSN("postgres"))
	require.NoError(t, err)
	require.Equal(t, 1, count(t, pool, "select 1"))
	pool.Close()
	require.DirExists(t, s.Dir())
	require.NoError(t, s.Stop(ctx))
	require.NoDirExists(t, s.Dir())
}

// make dev's server: a kept directory, a TCP port, its log elsewhere. Its databases survive a
// restart; a start over a server left running on the directory (its supervisor was killed)
// stops that one first.
func TestKeptServerRestartsAndTakesOverALeftOne(t *testing.T) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "pg-kept-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	require.NoError(t, os.Chmod(dir, 0o755)) // the server's user (postgres, when we are root) enters it
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())
	opts := pg.Options{Dir: filepath.Join(dir, "pg"), Port: port, Log: filepath.Join(dir, "first.log")}

	first, err := pg.Start(ctx, opts)
	require.NoError(t, err)
	require.Equal(t, port, first.Port())
	require.Equal(t, fmt.Sprintf("postgres://postgres@127.0.0.1:%d/oracle_1?sslmode=disable", port), first.URL("oracle_1"))
	created, err := first.EnsureDatabase(ctx, "oracle_1")
	require.NoError(t, err)
	require.True(t, created)
	created, err = first.EnsureDatabase(ctx, "oracle_1")
	require.NoError(t, err)
	require.False(t, created)
	firstPID, err := first.PID()
	require.NoError(t, err)
	require.NoError(t, syscall.Kill(firstPID, 0))

	opts.Log = filepath.Join(dir, "second.log")
	second, err := pg.Start(ctx, opts) // over the first, still running
	require.NoError(t, err)
	t.Cleanup(func() { _ = second.Stop(ctx) })
	exited(t, firstPID)
	pid, err := second.PID()
	require.NoError(t, err)
	require.NotEqual(t, firstPID, pid)
	created, err = second.EnsureDatabase(ctx, "oracle_1")
	require.NoError(t, err)
	require.False(t, created)
	pool, err := pg.Open(ctx, second.URL("oracle_1"))
	require.NoError(t, err)
	require.Equal(t, 1, count(t, pool, "select 1"))
	pool.Close()
	require.Equal(t, second.LogFile(), opts.Log)
	log, err := os.ReadFile(opts.Log)
	require.NoError(t, err)
	require.Contains(t, string(log), "database system is ready to accept connections")
	require.NoError(t, second.Stop(ctx))
	exited(t, pid)
}

// exited waits until process pid is gone: pg_ctl stop returns once the server removed its
// pid file, a moment before the process ends and its parent (init) reaps it.
func exited(t *testing.T, pid int) {
	t.Helper()
	require.Eventually(t, func() bool {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		return err != nil || strings.Contains(string(stat), ") Z ")
	}, 10*time.Second, 10*time.Millisecond, "postgres (pid %d) still runs", pid)
}
