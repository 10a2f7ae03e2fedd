package scheduler

import (
	"bytes"
	"cmp"
	"math/bits"
	"slices"
)

// Index holds candidates arranged for matching: by hardware model, then by co-location group
// (region and bandwidth tier), each group's devices that pass every request-independent check
// (hireable, not offline) sorted by rank once per mint, and the others counted by reason. A
// match then skips whole groups for region and tier and scans the rest without sorting. It
// is read-only once built, so any number of goroutines may match against it.
type Index struct {
	cands   []Candidate
	classes map[uint32]*class
}

type class struct {
	total  int
	groups []group // by region, then tier
}

// group is the devices of one class in one region and bandwidth tier.
type group struct {
	region uint16
	tier   uint8
	size   int
	// standing counts the devices excluded before any request is seen, by reason.
	standing [numReasons]int
	// ranked are the others, best first, once per mint.
	ranked [2][]entry
}

// entry is what a match reads of a candidate, packed so a scan stays in cache.
type entry struct {
	ask        uint64
	throughput uint64
	vram       uint32
	reputation uint16
	takes      bool // takes jobs in the mint at all
	i          int32
}

// NewIndex arranges candidates for matching; it keeps the slice (do not change it after).
func NewIndex(candidates []Candidate) *Index {
	x := &Index{cands: candidates, classes: map[uint32]*class{}}
	type key struct {
		model  uint32
		region uint16
		tier   uint8
	}
	groups := map[key]*group{}
	for i := range candidates {
		c := &candidates[i]
		k := key{c.Spec.HardwareModel, c.Spec.Region, c.Spec.BandwidthTier}
		g := groups[k]
		if g == nil {
			g = &group{region: k.region, tier: k.tier}
			groups[k] = g
		}
		g.size++
		if r := standing(c); r != numReasons {
			g.standing[r]++
			continue
		}
		for m := range g.ranked {
			ask, takes := c.ask(Mint(m))
			g.ranked[m] = append(g.ranked[m], entry{ask: ask, throughput: c.Throughput, vram: c.Spec.VramGib,
				reputation: c.Reputation, takes: takes, i: int32(i)})
		}
	}
	for k, g := range groups {
		for m := range g.ranked {
			slices.SortFunc(g.ranked[m], x.compare)
		}
		cl := x.classes[k.model]
		if cl == nil {
			cl = &class{}
			x.classes[k.model] = cl
		}
		cl.total += g.size
		cl.groups = append(cl.groups, *g)
	}
	for _, cl := range x.classes {
		slices.SortFunc(cl.groups, func(a, b group) int {
			return cmp.Or(cmp.Compare(a.region, b.region), cmp.Compare(a.tier, b.tier))
		})
	}
	return x
}

// compare ranks two entries of one mint: the lower price per attested throughput first (a
// device without attested throughput after every device with one, the cheaper first), then
// the higher reputation, then the lower address, so the order is total.
func (x *Index) compare(a, b entry) int {
	if c := comparePerThroughput(a, b); c != 0 {
		return c
	}
	if a.reputation != b.reputation {
		return cmp.Compare(b.reputation, a.reputation)
	}
	return bytes.Compare(x.cands[a.i].Address[:], x.cands[b.i].Address[:])
}

// comparePerThroughput compares a.ask/a.throughput with b.ask/b.throughput exactly, as the
// 128-bit products a.ask x b.throughput and b.ask x a.throughput: no overflow, no rounding.
func comparePerThroughput(a, b entry) int {
	if (a.throughput == 0) != (b.throughput == 0) {
		if a.throughput == 0 {
			return 1
		}
		return -1
	}
	if a.throughput == 0 {
		return cmp.Compare(a.ask, b.ask)
	}
	ahi, alo := bits.Mul64(a.ask, b.throughput)
	bhi, blo := bits.Mul64(b.ask, a.throughput)
	return cmp.Or(cmp.Compare(ahi, bhi), cmp.Compare(alo, blo))
}

// Match matches req against candidates (an Index built for one request).
func Match(req Request, candidates []Candidate) (*Result, error) {
	return NewIndex(candidates).Match(req)
}

// pick is one group's part of a match: its first matches (at most Count) in rank order.
type pick struct {
	g       *group
	matched int
	first   []entry
}

// Match answers req: every device of req.Class counted once, as matching or under the first
// reason that excludes it; and the selection, co-located first. Groups are taken in this
// order: those that can fill the request alone, the one whose Count-th best device (the
// dearest the job would take) ranks best first; then the others, larger first, then by their
// best device; region and tier break the remaining ties. The result is the same for the same
// candidates and request, whatever their order.
func (x *Index) Match(req Request) (*Result, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	res := &Result{Request: req, Exclusions: []Exclusion{}, Devices: []Device{}}
	cl := x.classes[req.Class]
	if cl == nil {
		return res, nil
	}
	res.Considered = cl.total
	var excluded [numReasons]int
	var picks []pick
	for gi := range cl.groups {
		g := &cl.groups[gi]
		if req.Region != 0 && g.region != req.Region {
			excluded[OtherRegion] += g.size
			continue
		}
		if req.Tier != nil && g.tier > *req.Tier {
			excluded[SlowerTier] += g.size
			continue
		}
		for r, n := range g.standing {
			excluded[r] += n
		}
		p := pick{g: g}
		for _, e := range g.ranked[req.Mint] {
			switch {
			case e.vram < req.MinVRAM:
				excluded[TooLittleVRAM]++
			case !e.takes:
				excluded[RefusesMint]++
			case e.ask > req.MaxPrice:
				excluded[AbovePrice]++
			case e.reputation < req.MinReputation:
				excluded[LowReputation]++
			default:
				p.matched++
				if len(p.first) < req.Count {
					p.first = append(p.first, e)
				}
			}
		}
		if p.matched > 0 {
			picks = append(picks, p)
			res.Matched += p.matched
		}
	}
	for r, n := range excluded {
		if n > 0 {
			res.Exclusions = append(res.Exclusions, Exclusion{Reason: Reason(r), Count: n})
		}
	}
	slices.SortFunc(picks, func(a, b pick) int {
		aFills, bFills := len(a.first) == req.Count, len(b.first) == req.Count
		switch {
		case aFills && bFills:
			if c := x.compare(a.first[req.Count-1], b.first[req.Count-1]); c != 0 {
				return c
			}
		case aFills != bFills:
			if aFills {
				return -1
			}
			return 1
		case a.matched != b.matched:
			return cmp.Compare(b.matched, a.matched)
		}
		return cmp.Or(x.compare(a.first[0], b.first[0]), cmp.Compare(a.g.region, b.g.region), cmp.Compare(a.g.tier, b.g.tier))
	})
	for gi, p := range picks {
		for _, e := range p.first {
			if len(res.Devices) == req.Count {
				return res, nil
			}
			res.Devices = append(res.Devices, Device{Candidate: x.cands[e.i], Ask: e.ask, Group: gi})
		}
	}
	return res, nil
}
