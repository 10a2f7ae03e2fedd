package jobsecret

import (
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"filippo.io/edwards25519"
	"golang.org/x/crypto/chacha20poly1305"
)

// Sizes of the package's values.
const (
	KeySize   = 32
	TokenSize = 32
	// SealedSize is a sealed token's size: ephemeral public key, token, tag.
	SealedSize = KeySize + TokenSize + chacha20poly1305.Overhead
)

// info binds the derived AEAD key to this use; a new format gets a new version.
const info = "gpunet job token v1"

var (
	// ErrOpen is a sealed token that this key cannot open for this job: sealed to another
	// key, for another job, or altered.
	ErrOpen = errors.New("jobsecret: cannot open the sealed token")
	// ErrKey is a key that is not a valid one.
	ErrKey = errors.New("jobsecret: invalid key")
)

// Token is a job's Ray token.
type Token [TokenSize]byte

// String is the token as Ray reads it (RAY_AUTH_TOKEN_PATH): 64 lowercase hex digits.
func (t Token) String() string { return hex.EncodeToString(t[:]) }

// NewToken draws a token from rand (crypto/rand.Reader in production).
func NewToken(rand io.Reader) (Token, error) {
	var t Token
	_, err := io.ReadFull(rand, t[:])
	return t, err
}

// PublicKey is an X25519 public key: the one a token is sealed to.
type PublicKey [KeySize]byte

// PrivateKey is an X25519 private key (a clamped scalar).
type PrivateKey [KeySize]byte

// NewKey draws a renter's per-job key from rand.
func NewKey(rand io.Reader) (PrivateKey, error) {
	var seed [KeySize]byte
	if _, err := io.ReadFull(rand, seed[:]); err != nil {
		return PrivateKey{}, err
	}
	return clamp(seed), nil
}

// WalletMessage is the text a renter's wallet signs (Solana signMessage, ed25519) to derive
// its key for job: the same wallet and job always give the same key, and no other job's.
func WalletMessage(job [32]byte) []byte {
	return fmt.Appendf(nil, "gpunet job key v1\nSign to derive the key that receives this job's Ray token. It moves no funds.\njob: %x", job)
}

// KeyFromSignature is the key derived from a wallet's signature over WalletMessage(job):
// the first half of SHA-512(signature), clamped. Ed25519 signatures are deterministic, so
// the wallet can derive it again; the signature must be kept as secret as the key.
func KeyFromSignature(sig []byte) (PrivateKey, error) {
	if len(sig) != ed25519.SignatureSize {
		return PrivateKey{}, fmt.Errorf("%w: a signature of %d bytes, want %d", ErrKey, len(sig), ed25519.SignatureSize)
	}
	h := sha512.Sum512(sig)
	return clamp([KeySize]byte(h[:KeySize])), nil
}

// DeviceKey is a device's X25519 private key from its ed25519 key: SHA-512 of the seed,
// first half, clamped (libsodium's crypto_sign_ed25519_sk_to_curve25519).
func DeviceKey(key ed25519.PrivateKey) (PrivateKey, error) {
	if len(key) != ed25519.PrivateKeySize {
		return PrivateKey{}, fmt.Errorf("%w: an ed25519 key of %d bytes, want %d", ErrKey, len(key), ed25519.PrivateKeySize)
	}
	h := sha512.Sum512(key.Seed())
	return clamp([KeySize]byte(h[:KeySize])), nil
}

// DevicePublicKey is a device's X25519 public key from its ed25519 public key (its address
// on chain): the birational map u = (1 + y) / (1 - y) (libsodium's
// crypto_sign_ed25519_pk_to_curve25519). A point that is not on the curve is refused.
func DevicePublicKey(key ed25519.PublicKey) (PublicKey, error) {
	p, err := new(edwards25519.Point).SetBytes(key)
	if err != nil {
		return PublicKey{}, fmt.Errorf("%w: device key: %v", ErrKey, err)
	}
	u := PublicKey(p.BytesMontgomery())
	if u == (PublicKey{}) {
		return PublicKey{}, fmt.Errorf("%w: device key maps to a low-order point", ErrKey)
	}
	return u, nil
}

// Public is the key's public half.
func (k PrivateKey) Public() PublicKey {
	priv, err := ecdh.X25519().NewPrivateKey(k[:])
	if err != nil {
		panic(err) // every 32-byte string is an X25519 private key
	}
	return PublicKey(priv.PublicKey().Bytes())
}

// Seal seals token to the key to for job, with an ephemeral key drawn from rand.
func Seal(rand io.Reader, token Token, to PublicKey, job [32]byte) ([]byte, error) {
	eph, err := NewKey(rand)
	if err != nil {
		return nil, err
	}
	ephPub := eph.Public()
	aead, err := aeadFor(eph, to, ephPub, to)
	if err != nil {
		return nil, err
	}
	out := append(make([]byte, 0, SealedSize), ephPub[:]...)
	return aead.Seal(out, make([]byte, chacha20poly1305.NonceSize), token[:], job[:]), nil
}

// Open opens a token sealed to key for job; anything else is ErrOpen.
func Open(key PrivateKey, sealed []byte, job [32]byte) (Token, error) {
	if len(sealed) != SealedSize {
		return Token{}, fmt.Errorf("%w: %d bytes, want %d", ErrOpen, len(sealed), SealedSize)
	}
	eph := PublicKey(sealed[:KeySize])
	aead, err := aeadFor(key, eph, eph, key.Public())
	if err != nil {
		return Token{}, fmt.Errorf("%w: %v", ErrOpen, err)
	}
	var t Token
	if _, err := aead.Open(t[:0], make([]byte, chacha20poly1305.NonceSize), sealed[KeySize:], job[:]); err != nil {
		return Token{}, ErrOpen
	}
	return t, nil
}

// aeadFor is the AEAD keyed by X25519(priv, peer), salted with both public keys.
func aeadFor(priv PrivateKey, peer, ephPub, recipient PublicKey) (cipher.AEAD, error) {
	sk, err := ecdh.X25519().NewPrivateKey(priv[:])
	if err != nil {
		return nil, err
	}
	pk, err := ecdh.X25519().NewPublicKey(peer[:])
	if err != nil {
		return nil, err
	}
	shared, err := sk.ECDH(pk) // refuses a low-order peer (an all-zero secret)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKey, err)
	}
	key, err := hkdf.Key(sha256.New, shared, append(ephPub[:], recipient[:]...), info, chacha20poly1305.KeySize)
	if err != nil {
		return nil, err
	}
	return chacha20poly1305.New(key)
}

func clamp(k [KeySize]byte) PrivateKey {
	k[0] &= 248
	k[31] &= 127
	k[31] |= 64
	return PrivateKey(k)
}
