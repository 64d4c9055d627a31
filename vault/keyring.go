package vault

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
)

// Ciphertext layout produced by [Keyring.Seal]:
//
//	offset 0      format byte (FormatV1)
//	offset 1..4   key version, big-endian uint32
//	offset 5..16  96-bit random nonce
//	offset 17..   AES-256-GCM ciphertext followed by its 16-byte tag
const (
	// FormatV1 is the first byte of every keyring ciphertext.
	FormatV1 byte = 0x01

	headerSize = 1 + 4 + nonceSize
	nonceSize  = 12
	tagSize    = 16

	// Overhead is how many bytes a keyring ciphertext adds to its plaintext.
	Overhead = headerSize + tagSize

	// MinSecretSize is the shortest master secret NewKeyring accepts.
	MinSecretSize = 32

	// MaxVersions is the highest key version a keyring holds (a yearly
	// rotation uses a handful; the bound keeps a typo from deriving
	// millions of keys at start-up).
	MaxVersions = 1000

	// DefaultSealWarning is the default number of seals under one key version
	// after which the keyring warns. Random 96-bit nonces stay within the
	// NIST SP 800-38D bound (collision probability below 2^-32) for 2^32
	// seals per key; warning at 2^28 leaves a sixteenfold margin.
	DefaultSealWarning uint64 = 1 << 28
)

// KeyState is the lifecycle state of a key version.
type KeyState int

// Key version states.
const (
	// StateOpenOnly versions open existing ciphertexts but do not seal.
	StateOpenOnly KeyState = iota + 1
	// StateActive is the one version that seals; it also opens.
	StateActive
	// StateRetired versions refuse to open with [ErrKeyRetired].
	StateRetired
)

// String returns "open-only", "active" or "retired".
func (s KeyState) String() string {
	switch s {
	case StateOpenOnly:
		return "open-only"
	case StateActive:
		return "active"
	case StateRetired:
		return "retired"
	}
	return "KeyState(" + strconv.Itoa(int(s)) + ")"
}

// KeyInfo describes one key version of a keyring.
type KeyInfo struct {
	Version uint32
	State   KeyState
	// Seals counts the values this process sealed with the version since the
	// keyring was built (the counter is not persisted).
	Seals uint64
}

// Keyring derives AES-256-GCM keys from a master secret, one per key
// version, and seals and opens self-describing ciphertexts with them.
//
// Each version's key is HKDF-SHA256 of the master secret with the salt
// "botsync vault keyring" and the info
// "botsync/vault/keyring/v1 env=<environment> purpose=<purpose> version=<n>",
// so keys for "staging" never open "production" values and two purposes
// never share a key. Derived AEADs are cached: Seal and Open do no key derivation.
//
// One version is active and seals; older versions stay open-only until they
// are retired. A Keyring is safe for concurrent use; version changes (Add,
// Promote, Retire) are atomic with respect to Seal and Open. The zero
// Keyring is not usable: build one with [NewKeyring].
type Keyring struct {
	mu      sync.Mutex // serialises version changes
	state   atomic.Pointer[ringState]
	master  *masterKey
	env     string
	purpose string
	warnAt  uint64
	warnFn  func(version uint32, seals uint64)
	logger  *slog.Logger
}

// masterKey sits behind a pointer so that fmt, which dereferences only
// the outermost pointer it prints, never reaches the bytes.
type masterKey struct{ b []byte }

// ringState is an immutable snapshot of the versions; changes swap it.
type ringState struct {
	active *keyVersion
	keys   map[uint32]*keyVersion
}

type keyVersion struct {
	version uint32
	state   KeyState
	aead    cipher.AEAD
	seals   *atomic.Uint64 // shared across snapshots
	warned  *atomic.Bool
}

// KeyringOption configures [NewKeyring].
type KeyringOption func(*keyringConfig) error

type keyringConfig struct {
	env     string
	purpose string
	active  uint32
	latest  uint32
	retired []uint32
	secrets map[uint32][]byte
	warnAt  uint64
	warnFn  func(uint32, uint64)
	logger  *slog.Logger
}

var labelPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// WithEnvironment names the deployment environment ("production",
// "staging"…) in the key derivation labels. Default "default". Lower-case
// letters, digits, '.', '_' and '-', at most 64 characters.
func WithEnvironment(name string) KeyringOption {
	return func(c *keyringConfig) error {
		if !labelPattern.MatchString(name) {
			return fmt.Errorf("%w: environment must match %s", ErrInvalid, labelPattern)
		}
		c.env = name
		return nil
	}
}

