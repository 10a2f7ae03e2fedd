// Package jobrelay is the client of the oracles' job relay (wire.JobsPath), shared by the
// worker, the oracle's tests and the renter's CLI: the renter publishes its job's spec
// (PublishSpec), each hired device its Ray node (Announce), and anyone reads a job's board
// (Board, Gather).
//
// A relay is not trusted: Board checks every entry it is given against what the caller read of
// the job on the chain (Expect: the spec's SHA-256 is the job's requirements_hash; a node is
// signed by the device it names, for the job and the slot it is filed under, and that slot
// holds the device's registry Device) and refuses a board with any entry that does not check
// (ErrTampered). A relay can still withhold entries, so a reader asks several oracles
// and Gather keeps the newest verified entry of each.
package jobrelay
