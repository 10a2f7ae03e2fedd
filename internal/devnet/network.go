package devnet

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Network is target/dev/network.json: what a running make dev serves. Paths are absolute.
type Network struct {
	PID       int               `json:"pid"` // the supervisor's
	StartedAt time.Time         `json:"started_at"`
	Services  []Service         `json:"services"`
	Keys      Keys              `json:"keys"`
	Programs  map[string]string `json:"programs"` // program name -> id
	Logs      string            `json:"logs"`     // this start's log directory
	// Databases are the dev PostgreSQL's databases: name -> URL (no password: trust).
	Databases map[string]string `json:"databases"`
	// Skipped are the daemon entries that do not run (their binary is not built).
	Skipped []Skipped `json:"skipped,omitempty"`
	// Renter is the DEV-ONLY renter wallet, funded with SOL, IO and IOSD.
	Renter *Renter `json:"renter,omitempty"`
}

// Service is one process of the dev network and where it listens.
type Service struct {
	Name string `json:"name"`
	URL  string `json:"url"`
	Port int    `json:"port"`
	PID  int    `json:"pid"`
	Log  string `json:"log"`
	// API is the URL of the API it serves besides /healthz (an oracle's, for the workers).
	API string `json:"api,omitempty"`
	// Keys are the DEV-ONLY key files it reads.
	Keys []string `json:"keys,omitempty"`
}

// Keys are the DEV-ONLY key files (Solana CLI format, mode 0600).
type Keys struct {
	Dir   string   `json:"dir"`
	Files []string `json:"files"`
}

// keyFiles lists the key files in dir, sorted.
func keyFiles(dir string) (Keys, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return Keys{}, err
	}
	slices.Sort(files)
	return Keys{Dir: dir, Files: files}, nil
}

// write replaces path with n, atomically so that a reader never sees half a file.
func (n *Network) write(path string) error {
	data, err := json.MarshalIndent(n, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("write network.json: %w", err)
	}
	return os.Rename(tmp, path)
}

// ReadNetwork reads a network.json.
func ReadNetwork(path string) (*Network, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read network.json: %w", err)
	}
	var n Network
	if err := json.Unmarshal(data, &n); err != nil {
		return nil, fmt.Errorf("read network.json: %w", err)
	}
	return &n, nil
}

// PrintTable writes the services and the key files as a table, paths relative to the root.
func (n *Network) PrintTable(w io.Writer, c Config) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tURL\tPORT\tPID\tAPI\tLOG")
	for _, s := range n.Services {
		api := s.API
		if api == "" {
			api = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\n", s.Name, s.URL, s.Port, s.PID, api, c.rel(s.Log))
	}
	for _, s := range n.Skipped {
		fmt.Fprintf(tw, "%s\t-\t-\t-\t-\tskipped: %s\n", s.Name, s.Reason)
	}
	tw.Flush()
	names := make([]string, len(n.Keys.Files))
	for i, f := range n.Keys.Files {
		names[i] = strings.TrimSuffix(filepath.Base(f), ".json")
	}
	fmt.Fprintf(w, "\nDEV-ONLY keys (never use them on a real cluster) in %s/:\n  %s\n", c.rel(n.Keys.Dir), strings.Join(names, " "))
	for _, s := range n.Services {
		var own []string
		for _, k := range s.Keys {
			if filepath.Dir(k) != n.Keys.Dir {
				own = append(own, c.rel(k))
			}
		}
		if len(own) > 0 {
			fmt.Fprintf(w, "  %s's own: %s\n", s.Name, strings.Join(own, " "))
		}
	}
	if n.Renter != nil {
		fmt.Fprintf(w, "  dev renter %s: %s (`gpunet jobs -k %[2]s`)\n", n.Renter.Address, c.rel(n.Renter.Key))
	}
	databases := make([]string, 0, len(n.Databases))
	for name, url := range n.Databases {
		databases = append(databases, name+" "+url)
	}
	slices.Sort(databases)
	if len(databases) > 0 {
		fmt.Fprintf(w, "databases:\n  %s\n", strings.Join(databases, "\n  "))
	}
	programs := make([]string, 0, len(n.Programs))
	for name, id := range n.Programs {
		programs = append(programs, fmt.Sprintf("%s %s", name, id))
	}
	slices.Sort(programs)
	fmt.Fprintf(w, "programs: %s\n", strings.Join(programs, ", "))
	fmt.Fprintf(w, "written to %s; `make down` or Ctrl-C stops it, `make reset` also wipes the chain and PostgreSQL's data.\n", c.rel(c.networkPath()))
}
