package meta

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strings"
	"sync"

	"github.com/botsync/botsync/secret"
)

// SignatureHeader is the header Meta signs webhook deliveries with.
const SignatureHeader = "X-Hub-Signature-256"

const signaturePrefix = "sha256="

// Errors returned by signature checks. They match with errors.Is.
var (
	// ErrMissingSignature means the delivery had no X-Hub-Signature-256 header.
	ErrMissingSignature = errors.New("meta: missing webhook signature")
	// ErrInvalidSignature means the signature was malformed or did not match
	// the body under any configured app secret.
	ErrInvalidSignature = errors.New("meta: invalid webhook signature")
	// ErrNoAppSecret means verification was attempted with no app secret: the
	// check fails closed.
	ErrNoAppSecret = errors.New("meta: no app secret configured")
)

// VerifySignature checks an X-Hub-Signature-256 header ("sha256=<hex>") over
// the raw request body with one app secret, in constant time. Hex digits may
// be in either case. Errors match [ErrMissingSignature], [ErrInvalidSignature]
// or [ErrNoAppSecret].
func VerifySignature(appSecret []byte, body []byte, header string) error {
	if len(appSecret) == 0 {
		return ErrNoAppSecret
	}
	var want [sha256.Size]byte
	if err := parseSignature(header, &want); err != nil {
		return err
	}
	m := hmac.New(sha256.New, appSecret)
	m.Write(body)
	var got [sha256.Size]byte
	if !hmac.Equal(m.Sum(got[:0]), want[:]) {
		return fmt.Errorf("%w: mismatch", ErrInvalidSignature)
	}
	return nil
}

func parseSignature(header string, dst *[sha256.Size]byte) error {
	header = strings.TrimSpace(header)
	if header == "" {
		return ErrMissingSignature
	}
	if len(header) < len(signaturePrefix) || !strings.EqualFold(header[:len(signaturePrefix)], signaturePrefix) {
		return fmt.Errorf("%w: header must start with %q", ErrInvalidSignature, signaturePrefix)
	}
	hexSig := header[len(signaturePrefix):]
	if len(hexSig) != 2*sha256.Size {
		return fmt.Errorf("%w: want %d hex digits, got %d", ErrInvalidSignature, 2*sha256.Size, len(hexSig))
	}
	if _, err := hex.Decode(dst[:], []byte(hexSig)); err != nil {
		return fmt.Errorf("%w: not hexadecimal", ErrInvalidSignature)
	}
	return nil
}

// Verifier checks webhook signatures against several app secrets at once
// (a Facebook-Login app and an Instagram-Login app sign with different
// secrets; a rotated secret stays valid for a while). Its zero value has no
// secrets and rejects everything. A Verifier is safe for concurrent use and
// reuses its HMAC states.
type Verifier struct {
	pools []*sync.Pool
}

// NewVerifier returns a Verifier for the given app secrets. Empty secrets are
// an error.
func NewVerifier(appSecrets ...secret.Value) (*Verifier, error) {
	v := &Verifier{}
	for i, s := range appSecrets {
		if s.IsZero() {
			return nil, fmt.Errorf("meta: app secret %d is empty", i)
		}
		key := s.RevealBytes()
		v.pools = append(v.pools, &sync.Pool{New: func() any { return hmac.New(sha256.New, key) }})
	}
	return v, nil
}

// Verify checks header against body under every configured secret and
// returns the index of the secret that matched. Every secret is tried, so the
// time taken does not reveal which one matched.
func (v *Verifier) Verify(body []byte, header string) (int, error) {
	if v == nil || len(v.pools) == 0 {
		return -1, ErrNoAppSecret
	}
	var want [sha256.Size]byte
	if err := parseSignature(header, &want); err != nil {
		return -1, err
	}
	matched := -1
	var got [sha256.Size]byte
	for i, p := range v.pools {
		m := p.Get().(hash.Hash)
		m.Reset()
		m.Write(body)
		sum := m.Sum(got[:0])
		p.Put(m)
		if hmac.Equal(sum, want[:]) && matched < 0 {
			matched = i
		}
	}
	if matched < 0 {
		return -1, fmt.Errorf("%w: mismatch", ErrInvalidSignature)
	}
	return matched, nil
}
