// Package scheduler matches a renter's request ("N devices of this class, this region, H hours,
// at most this price") to the devices that can serve it: ranked by price per attested
// throughput, then reputation, grouped so a cluster stays in one region and bandwidth tier,
// with an explanation of which constraint excluded how many devices, and the cost the escrow
// would charge. It is pure (no chain, no database, no network): candidates come from a
// Source, which the chain (internal/candidates) or the explorer API implement. See README.md.
package scheduler
