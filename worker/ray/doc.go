// Package ray runs a job's Ray node on a worker: the head on the job's first slot, a member
// on the others, always in a sandbox (bubblewrap: its own mount and pid namespaces, an
// unprivileged uid of its own, pids and memory cgroups, size-limited tmpfs; the host's
// network). Each node has its own pinned ports and directory (the token file, a state file),
// advertises the worker's configured address, and requires the job's token
// (RAY_AUTH_MODE=token, read from a file, never argv or logs). Stop ends this node's sandbox
// only, never every Ray process of the machine. README.md has the ports, the sandbox and the
// token flow.
package ray
