// Package raystate reads a Ray cluster's state from its head's dashboard (Ray's state API),
// authenticated with the job's token: which member nodes are alive. The head's worker reports
// it in its heartbeats; a renter's deploy waits on it.
package raystate

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/gpunet/gpunet/internal/jobsecret"
)

// Member is a member node that the head sees alive.
type Member struct {
	ID string // Ray's node id (hex)
	IP string // the address it advertises: its worker's
}

// Members are the member nodes alive in the cluster of the head whose dashboard is at
// dashboardURL, asked with the job's token: what the head's worker reports, and what a renter
// waits for.
func Members(ctx context.Context, dashboardURL string, token jobsecret.Token) ([]Member, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, dashboardURL+"/api/v0/nodes?limit=10000&detail=false", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token.String())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("ray nodes: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, fmt.Errorf("ray nodes: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("ray nodes: %s: %.200s", resp.Status, strings.TrimSpace(string(body)))
	}
	var r struct {
		Result bool   `json:"result"`
		Msg    string `json:"msg"`
		Data   struct {
			Result struct {
				Result []struct {
					NodeID string `json:"node_id"`
					NodeIP string `json:"node_ip"`
					IsHead bool   `json:"is_head_node"`
					State  string `json:"state"`
				} `json:"result"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("ray nodes: %w", err)
	}
	if !r.Result {
		return nil, fmt.Errorf("ray nodes: %s", r.Msg)
	}
	var out []Member
	for _, node := range r.Data.Result.Result {
		if !node.IsHead && node.State == "ALIVE" {
			out = append(out, Member{ID: node.NodeID, IP: node.NodeIP})
		}
	}
	slices.SortFunc(out, func(a, b Member) int { return strings.Compare(a.IP+a.ID, b.IP+b.ID) })
	return out, nil
}
