# An independent reference of the proof-of-compute spec (internal/poc/README.md), written apart
# from the Go code, that printed the spec vectors poc_test.go checks. Any other implementation
# (a GPU helper) can check itself the same way: python3 reference.py (needs `cryptography`).
import hashlib, struct
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
seed = bytes(range(32)); dev = bytes(range(32, 64))
def key(n): return hashlib.sha256(b"gpunet/poc/v1" + seed + dev + struct.pack("<I", n)).digest()
def ks(k, s, off, ln):
    cb = bytes([s]) + b"\0"*7 + struct.pack(">Q", off // 16)
    e = Cipher(algorithms.AES(k), modes.CTR(cb)).encryptor()
    return e.update(b"\0"*ln)
def i8(bs): return [b - 256 if b > 127 else b for b in bs]
def root(n):
    k = key(n)
    A = [i8(ks(k, 0, i*n, n)) for i in range(n)]
    B = [i8(ks(k, 1, j*n, n)) for j in range(n)]
    C = [[sum(a*b for a, b in zip(A[i], B[j])) for j in range(n)] for i in range(n)]
    flat = [v for row in C for v in row]
    lvl = [hashlib.sha256(b"\0" + struct.pack("<16i", *flat[x:x+16])).digest() for x in range(0, len(flat), 16)]
    while len(lvl) > 1:
        up = [hashlib.sha256(b"\1" + lvl[x] + lvl[x+1]).digest() for x in range(0, len(lvl) - 1, 2)]
        if len(lvl) % 2: up.append(lvl[-1])
        lvl = up
    return lvl[0].hex(), C[0][0], C[n-1][n-1]
for n in (16, 48):
    print(n, "key", key(n).hex())
    print(n, "root", root(n))
k = key(1024)
print("1024 key", key(1024).hex())
print("1024 A row0", ks(k, 0, 0, 16).hex())
print("1024 B col0", ks(k, 1, 0, 16).hex())
print("1024 A row3", ks(k, 0, 3*1024, 16).hex())
print("1024 B col1023", ks(k, 1, 1023*1024, 16).hex())
