"""The worker's proof-of-compute multiply helper (the Go side: worker/gpuhelper).

Started once by the worker and kept running. It writes one line, "ready <backend>\n", or a
reason on stderr and exits 1. Then, per request on stdin:

    u32le n || A (n*n int8, row-major) || B (n*n int8, column-major)

it answers on stdout

    u32le n || u32le 4*n*n || C (n*n int32 little-endian, row-major)

exactly in int32 (internal/poc/README.md). EOF on stdin ends it; any error ends it with a
line on stderr, and the worker starts a new one.
"""
import argparse
import struct
import sys

import numpy as np

MAX_N = 65536


def read_exact(f, size):
    # writable, so torch.from_numpy takes it without a warning
    buf = bytearray(size)
    view, got = memoryview(buf), 0
    while got < size:
        k = f.readinto(view[got:])
        if not k:
            raise EOFError(f"short read: {got} of {size} bytes")
        got += k
    return buf


def numpy_mm(a, bt):
    # numpy's integer matmul has no BLAS: exact, and slow.
    return a.astype(np.int32) @ bt.T.astype(np.int32)


def cuda_mm():
    try:
        import torch
    except ImportError:
        sys.exit("gpunet_poc: --device cuda: torch is not installed (pip install -r requirements-gpu.txt)")
    if not torch.cuda.is_available():
        sys.exit(f"gpunet_poc: --device cuda: torch {torch.__version__} sees no CUDA device")
    dev = torch.device("cuda")

    def mm(a, bt):
        # _int_mm: int8 x int8 -> int32 on the tensor cores; B^T's rows are B's columns,
        # so B is bt transposed (a column-major view, the layout cuBLASLt wants). It wants
        # more than 16 rows of A: n = 16 gets 16 zero rows, cut off again.
        n = a.shape[0]
        ga = torch.from_numpy(a).to(dev)
        if n <= 16:
            ga = torch.cat([ga, torch.zeros_like(ga)])
        gb = torch.from_numpy(bt).to(dev).t()
        return torch._int_mm(ga, gb)[:n].cpu().numpy()

    return mm, "cuda " + torch.cuda.get_device_name(dev)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    args = p.parse_args()
    mm, name = (numpy_mm, "numpy") if args.device == "cpu" else cuda_mm()
    out, inp = sys.stdout.buffer, sys.stdin.buffer
    out.write(f"ready {name}\n".encode())
    out.flush()
    while True:
        head = inp.read(4)
        if not head:
            return
        if len(head) < 4:
            raise EOFError(f"short read: {len(head)} of 4 bytes")
        (n,) = struct.unpack("<I", head)
        if n < 16 or n > MAX_N or n % 16:
            sys.exit(f"gpunet_poc: n = {n}: want a multiple of 16 in [16, {MAX_N}]")
        a = np.frombuffer(read_exact(inp, n * n), dtype=np.int8).reshape(n, n)
        bt = np.frombuffer(read_exact(inp, n * n), dtype=np.int8).reshape(n, n)
        c = np.ascontiguousarray(mm(a, bt), dtype="<i4")
        out.write(struct.pack("<II", n, c.nbytes))
        out.write(memoryview(c).cast("B"))
        out.flush()


if __name__ == "__main__":
    try:
        main()
    except (EOFError, BrokenPipeError) as e:
        sys.exit(f"gpunet_poc: {e}")
