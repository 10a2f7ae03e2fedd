package ray

// PGID is the node's process group.
func (n *Node) PGID() int { return n.pgid }

// Dir is the directory of job's node.
func (r *Runner) Dir(job string) (string, error) { return r.dir(job) }