// WithPurpose names what the keys protect ("tokens", "pii"…) in the key
// derivation labels. Default "secrets". Same alphabet as WithEnvironment.
func WithPurpose(name string) KeyringOption {
	return func(c *keyringConfig) error {
		if !labelPattern.MatchString(name) {
			return fmt.Errorf("%w: purpose must match %s", ErrInvalid, labelPattern)
		}
		c.purpose = name
		return nil
	}
}

// WithActiveVersion makes v the version that seals; versions below it are
// open-only unless retired with WithRetiredVersions. Default: the latest
// version (see WithVersions). Servers restore their rotation state with it
// and WithVersions at start-up.
func WithActiveVersion(v uint32) KeyringOption {
	return func(c *keyringConfig) error {
		if v == 0 {
			return fmt.Errorf("%w: active version must be at least 1", ErrInvalid)
		}
		c.active = v
		return nil
	}
}

// WithVersions makes versions 1 to latest exist. Default: the active
// version. Naming a version above the active one is step one of a rotation:
// servers learn to open it before any of them seals with it.
func WithVersions(latest uint32) KeyringOption {
	return func(c *keyringConfig) error {
		if latest == 0 {
			return fmt.Errorf("%w: latest version must be at least 1", ErrInvalid)
		}
		c.latest = latest
		return nil
	}
}

// WithRetiredVersions marks versions as retired: they refuse to open.
// The active version cannot be retired.
func WithRetiredVersions(versions ...uint32) KeyringOption {
	return func(c *keyringConfig) error {
		c.retired = append(c.retired, versions...)
		return nil
	}
}

// WithVersionSecret derives version v from its own master secret instead of
// the keyring's, which is how the master secret itself is rotated: the new
// secret is given for the new version, the old versions keep the old one.
func WithVersionSecret(v uint32, masterSecret []byte) KeyringOption {
	return func(c *keyringConfig) error {
		if v == 0 {
			return fmt.Errorf("%w: version secret: version must be at least 1", ErrInvalid)
		}
		if len(masterSecret) < MinSecretSize {
			return fmt.Errorf("%w: version %d secret: must be at least %d bytes", ErrInvalid, v, MinSecretSize)
		}
		c.secrets[v] = slices.Clone(masterSecret)
		return nil
	}
}

// WithSealWarning sets after how many seals under one version the keyring
// warns (once per version): it logs at Warn level and calls fn when fn is
// not nil. Default [DefaultSealWarning]. threshold must be between 1 and
// 2^32.
func WithSealWarning(threshold uint64, fn func(version uint32, seals uint64)) KeyringOption {
	return func(c *keyringConfig) error {
		if threshold == 0 || threshold > 1<<32 {
			return fmt.Errorf("%w: seal warning threshold must be between 1 and 2^32", ErrInvalid)
		}
		c.warnAt = threshold
		c.warnFn = fn
		return nil
	}
}

// WithLogger gives the keyring a logger for its warnings. The keyring never
// logs keys, plaintexts or ciphertexts. Default: silent.
func WithLogger(l *slog.Logger) KeyringOption {
	return func(c *keyringConfig) error {
		c.logger = l
		return nil
	}
}

