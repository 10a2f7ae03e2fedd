package ray

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
)

// Member is a member node that the head sees alive.
type Member struct {
	ID string // Ray's node id (hex)
	IP string // the address it advertises: its worker's
}

// Members are the member nodes alive in the head's cluster, by IP, read from the head's
// dashboard (Ray's state API, with the token): for the head's heartbeats, which the oracles
// compare with each member's own report.
func (n *Node) Members(ctx context.Context) ([]Member, error) {
	if !n.Spec.Head {
		return nil, ErrNotHead
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, n.Spec.DashboardURL()+"/api/v0/nodes?limit=10000&detail=false", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+n.token.String())
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
		return nil, fmt.Errorf("ray nodes: %s: %s", resp.Status, lastLines(string(body), 1))
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
