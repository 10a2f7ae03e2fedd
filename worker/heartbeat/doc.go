// Package heartbeat sends the worker's signed heartbeats to the registry's oracles: one
// goroutine per oracle, so a slow or dead oracle delays no other (nor anything else the worker
// does), a sequence that strictly increases across restarts, and answers trusted only when a
// key of the registry's oracle set signed them.
package heartbeat
