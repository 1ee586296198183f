// Package seal encrypts the credentials Palisade stores (kubeconfigs, registry passwords,
// SSH keys, webhook secrets) with AES-256-GCM. A sealed value names the key that sealed it,
// so that after a rotation old values still open with a previous key until re-sealed.
// Every value is bound to a context string (e.g. "target:42:credentials") as GCM additional
// data, so a sealed value copied into another row does not open there.
package seal

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the AES-256 key length in bytes.
const KeySize = 32

// version 1 layout: "pal1" | key id (8) | nonce (12) | ciphertext+tag.
var magic = []byte("pal1")

const keyIDSize = 8

// ErrOpen is returned for any value that does not open: wrong key, tampering, wrong context.
// GCM cannot tell these apart, and telling an attacker which one it was would not help us.
var ErrOpen = errors.New("sealed value does not open: wrong key, wrong context or tampered")

// ErrUnknownKey means the value was sealed with a key this Sealer does not hold.
var ErrUnknownKey = errors.New("sealed with a key that is not configured (add it to secrets.previous_keys)")

// Key is an AES-256 key and its short identifier.
type Key struct {
	id  [keyIDSize]byte
	gcm cipher.AEAD
}

// ParseKey reads a base64 (standard or URL, padded or not) encoded 32-byte key.
func ParseKey(encoded string) (*Key, error) {
	encoded = strings.TrimSpace(encoded)
	var raw []byte
	var err error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if raw, err = enc.DecodeString(encoded); err == nil {
			break
		}
	}
	if err != nil {
		return nil, errors.New("key is not base64")
	}
	if len(raw) != KeySize {
		return nil, fmt.Errorf("key is %d bytes, want %d (generate one with `palisade keys generate`)", len(raw), KeySize)
	}
	return newKey(raw)
}

func newKey(raw []byte) (*Key, error) {
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	k := &Key{gcm: gcm}
	// The id is a hash of the key, so it identifies without revealing it.
	sum := sha256.Sum256(append([]byte("palisade-key-id:"), raw...))
	copy(k.id[:], sum[:])
	return k, nil
}

// GenerateKey returns a new random key, base64 encoded.
func GenerateKey() (string, error) {
	raw := make([]byte, KeySize)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(raw), nil
}

// ID returns the key's identifier in hex, for logs and diagnostics.
func (k *Key) ID() string { return fmt.Sprintf("%x", k.id) }

// Sealer seals with its current key and opens with the current or any previous key.
type Sealer struct {
	current  *Key
	previous []*Key
}

// New returns a Sealer. previous keys only open values; they never seal.
func New(current *Key, previous ...*Key) *Sealer {
	return &Sealer{current: current, previous: previous}
}

// Seal encrypts plaintext bound to context.
func (s *Sealer) Seal(plaintext []byte, context string) ([]byte, error) {
	if s == nil || s.current == nil {
		return nil, errors.New("no sealing key configured (set secrets.key)")
	}
	nonce := make([]byte, s.current.gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(magic)+keyIDSize+len(nonce)+len(plaintext)+s.current.gcm.Overhead())
	out = append(out, magic...)
	out = append(out, s.current.id[:]...)
	out = append(out, nonce...)
	header := out // the header is authenticated too, so the key id cannot be swapped
	return s.current.gcm.Seal(out, nonce, plaintext, additionalData(header, context)), nil
}

// Open decrypts a sealed value bound to context.
func (s *Sealer) Open(sealed []byte, context string) ([]byte, error) {
	key, err := s.keyFor(sealed)
	if err != nil {
		return nil, err
	}
	hdr := len(magic) + keyIDSize + key.gcm.NonceSize()
	if len(sealed) < hdr+key.gcm.Overhead() {
		return nil, ErrOpen
	}
	nonce := sealed[len(magic)+keyIDSize : hdr]
	pt, err := key.gcm.Open(nil, nonce, sealed[hdr:], additionalData(sealed[:hdr], context))
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}

// NeedsReseal reports whether a value was sealed with a key other than the current one.
func (s *Sealer) NeedsReseal(sealed []byte) bool {
	k, err := s.keyFor(sealed)
	return err == nil && k != s.current
}

// Reseal opens a value with whichever key sealed it and seals it with the current key.
func (s *Sealer) Reseal(sealed []byte, context string) ([]byte, error) {
	pt, err := s.Open(sealed, context)
	if err != nil {
		return nil, err
	}
	return s.Seal(pt, context)
}

func (s *Sealer) keyFor(sealed []byte) (*Key, error) {
	if s == nil || s.current == nil {
		return nil, errors.New("no sealing key configured (set secrets.key)")
	}
	if len(sealed) < len(magic)+keyIDSize || !bytes.Equal(sealed[:len(magic)], magic) {
		return nil, ErrOpen
	}
	id := sealed[len(magic) : len(magic)+keyIDSize]
	for _, k := range append([]*Key{s.current}, s.previous...) {
		if bytes.Equal(k.id[:], id) {
			return k, nil
		}
	}
	return nil, ErrUnknownKey
}

func additionalData(header []byte, context string) []byte {
	ad := make([]byte, 0, len(header)+len(context)+1)
	ad = append(ad, header...)
	ad = append(ad, 0)
	return append(ad, context...)
}

// CurrentKeyID identifies the key new values are sealed with.
func (s *Sealer) CurrentKeyID() string { return s.current.ID() }
