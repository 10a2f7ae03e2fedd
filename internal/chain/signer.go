package chain

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gagliardetto/solana-go"

	"github.com/gpunet/gpunet/internal/keyfile"
)

// Signer signs transaction messages for one public key. A solana.PrivateKey is one; so are a
// keypair file (LoadKeypair) and a signature made elsewhere (Presigned).
type Signer interface {
	PublicKey() solana.PublicKey
	Sign(message []byte) (solana.Signature, error)
}

// keypairSigner is a key loaded from a Solana CLI keypair file. Its String names the file and
// the public key, never the secret, so logging a Signer cannot leak it.
type keypairSigner struct {
	key  solana.PrivateKey
	path string
}

func (s keypairSigner) PublicKey() solana.PublicKey { return s.key.PublicKey() }

func (s keypairSigner) Sign(message []byte) (solana.Signature, error) { return s.key.Sign(message) }

func (s keypairSigner) String() string { return fmt.Sprintf("keypair %s (%s)", s.path, s.PublicKey()) }

// LoadKeypair returns the signer of a Solana CLI keypair file (which must be mode 0600).
func LoadKeypair(path string) (Signer, error) {
	key, err := keyfile.Load(path)
	if err != nil {
		return nil, err
	}
	return keypairSigner{key: key, path: path}, nil
}

// ErrPresignedMismatch is a presigned signature that does not sign the message being signed:
// the transaction changed (another blockhash, another instruction) since it was signed.
var ErrPresignedMismatch = errors.New("presigned signature does not match the transaction")

type presigned struct {
	key solana.PublicKey
	sig solana.Signature
}

// Presigned is an offline signer: a signature that pubkey's wallet made over the transaction
// elsewhere (the Solana CLI's --signer PUBKEY=SIGNATURE). Signing a different message fails
// with ErrPresignedMismatch.
func Presigned(pubkey solana.PublicKey, sig solana.Signature) Signer {
	return presigned{key: pubkey, sig: sig}
}

// ParsePresigned reads "PUBKEY=SIGNATURE" (both base58), as the Solana CLI prints and takes it.
func ParsePresigned(s string) (Signer, error) {
	k, v, ok := strings.Cut(s, "=")
	if !ok {
		return nil, fmt.Errorf("presigner %q: want PUBKEY=SIGNATURE", s)
	}
	key, err := solana.PublicKeyFromBase58(k)
	if err != nil {
		return nil, fmt.Errorf("presigner public key: %w", err)
	}
	sig, err := solana.SignatureFromBase58(v)
	if err != nil {
		return nil, fmt.Errorf("presigner signature: %w", err)
	}
	return Presigned(key, sig), nil
}

func (p presigned) PublicKey() solana.PublicKey { return p.key }

func (p presigned) Sign(message []byte) (solana.Signature, error) {
	if !p.sig.Verify(p.key, message) {
		return solana.Signature{}, fmt.Errorf("%s: %w", p.key, ErrPresignedMismatch)
	}
	return p.sig, nil
}

func (p presigned) String() string { return fmt.Sprintf("%s=%s", p.key, p.sig) }
