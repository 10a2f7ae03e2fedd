// Package poc is gpunet's proof of compute: a device proves it multiplied two n x n int8
// matrices that nobody could know before the challenge, and the verifier checks it in
// milliseconds. It is the whole protocol and nothing else: the worker proves with it (Prove,
// Tree.Open), the oracle verifies with it (Draw, Challenge.Verify); messages, signatures,
// deadlines and scores live in those daemons. Pure: no I/O.
//
// The spec, bit-exact so any implementation (a CUDA helper, another oracle) can check itself
// against the vectors in poc_test.go, and the soundness argument are in README.md.
package poc
