package scheduler

import (
	"math/rand/v2"
	"testing"
)

// The figure: 100,000 devices, 10,000 distinct random requests on one core (run
// with -cpu 1) in under 1 s. One op of BenchmarkMatch is the 10,000 requests, so its ns/op is
// the figure; the index is built once, outside the timer, and BenchmarkIndexBuild times it
// alone.
const benchDevices, benchRequests = 100_000, 10_000

func BenchmarkIndexBuild(b *testing.B) {
	cands := randomCandidates(rand.New(rand.NewPCG(7, 8)), benchDevices)
	for b.Loop() {
		NewIndex(cands)
	}
}

func BenchmarkMatch(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 8))
	x := NewIndex(randomCandidates(rng, benchDevices))
	requests := make([]Request, benchRequests)
	for i := range requests {
		requests[i] = randomRequest(rng)
	}
	var selected int
	for b.Loop() {
		selected = 0
		for _, r := range requests {
			res, err := x.Match(r)
			if err != nil {
				b.Fatal(err)
			}
			selected += len(res.Devices)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/10k-requests")
	b.ReportMetric(float64(selected)/benchRequests, "devices/request")
}
