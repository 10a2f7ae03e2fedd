// Package ray runs a job's Ray node on a worker: the head on the job's first slot, a member
// on the others. Each node has its own pinned ports, its own directory under the worker's
// state dir (Ray's temp dir, the token file, a state file), advertises the worker's
// configured address, and requires the job's token (RAY_AUTH_MODE=token, read from a 0600
// file, never argv or logs). Stop ends this node's processes only (its process group), never
// every Ray process of the machine. README.md has the ports, processes and token flow.
package ray
