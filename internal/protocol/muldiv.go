package protocol

import "math/bits"

// mulDiv is floor(a x b / c) with a 128-bit product (gp_mul_div_u64); false when c is 0 or
// the quotient does not fit 64 bits.
func mulDiv(a, b, c uint64) (uint64, bool) {
	q, _, ok := mulDivRem(a, b, c)
	return q, ok
}

// mulDivCeil is ceil(a x b / c) with a 128-bit product (gp_mul_div_ceil_u64).
func mulDivCeil(a, b, c uint64) (uint64, bool) {
	q, r, ok := mulDivRem(a, b, c)
	if !ok || (r != 0 && q == ^uint64(0)) {
		return 0, false
	}
	if r != 0 {
		q++
	}
	return q, true
}

func mulDivRem(a, b, c uint64) (q, r uint64, ok bool) {
	hi, lo := bits.Mul64(a, b)
	if c == 0 || hi >= c {
		return 0, 0, false
	}
	q, r = bits.Div64(hi, lo, c)
	return q, r, true
}

// mulDivOr is mulDiv, failing with overflow (the calling program's ArithmeticOverflow).
func mulDivOr(overflow error, a, b, c uint64) (uint64, error) {
	q, ok := mulDiv(a, b, c)
	if !ok {
		return 0, overflow
	}
	return q, nil
}

// sumOr is the sum of xs, failing with overflow as gp_add_u64 does.
func sumOr(overflow error, xs ...uint64) (uint64, error) {
	var total uint64
	for _, x := range xs {
		var carry uint64
		total, carry = bits.Add64(total, x, 0)
		if carry != 0 {
			return 0, overflow
		}
	}
	return total, nil
}
