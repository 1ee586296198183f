package seal

import (
	"bytes"
	"errors"
	"testing"
)

func mustKey(t *testing.T) *Key {
	t.Helper()
	enc, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	k, err := ParseKey(enc)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealOpenRoundTrip(t *testing.T) {
	s := New(mustKey(t))
	secret := []byte("apiVersion: v1\nkind: Config\nusers: [token: abc]")
	sealed, err := s.Seal(secret, "target:1:credentials")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("token")) {
		t.Fatal("sealed value contains plaintext")
	}
	got, err := s.Open(sealed, "target:1:credentials")
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	again, _ := s.Seal(secret, "target:1:credentials")
	if bytes.Equal(again, sealed) {
		t.Error("two seals of one value are identical: nonce reused")
	}
}

func TestOpenRejects(t *testing.T) {
	k := mustKey(t)
	s := New(k)
	sealed, err := s.Seal([]byte("hunter2"), "ctx")
	if err != nil {
		t.Fatal(err)
	}
	flip := func(i int) []byte {
		b := append([]byte(nil), sealed...)
		b[i] ^= 1
		return b
	}
	cases := []struct {
		name    string
		sealer  *Sealer
		value   []byte
		context string
		want    error
	}{
		{"tampered ciphertext", s, flip(len(sealed) - 1), "ctx", ErrOpen},
		{"tampered nonce", s, flip(len(magic) + keyIDSize), "ctx", ErrOpen},
		{"tampered key id", s, flip(len(magic)), "ctx", ErrUnknownKey},
		{"tampered magic", s, flip(0), "ctx", ErrOpen},
		{"wrong context", s, sealed, "other", ErrOpen},
		{"wrong key", New(mustKey(t)), sealed, "ctx", ErrUnknownKey},
		{"truncated", s, sealed[:10], "ctx", ErrOpen},
		{"empty", s, nil, "ctx", ErrOpen},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pt, err := tc.sealer.Open(tc.value, tc.context)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Open err = %v, want %v", err, tc.want)
			}
			if pt != nil {
				t.Fatalf("Open returned plaintext %q on error", pt)
			}
		})
	}
}

func TestRotation(t *testing.T) {
	oldKey, newKey := mustKey(t), mustKey(t)
	sealed, err := New(oldKey).Seal([]byte("pw"), "ctx")
	if err != nil {
		t.Fatal(err)
	}
	rotated := New(newKey, oldKey)
	if !rotated.NeedsReseal(sealed) {
		t.Fatal("value sealed with old key should need reseal")
	}
	resealed, err := rotated.Reseal(sealed, "ctx")
	if err != nil {
		t.Fatal(err)
	}
	if rotated.NeedsReseal(resealed) {
		t.Error("resealed value still needs reseal")
	}
	if _, err := New(newKey).Open(resealed, "ctx"); err != nil {
		t.Errorf("new key alone cannot open resealed value: %v", err)
	}
	if _, err := New(oldKey).Open(resealed, "ctx"); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("old key opened value resealed with new key: %v", err)
	}
}

func TestParseKeyRejectsBadKeys(t *testing.T) {
	for _, in := range []string{"", "not base64!", "c2hvcnQ=" /* "short" */} {
		if _, err := ParseKey(in); err == nil {
			t.Errorf("ParseKey(%q) accepted a bad key", in)
		}
	}
}

func FuzzOpen(f *testing.F) {
	k, _ := ParseKey("MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=")
	s := New(k)
	good, _ := s.Seal([]byte("x"), "c")
	f.Add(good)
	f.Add([]byte("pal1"))
	f.Fuzz(func(t *testing.T, b []byte) {
		pt, err := s.Open(b, "c")
		if err == nil && !bytes.Equal(b, good) && string(pt) != "x" {
			t.Fatalf("forged value opened: %q", pt)
		}
	})
}