// NewKeyring builds a keyring from a master secret of at least 32 random
// bytes (see the package documentation for how to generate one). The secret
// is copied; the caller may wipe its slice.
func NewKeyring(masterSecret []byte, opts ...KeyringOption) (*Keyring, error) {
	if len(masterSecret) < MinSecretSize {
		return nil, fmt.Errorf("vault: new keyring: %w: master secret must be at least %d bytes, got %d", ErrInvalid, MinSecretSize, len(masterSecret))
	}
	cfg := keyringConfig{env: "default", purpose: "secrets", warnAt: DefaultSealWarning, secrets: map[uint32][]byte{}}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, fmt.Errorf("vault: new keyring: %w", err)
		}
	}
	switch {
	case cfg.latest == 0 && cfg.active == 0:
		cfg.latest, cfg.active = 1, 1
	case cfg.latest == 0:
		cfg.latest = cfg.active
	case cfg.active == 0:
		cfg.active = cfg.latest
	case cfg.active > cfg.latest:
		return nil, fmt.Errorf("vault: new keyring: %w: active version %d is above the latest version %d", ErrInvalid, cfg.active, cfg.latest)
	}
	if cfg.latest > MaxVersions {
		return nil, fmt.Errorf("vault: new keyring: %w: latest version %d is above %d", ErrInvalid, cfg.latest, MaxVersions)
	}
	kr := &Keyring{
		master:  &masterKey{b: slices.Clone(masterSecret)},
		env:     cfg.env,
		purpose: cfg.purpose,
		warnAt:  cfg.warnAt,
		warnFn:  cfg.warnFn,
		logger:  cfg.logger,
	}
	retired := map[uint32]bool{}
	for _, v := range cfg.retired {
		if v == 0 || v > cfg.latest {
			return nil, fmt.Errorf("vault: new keyring: %w: retired version %d does not exist", ErrInvalid, v)
		}
		if v == cfg.active {
			return nil, fmt.Errorf("vault: new keyring: %w: retired version %d is the active version", ErrInvalid, v)
		}
		retired[v] = true
	}
	for v := range cfg.secrets {
		if v > cfg.latest {
			return nil, fmt.Errorf("vault: new keyring: %w: version secret for %d beyond latest version %d", ErrInvalid, v, cfg.latest)
		}
	}
	st := &ringState{keys: make(map[uint32]*keyVersion, cfg.latest)}
	for v := uint32(1); v <= cfg.latest; v++ {
		secret := kr.master.b
		if s, ok := cfg.secrets[v]; ok {
			secret = s
		}
		kv, err := kr.derive(secret, v)
		if err != nil {
			return nil, fmt.Errorf("vault: new keyring: %w", err)
		}
		switch {
		case v == cfg.active:
			kv.state = StateActive
			st.active = kv
		case retired[v]:
			kv.state = StateRetired
		}
		st.keys[v] = kv
	}
	kr.state.Store(st)
	return kr, nil
}

