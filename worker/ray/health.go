package ray

import (
	"context"

	"github.com/gpunet/gpunet/internal/raystate"
)

// Members are the member nodes alive in the head's cluster, by IP, read from the head's
// dashboard (Ray's state API, with the token): for the head's heartbeats, which the oracles
// compare with each member's own report.
func (n *Node) Members(ctx context.Context) ([]raystate.Member, error) {
	if !n.Spec.Head {
		return nil, ErrNotHead
	}
	return raystate.Members(ctx, n.Spec.DashboardURL(), n.token)
}
