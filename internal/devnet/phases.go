package devnet

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gpunet/gpunet/internal/harness"
	"github.com/gpunet/gpunet/internal/pg"
)

// startPostgres starts the dev PostgreSQL on its port with its data kept in cfg.PGDir, its
// log in postgres.log, and creates the daemons' databases where missing.
func (s *supervisor) startPostgres() (string, error) {
	port := s.cfg.PGPort
	if port == 0 {
		var err error
		if port, err = harness.FreePort(); err != nil {
			return "", err
		}
	}
	srv, err := pg.Start(s.ctx, pg.Options{Dir: s.cfg.PGDir, Port: port, Log: filepath.Join(s.logs, "postgres.log")})
	if err != nil {
		return "", fmt.Errorf("start PostgreSQL: %w (its log: %s)", err, s.cfg.rel(filepath.Join(s.logs, "postgres.log")))
	}
	s.pg = srv
	env := Env{RPCURL: s.node.RPCURL, WSURL: s.node.WSURL, KeysDir: s.cfg.KeysDir, WorkersDir: s.cfg.WorkersDir, Postgres: srv, Net: s.net,
		FreePorts: s.cfg.FreeDaemonPorts}
	if ray := filepath.Join(s.cfg.Root, "target", "venv", "ray", "bin", "ray"); exists(ray) {
		env.Ray = ray
	}
	s.daemons = s.cfg.Daemons(env)
	var created, kept []string
	for _, d := range s.daemons {
		if d.Database == "" {
			continue
		}
		c, err := srv.EnsureDatabase(s.ctx, d.Database)
		if err != nil {
			return "", err
		}
		if c {
			created = append(created, d.Database)
		} else {
			kept = append(kept, d.Database)
		}
	}
	result := fmt.Sprintf("ready on %s, data in %s", listenAddr(port), s.cfg.rel(s.cfg.PGDir))
	if len(created) > 0 {
		result += "; created " + strings.Join(created, ", ")
	}
	if len(kept) > 0 {
		result += "; kept " + strings.Join(kept, ", ")
	}
	if env.Ray == "" {
		result += "; the Ray venv is missing (make deps makes it): the workers accept no jobs"
	}
	return result, nil
}

// Skipped is a daemon entry that did not run, and why.
type Skipped struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// prepareDaemons picks the daemons whose binary is built (the others are skipped), creates
// their keys and runs their Prepare (a worker registers its device), in order.
func (s *supervisor) prepareDaemons() (string, error) {
	var prepared []string
	for _, d := range s.daemons {
		if _, err := os.Stat(d.binPath(s.cfg.Root)); err != nil {
			s.skipped = append(s.skipped, Skipped{Name: d.Name, Reason: d.Bin + " not built"})
			continue
		}
		s.built = append(s.built, d)
		begin := time.Now()
		result, err := d.prepare(s.ctx, s.cfg.Root, s.logs)
		if err != nil {
			return "", err
		}
		if result != "" {
			prepared = append(prepared, fmt.Sprintf("%s %s %.1fs", d.Name, result, time.Since(begin).Seconds()))
		}
	}
	result := "keys ready"
	if len(prepared) > 0 {
		result += "; " + strings.Join(prepared, "; ")
	}
	return result, nil
}

// startDaemons starts the built daemons in order, each ready before the next starts.
func (s *supervisor) startDaemons() (string, error) {
	s.exited = make(chan *process, len(s.built))
	var ready []string
	for _, d := range s.built {
		begin := time.Now()
		p, err := d.start(s.cfg.Root, s.logs, s.exited)
		if err != nil {
			return "", err
		}
		s.procs = append(s.procs, p)
		if err := p.ready(s.ctx, s.cfg.rel); err != nil {
			return "", err
		}
		ready = append(ready, fmt.Sprintf("%s %.1fs", d.Name, time.Since(begin).Seconds()))
	}
	result := "none built"
	if len(ready) > 0 {
		result = "ready: " + strings.Join(ready, ", ")
	}
	if len(s.skipped) > 0 {
		names := make([]string, len(s.skipped))
		for i, k := range s.skipped {
			names[i] = k.Name
		}
		result += "; skipped (not built): " + strings.Join(names, ", ")
	}
	return result, nil
}

// exists reports whether path names a file.
func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