// derive computes the AEAD of one version.
func (kr *Keyring) derive(secret []byte, v uint32) (*keyVersion, error) {
	info := "botsync/vault/keyring/v1 env=" + kr.env + " purpose=" + kr.purpose + " version=" + strconv.FormatUint(uint64(v), 10)
	key, err := hkdf.Key(sha256.New, secret, []byte("botsync vault keyring"), info, 32)
	if err != nil {
		return nil, fmt.Errorf("derive key version %d: %w", v, err)
	}
	block, err := aes.NewCipher(key)
	clear(key)
	if err != nil {
		return nil, fmt.Errorf("derive key version %d: %w", v, err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("derive key version %d: %w", v, err)
	}
	return &keyVersion{version: v, state: StateOpenOnly, aead: aead, seals: new(atomic.Uint64), warned: new(atomic.Bool)}, nil
}

func (kr *Keyring) snapshot() (*ringState, error) {
	if kr == nil {
		return nil, fmt.Errorf("%w: keyring is nil", ErrInvalid)
	}
	st := kr.state.Load()
	if st == nil {
		return nil, fmt.Errorf("%w: keyring not built with NewKeyring", ErrInvalid)
	}
	return st, nil
}

// ActiveVersion returns the version that seals (0 for an unusable keyring).
func (kr *Keyring) ActiveVersion() uint32 {
	st, err := kr.snapshot()
	if err != nil {
		return 0
	}
	return st.active.version
}

// Versions describes every version of the keyring, oldest first.
func (kr *Keyring) Versions() []KeyInfo {
	st, err := kr.snapshot()
	if err != nil {
		return nil
	}
	out := make([]KeyInfo, 0, len(st.keys))
	for _, v := range slices.Sorted(maps.Keys(st.keys)) {
		kv := st.keys[v]
		out = append(out, KeyInfo{Version: v, State: kv.state, Seals: kv.seals.Load()})
	}
	return out
}

// AddVersion adds a new open-only version derived from the keyring's master
// secret and returns its number. Add the version on every server first, then
// promote it: servers that know it can open what the others seal.
func (kr *Keyring) AddVersion() (uint32, error) { return kr.addVersion(nil) }

// AddVersionWithSecret adds a new open-only version derived from another
// master secret (at least 32 bytes), to rotate the master secret itself.
func (kr *Keyring) AddVersionWithSecret(masterSecret []byte) (uint32, error) {
	if len(masterSecret) < MinSecretSize {
		return 0, fmt.Errorf("vault: add version: %w: master secret must be at least %d bytes", ErrInvalid, MinSecretSize)
	}
	return kr.addVersion(masterSecret)
}

func (kr *Keyring) addVersion(secret []byte) (uint32, error) {
	if _, err := kr.snapshot(); err != nil {
		return 0, fmt.Errorf("vault: add version: %w", err)
	}
	kr.mu.Lock()
	defer kr.mu.Unlock()
	st := kr.state.Load()
	next := slices.Max(slices.Collect(maps.Keys(st.keys))) + 1
	if next > MaxVersions {
		return 0, fmt.Errorf("vault: add version: %w: already %d versions", ErrInvalid, MaxVersions)
	}
	if secret == nil {
		secret = kr.master.b
	}
	kv, err := kr.derive(secret, next)
	if err != nil {
		return 0, fmt.Errorf("vault: add version: %w", err)
	}
	ns := st.clone()
	ns.keys[next] = kv
	kr.state.Store(ns)
	return next, nil
}

// Promote makes version v the active one; the previous active version
// becomes open-only. A retired version cannot be promoted.
func (kr *Keyring) Promote(v uint32) error {
	return kr.change("promote", v, func(ns *ringState, kv *keyVersion) error {
		if kv.state == StateRetired {
			return fmt.Errorf("%w: version %d", ErrKeyRetired, v)
		}
		old := *ns.active
		old.state = StateOpenOnly
		ns.keys[old.version] = &old
		kv.state = StateActive
		ns.active = kv
		return nil
	})
}

// Retire stops version v from opening anything. Check that no stored value
// still uses it first (see [Vault.VersionCounts]). The active version cannot
// be retired.
func (kr *Keyring) Retire(v uint32) error {
	return kr.change("retire", v, func(_ *ringState, kv *keyVersion) error {
		if kv.state == StateActive {
			return fmt.Errorf("%w: version %d is active; promote another version first", ErrInvalid, v)
		}
		kv.state = StateRetired
		return nil
	})
}

// Reinstate makes a retired version open-only again.
func (kr *Keyring) Reinstate(v uint32) error {
	return kr.change("reinstate", v, func(_ *ringState, kv *keyVersion) error {
		if kv.state == StateRetired {
			kv.state = StateOpenOnly
		}
		return nil
	})
}

func (kr *Keyring) change(op string, v uint32, fn func(ns *ringState, kv *keyVersion) error) error {
	if _, err := kr.snapshot(); err != nil {
		return fmt.Errorf("vault: %s version: %w", op, err)
	}
	kr.mu.Lock()
	defer kr.mu.Unlock()
	ns := kr.state.Load().clone()
	cur, ok := ns.keys[v]
	if !ok {
		return fmt.Errorf("vault: %s version: %w: %d", op, ErrUnknownKey, v)
	}
	kv := *cur
	if err := fn(ns, &kv); err != nil {
		return fmt.Errorf("vault: %s version: %w", op, err)
	}
	ns.keys[v] = &kv
	if ns.active.version == v {
		ns.active = &kv
	}
	kr.state.Store(ns)
	return nil
}

func (st *ringState) clone() *ringState {
	return &ringState{active: st.active, keys: maps.Clone(st.keys)}
}

// Seal encrypts plaintext with the active version, binding it to
// associatedData (which is authenticated, not stored: Open needs the same
// bytes). The result is [Overhead] bytes longer than plaintext.
func (kr *Keyring) Seal(plaintext, associatedData []byte) ([]byte, error) {
	out, err := kr.SealAppend(make([]byte, 0, len(plaintext)+Overhead), plaintext, associatedData)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// SealAppend is Seal that appends the ciphertext to dst and returns the
// extended slice. When dst has room for len(plaintext)+[Overhead] more
// bytes, it allocates nothing. dst and plaintext must not overlap.
func (kr *Keyring) SealAppend(dst, plaintext, associatedData []byte) ([]byte, error) {
	st, err := kr.snapshot()
	if err != nil {
		return dst, fmt.Errorf("vault: seal: %w", err)
	}
	kv := st.active
	out, head := grow(dst, headerSize)
	head[0] = FormatV1
	binary.BigEndian.PutUint32(head[1:5], kv.version)
	nonce := head[5:headerSize]
	_, _ = rand.Read(nonce) // crypto/rand.Read never fails (Go 1.24+)
	out = kv.aead.Seal(out, nonce, plaintext, associatedData)
	if n := kv.seals.Add(1); n >= kr.warnAt && !kv.warned.Load() && kv.warned.CompareAndSwap(false, true) {
		kr.warn(kv.version, n)
	}
	return out, nil
}

func (kr *Keyring) warn(version uint32, n uint64) {
	if kr.logger != nil {
		kr.logger.LogAttrs(context.Background(), slog.LevelWarn, "vault: key version nearing its safe seal count; rotate the key",
			slog.Uint64("version", uint64(version)), slog.Uint64("seals", n), slog.Uint64("threshold", kr.warnAt))
	}
	if kr.warnFn != nil {
		kr.warnFn(version, n)
	}
}

// Open authenticates and decrypts a ciphertext made by Seal with the same
// associatedData. It fails with [ErrTampered] for anything that is not an
// intact ciphertext bound to associatedData, [ErrUnknownKey] when the
// version is not in the keyring and [ErrKeyRetired] when it is retired.
func (kr *Keyring) Open(ciphertext, associatedData []byte) ([]byte, error) {
	n := len(ciphertext) - Overhead
	if n < 0 {
		n = 0
	}
	out, err := kr.OpenAppend(make([]byte, 0, n), ciphertext, associatedData)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// OpenAppend is Open that appends the plaintext to dst. When dst has room
// for len(ciphertext)-[Overhead] more bytes, it allocates nothing. On error
// dst is returned unchanged.
func (kr *Keyring) OpenAppend(dst, ciphertext, associatedData []byte) ([]byte, error) {
	st, err := kr.snapshot()
	if err != nil {
		return dst, fmt.Errorf("vault: open: %w", err)
	}
	v, err := CiphertextVersion(ciphertext)
	if err != nil {
		return dst, fmt.Errorf("vault: open: %w", err)
	}
	kv, ok := st.keys[v]
	if !ok {
		return dst, fmt.Errorf("vault: open: %w: version %d", ErrUnknownKey, v)
	}
	if kv.state == StateRetired {
		return dst, fmt.Errorf("vault: open: %w: version %d", ErrKeyRetired, v)
	}
	out, err := kv.aead.Open(dst, ciphertext[5:headerSize], ciphertext[headerSize:], associatedData)
	if err != nil {
		return dst, fmt.Errorf("vault: open: %w", ErrTampered)
	}
	return out, nil
}

// CiphertextVersion returns the key version named in a keyring ciphertext
// without opening it, or [ErrTampered] when the bytes are not one.
func CiphertextVersion(ciphertext []byte) (uint32, error) {
	if len(ciphertext) < Overhead {
		return 0, fmt.Errorf("%w: ciphertext is %d bytes, shorter than the %d-byte minimum", ErrTampered, len(ciphertext), Overhead)
	}
	if ciphertext[0] != FormatV1 {
		return 0, fmt.Errorf("%w: unknown format byte 0x%02x", ErrTampered, ciphertext[0])
	}
	v := binary.BigEndian.Uint32(ciphertext[1:5])
	if v == 0 {
		return 0, fmt.Errorf("%w: key version 0", ErrTampered)
	}
	return v, nil
}

// grow extends b by n bytes, reallocating only when its capacity is short,
// and returns the whole slice and the n new bytes.
func grow(b []byte, n int) (whole, tail []byte) {
	l := len(b)
	b = slices.Grow(b, n)[:l+n]
	return b, b[l:]
}

// String describes the keyring without key material:
// "vault.Keyring(env=production purpose=tokens active=2 versions=2)".
func (kr *Keyring) String() string {
	st, err := kr.snapshot()
	if err != nil {
		return "vault.Keyring(unusable)"
	}
	return "vault.Keyring(env=" + kr.env + " purpose=" + kr.purpose +
		" active=" + strconv.FormatUint(uint64(st.active.version), 10) +
		" versions=" + strconv.Itoa(len(st.keys)) + ")"
}

// GoString is String, so that %#v shows no key material either.
func (kr *Keyring) GoString() string { return kr.String() }

// Format implements fmt.Formatter: every verb prints String, never the
// master secret or derived keys.
func (kr *Keyring) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, kr.String()) }

// LogValue implements slog.LogValuer with String.
func (kr *Keyring) LogValue() slog.Value { return slog.StringValue(kr.String()) }
