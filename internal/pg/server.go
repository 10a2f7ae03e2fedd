package pg

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"

	"github.com/jackc/pgx/v5"
)

// Options says where a private server lives and how it is reached.
type Options struct {
	// Dir holds the data directory (Dir/data), the unix socket and Dir/postgres.log.
	// Empty: a new temporary directory, removed by Stop.
	Dir string
	// Port, when not 0, also serves TCP on 127.0.0.1:Port; 0 serves the unix socket only.
	Port int
	// Log is the server's log file (make dev's per-start log); empty: Dir/postgres.log.
	Log string
}

// Server is a private PostgreSQL started by Start: superuser postgres, trust
// authentication, fsync off. It is for tests and make dev, never for production data.
type Server struct {
	dir     string
	log     string
	temp    bool
	port    int
	bin     string
	cred    *syscall.Credential
	dbCount atomic.Int64
}

// socketPort names the unix socket (.s.PGSQL.<port>) when no TCP port is asked for.
const socketPort = 5432

// binDir finds the directory holding initdb and pg_ctl: PATH first, then the newest
// Debian install under /usr/lib/postgresql.
func binDir() (string, error) {
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Dir(real), nil
		}
	}
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	if len(found) == 0 {
		return "", ErrNoPostgres
	}
	slices.SortFunc(found, func(a, b string) int { return versionOf(a) - versionOf(b) })
	return filepath.Dir(found[len(found)-1]), nil
}

// versionOf reads the major version from /usr/lib/postgresql/<major>/bin/pg_ctl.
func versionOf(pgCtl string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(pgCtl))))
	return v
}

// credential is the unprivileged user the server runs as when we are root (initdb and
// postgres refuse root): postgres if it exists, else nobody. Nil when not root.
func credential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		if u, err = user.Lookup("nobody"); err != nil {
			return nil, fmt.Errorf("find an unprivileged user to run postgres as: %w", err)
		}
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// Start initialises a cluster in opts.Dir (or a temporary directory) and starts it,
// waiting until it accepts connections.
func Start(ctx context.Context, opts Options) (*Server, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	cred, err := credential()
	if err != nil {
		return nil, err
	}
	s := &Server{dir: opts.Dir, log: opts.Log, port: opts.Port, bin: bin, cred: cred}
	if s.dir == "" {
		if s.dir, err = os.MkdirTemp("", "gpunet-pg-"); err != nil {
			return nil, fmt.Errorf("start postgres: %w", err)
		}
		s.temp = true
	} else if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return nil, fmt.Errorf("start postgres: %w", err)
	}
	if s.port == 0 {
		s.port = socketPort
	}
	if s.log == "" {
		s.log = filepath.Join(s.dir, "postgres.log")
	}
	if cred != nil {
		if err := os.Chown(s.dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return nil, s.cleanupAfter(fmt.Errorf("start postgres: %w", err))
		}
	}
	if err := s.createLog(); err != nil {
		return nil, s.cleanupAfter(err)
	}
	if _, err := os.Stat(s.dataDir()); errors.Is(err, os.ErrNotExist) {
		if err := s.exec(ctx, "initdb", "-D", s.dataDir(), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync"); err != nil {
			return nil, s.cleanupAfter(err)
		}
	} else if s.exec(ctx, "pg_ctl", "status", "-D", s.dataDir()) == nil {
		// A server left running on this directory (its supervisor was killed) holds the
		// port and the data: stop it, so that this start serves with these options.
		if err := s.Stop(ctx); err != nil {
			return nil, err
		}
	}
	listen := ""
	if opts.Port != 0 {
		listen = "127.0.0.1"
	}
	serverOpts := fmt.Sprintf("-F -p %d -c listen_addresses='%s' -c unix_socket_directories='%s'", s.port, listen, s.dir)
	if err := s.exec(ctx, "pg_ctl", "start", "-D", s.dataDir(), "-l", s.LogFile(), "-w", "-s", "-o", serverOpts); err != nil {
		return nil, s.cleanupAfter(err)
	}
	return s, nil
}

func (s *Server) dataDir() string { return filepath.Join(s.dir, "data") }

// createLog creates the log file for the server's user, who appends to it.
func (s *Server) createLog() error {
	f, err := os.OpenFile(s.log, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	defer f.Close()
	if s.cred != nil {
		if err := f.Chown(int(s.cred.Uid), int(s.cred.Gid)); err != nil {
			return fmt.Errorf("start postgres: %w", err)
		}
	}
	return nil
}

// LogFile is the server's log.
func (s *Server) LogFile() string { return s.log }

// Port is the server's TCP port, or the number in its unix socket's name.
func (s *Server) Port() int { return s.port }

// PID is the running server's process id (the first line of data/postmaster.pid).
func (s *Server) PID() (int, error) {
	data, err := os.ReadFile(filepath.Join(s.dataDir(), "postmaster.pid"))
	if err != nil {
		return 0, fmt.Errorf("postgres pid: %w", err)
	}
	first, _, _ := strings.Cut(string(data), "\n")
	pid, err := strconv.Atoi(first)
	if err != nil {
		return 0, fmt.Errorf("postgres pid: %w", err)
	}
	return pid, nil
}

// Dir is the server's directory (data, socket, log).
func (s *Server) Dir() string { return s.dir }

// DSN connects to database db as postgres, over TCP when the server has a port, else
// over its unix socket.
func (s *Server) DSN(db string) string {
	host := s.dir
	if s.port != socketPort {
		host = "127.0.0.1"
	}
	return fmt.Sprintf("host=%s port=%d user=postgres dbname=%s sslmode=disable", host, s.port, db)
}

// URL is DSN as a postgres:// URL (no password: trust authentication).
func (s *Server) URL(db string) string {
	if s.port != socketPort {
		return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", s.port, url.PathEscape(db))
	}
	return fmt.Sprintf("postgres://postgres@/%s?host=%s&port=%d&sslmode=disable", url.PathEscape(db), url.QueryEscape(s.dir), s.port)
}

// exec runs one of the server binaries as the server's user, its output in the error.
func (s *Server) exec(ctx context.Context, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, filepath.Join(s.bin, name), args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %w: %s", name, err, out)
	}
	return nil
}

// cleanupAfter removes a temporary directory after a failed start, returning err.
func (s *Server) cleanupAfter(err error) error {
	if s.temp {
		return errors.Join(err, os.RemoveAll(s.dir))
	}
	return err
}

// NewDatabase creates an empty database with a new name and returns its name.
func (s *Server) NewDatabase(ctx context.Context) (string, error) {
	name := fmt.Sprintf("db_%d_%d", os.Getpid(), s.dbCount.Add(1))
	return name, s.admin(ctx, "create database "+name+" template template0")
}

// EnsureDatabase creates database name unless it exists, and says whether it did.
func (s *Server) EnsureDatabase(ctx context.Context, name string) (created bool, err error) {
	conn, err := pgx.Connect(ctx, s.DSN("postgres"))
	if err != nil {
		return false, fmt.Errorf("connect postgres: %w", err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, "select exists (select 1 from pg_database where datname = $1)", name).Scan(&exists); err != nil {
		return false, fmt.Errorf("find database %s: %w", name, err)
	}
	if exists {
		return false, nil
	}
	if _, err := conn.Exec(ctx, "create database "+pgx.Identifier{name}.Sanitize()+" template template0"); err != nil {
		return false, fmt.Errorf("create database %s: %w", name, err)
	}
	return true, nil
}

// DropDatabase drops database name, ending its connections.
func (s *Server) DropDatabase(ctx context.Context, name string) error {
	return s.admin(ctx, "drop database "+pgx.Identifier{name}.Sanitize()+" with (force)")
}

// admin runs one statement on the postgres database.
func (s *Server) admin(ctx context.Context, sql string) error {
	conn, err := pgx.Connect(ctx, s.DSN("postgres"))
	if err != nil {
		return fmt.Errorf("connect postgres: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		return fmt.Errorf("%s: %w", sql, err)
	}
	return nil
}

// Stop shuts the server down (fast: open sessions are ended) and waits for it to exit;
// a temporary directory is removed.
func (s *Server) Stop(ctx context.Context) error {
	if err := s.exec(ctx, "pg_ctl", "stop", "-D", s.dataDir(), "-m", "fast", "-w", "-s"); err != nil {
		return err
	}
	if s.temp {
		return os.RemoveAll(s.dir)
	}
	return nil
}
