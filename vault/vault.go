package vault

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"time"

	"github.com/botsync/botsync/secret"
)

// Vault stores secrets sealed by a [Keyring] in a [Store], each bound to its
// [Ref]. It is safe for concurrent use, including while [Vault.Rewrap] runs.
type Vault struct {
	kr         *Keyring
	store      Store
	now        func() time.Time
	touchEvery time.Duration
	logger     *slog.Logger
}

// Option configures [New].
type Option func(*vaultConfig) error

type vaultConfig struct {
	now        func() time.Time
	touchEvery time.Duration
	logger     *slog.Logger
}

// WithClock sets the clock used for metadata and expiry. Default time.Now.
func WithClock(now func() time.Time) Option {
	return func(c *vaultConfig) error {
		if now == nil {
			return fmt.Errorf("%w: clock is nil", ErrInvalid)
		}
		c.now = now
		return nil
	}
}

// WithTouchInterval sets how stale LastUsedAt may get before Get writes it
// again (Get would otherwise write on every read). Default one minute; 0
// writes on every Get.
func WithTouchInterval(d time.Duration) Option {
	return func(c *vaultConfig) error {
		if d < 0 {
			return fmt.Errorf("%w: touch interval is negative", ErrInvalid)
		}
		c.touchEvery = d
		return nil
	}
}

// WithVaultLogger gives the vault a logger for failures it does not return
// (a failed LastUsedAt update). References are logged; values never are.
func WithVaultLogger(l *slog.Logger) Option {
	return func(c *vaultConfig) error {
		c.logger = l
		return nil
	}
}

// New returns a vault sealing with kr and persisting to store.
func New(kr *Keyring, store Store, opts ...Option) (*Vault, error) {
	if _, err := kr.snapshot(); err != nil {
		return nil, fmt.Errorf("vault: new: %w", err)
	}
	if store == nil {
		return nil, fmt.Errorf("vault: new: %w: store is nil", ErrInvalid)
	}
	cfg := vaultConfig{now: time.Now, touchEvery: time.Minute}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, fmt.Errorf("vault: new: %w", err)
		}
	}
	return &Vault{kr: kr, store: store, now: cfg.now, touchEvery: cfg.touchEvery, logger: cfg.logger}, nil
}

// Keyring returns the vault's keyring.
func (v *Vault) Keyring() *Keyring { return v.kr }

// Metadata describes a stored secret without its value.
type Metadata struct {
	Ref Ref
	// KeyVersion is the keyring version that sealed the value, 0 when it is
	// sealed under a subject data key.
	KeyVersion uint32
	SubjectID  string
	CreatedAt  time.Time
	RotatedAt  time.Time
	ExpiresAt  time.Time // zero: never
	LastUsedAt time.Time // zero: never read
}

func metadataOf(r Record) Metadata {
	return Metadata{
		Ref: r.Ref, KeyVersion: r.KeyVersion, SubjectID: r.SubjectID,
		CreatedAt: r.CreatedAt, RotatedAt: r.RotatedAt, ExpiresAt: r.ExpiresAt, LastUsedAt: r.LastUsedAt,
	}
}

// PutOption configures [Vault.Put].
type PutOption func(*putConfig) error

type putConfig struct {
	expires time.Time
	subject string
}

// ExpiresAt records when the secret stops being valid; Get then returns
// [ErrExpired]. The zero time means never.
func ExpiresAt(t time.Time) PutOption {
	return func(c *putConfig) error {
		c.expires = t
		return nil
	}
}

// ForSubject seals the value under the data key of a data subject (a
// contact id, never a phone number or email), created on first use, so that
// [Vault.Shred] can destroy it. The id is scoped by the reference's
// workspace.
func ForSubject(subjectID string) PutOption {
	return func(c *putConfig) error {
		if err := validatePart("subject id", subjectID); err != nil {
			return err
		}
		c.subject = subjectID
		return nil
	}
}

// Put seals value bound to ref and stores it, replacing any previous value
// (which counts as a rotation of the secret).
func (v *Vault) Put(ctx context.Context, ref Ref, value secret.Value, opts ...PutOption) (Metadata, error) {
	if err := ref.Validate(); err != nil {
		return Metadata{}, fmt.Errorf("vault: put: ref: %w", err)
	}
	var cfg putConfig
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return Metadata{}, fmt.Errorf("vault: put %s: %w", ref, err)
		}
	}
	plain := value.RevealBytes()
	defer clear(plain)
	now := v.now()
	rec := Record{Ref: ref, CreatedAt: now, RotatedAt: now, ExpiresAt: cfg.expires, SubjectID: cfg.subject}
	ad := ref.AssociatedData()
	if cfg.subject == "" {
		ct, err := v.kr.Seal(plain, ad)
		if err != nil {
			return Metadata{}, fmt.Errorf("vault: put %s: %w", ref, err)
		}
		rec.Ciphertext, rec.KeyVersion = ct, v.kr.versionOf(ct)
	} else {
		dek, keyID, err := v.subjectKey(ctx, ref.WorkspaceID, cfg.subject, true)
		if err != nil {
			return Metadata{}, fmt.Errorf("vault: put %s: %w", ref, err)
		}
		ct, err := sealWithDataKey(dek, plain, ad)
		clear(dek)
		if err != nil {
			return Metadata{}, fmt.Errorf("vault: put %s: %w", ref, err)
		}
		rec.Ciphertext, rec.SubjectKeyID = ct, keyID
	}
	stored, err := v.store.PutSecret(ctx, rec)
	if err != nil {
		return Metadata{}, fmt.Errorf("vault: put %s: %w", ref, err)
	}
	return metadataOf(stored), nil
}

// versionOf returns the version named in a ciphertext Seal just made.
func (kr *Keyring) versionOf(ct []byte) uint32 {
	v, _ := CiphertextVersion(ct)
	return v
}

// Get opens the secret at ref. It fails with [ErrNotFound], [ErrExpired],
// [ErrShredded], [ErrTampered] (the stored bytes were altered or belong to
// another reference), [ErrUnknownKey] or [ErrKeyRetired].
func (v *Vault) Get(ctx context.Context, ref Ref) (secret.Value, error) {
	if err := ref.Validate(); err != nil {
		return secret.Value{}, fmt.Errorf("vault: get: ref: %w", err)
	}
	rec, err := v.store.Secret(ctx, ref)
	if err != nil {
		return secret.Value{}, fmt.Errorf("vault: get %s: %w", ref, err)
	}
	now := v.now()
	if !rec.ExpiresAt.IsZero() && !now.Before(rec.ExpiresAt) {
		return secret.Value{}, fmt.Errorf("vault: get %s: %w", ref, ErrExpired)
	}
	plain, err := v.open(ctx, rec)
	if err != nil {
		return secret.Value{}, fmt.Errorf("vault: get %s: %w", ref, err)
	}
	val := secret.FromBytes(plain)
	clear(plain)
	if rec.LastUsedAt.IsZero() || now.Sub(rec.LastUsedAt) >= v.touchEvery {
		if err := v.store.TouchSecret(ctx, ref, now); err != nil && v.logger != nil {
			v.logger.LogAttrs(ctx, slog.LevelWarn, "vault: record last use", slog.String("ref", ref.String()), slog.String("error", err.Error()))
		}
	}
	return val, nil
}

func (v *Vault) open(ctx context.Context, rec Record) ([]byte, error) {
	ad := rec.Ref.AssociatedData()
	if rec.SubjectID == "" {
		// The version column drives Rewrap and VersionCounts; a row whose
		// column disagrees with its ciphertext was altered.
		if ver, err := CiphertextVersion(rec.Ciphertext); err != nil || ver != rec.KeyVersion {
			return nil, fmt.Errorf("%w: stored key version does not match the ciphertext", ErrTampered)
		}
		return v.kr.Open(rec.Ciphertext, ad)
	}
	if rec.KeyVersion != 0 {
		return nil, fmt.Errorf("%w: subject-sealed value with a key version", ErrTampered)
	}
	dek, keyID, err := v.subjectKey(ctx, rec.Ref.WorkspaceID, rec.SubjectID, false)
	if err != nil {
		return nil, err
	}
	defer clear(dek)
	if string(keyID) != string(rec.SubjectKeyID) {
		return nil, ErrShredded
	}
	return openWithDataKey(dek, rec.Ciphertext, ad)
}

// Metadata returns the metadata of the secret at ref, or [ErrNotFound].
func (v *Vault) Metadata(ctx context.Context, ref Ref) (Metadata, error) {
	if err := ref.Validate(); err != nil {
		return Metadata{}, fmt.Errorf("vault: metadata: ref: %w", err)
	}
	rec, err := v.store.Secret(ctx, ref)
	if err != nil {
		return Metadata{}, fmt.Errorf("vault: metadata %s: %w", ref, err)
	}
	return metadataOf(rec), nil
}

// Delete removes the secret at ref, or returns [ErrNotFound].
func (v *Vault) Delete(ctx context.Context, ref Ref) error {
	if err := ref.Validate(); err != nil {
		return fmt.Errorf("vault: delete: ref: %w", err)
	}
	if err := v.store.DeleteSecret(ctx, ref); err != nil {
		return fmt.Errorf("vault: delete %s: %w", ref, err)
	}
	return nil
}

// ListOptions selects a page of [Vault.List].
type ListOptions struct {
	// Kind, when set, lists only that kind of secret.
	Kind string
	// After is the Next of the previous page; zero starts at the beginning.
	After Ref
	// Limit is the page size: default 100, at most 1000.
	Limit int
}

// Page is one page of references and metadata (never values).
type Page struct {
	Items []Metadata
	// Next is the After of the next page when HasMore.
	Next    Ref
	HasMore bool
}

// List returns one page of the secrets of a workspace, ordered by
// reference, without their values.
func (v *Vault) List(ctx context.Context, workspaceID string, opts ListOptions) (Page, error) {
	if err := validatePart("workspace id", workspaceID); err != nil {
		return Page{}, fmt.Errorf("vault: list: %w", err)
	}
	limit := opts.Limit
	switch {
	case limit < 0 || limit > 1000:
		return Page{}, fmt.Errorf("vault: list: %w: limit must be between 0 and 1000", ErrInvalid)
	case limit == 0:
		limit = 100
	}
	recs, err := v.store.ListSecrets(ctx, workspaceID, opts.Kind, opts.After, limit+1)
	if err != nil {
		return Page{}, fmt.Errorf("vault: list %s: %w", workspaceID, err)
	}
	var p Page
	if len(recs) > limit {
		recs, p.HasMore = recs[:limit], true
	}
	p.Items = make([]Metadata, len(recs))
	for i, r := range recs {
		p.Items[i] = metadataOf(r)
	}
	if p.HasMore {
		p.Next = recs[len(recs)-1].Ref
	}
	return p, nil
}

// All iterates over every secret of a workspace (of kind, when not empty),
// page by page. It stops at the first error, which it yields.
func (v *Vault) All(ctx context.Context, workspaceID, kind string) iter.Seq2[Metadata, error] {
	return func(yield func(Metadata, error) bool) {
		opts := ListOptions{Kind: kind}
		for {
			p, err := v.List(ctx, workspaceID, opts)
			if err != nil {
				yield(Metadata{}, err)
				return
			}
			for _, m := range p.Items {
				if !yield(m, nil) {
					return
				}
			}
			if !p.HasMore {
				return
			}
			opts.After = p.Next
		}
	}
}

// VersionCounts counts, per keyring version, the stored values that need it
// to open: secrets sealed by the keyring and wrapped subject keys. A version
// absent from the map (or at zero) can be retired.
func (v *Vault) VersionCounts(ctx context.Context) (map[uint32]int, error) {
	secrets, err := v.store.SecretVersionCounts(ctx)
	if err != nil {
		return nil, fmt.Errorf("vault: version counts: %w", err)
	}
	keys, err := v.store.SubjectKeyVersionCounts(ctx)
	if err != nil {
		return nil, fmt.Errorf("vault: version counts: %w", err)
	}
	out := make(map[uint32]int, len(secrets)+len(keys))
	for ver, n := range secrets {
		if ver != 0 && n > 0 {
			out[ver] += n
		}
	}
	for ver, n := range keys {
		if n > 0 {
			out[ver] += n
		}
	}
	return out, nil
}

// isNotFound reports a store's not-found error.
func isNotFound(err error) bool { return errors.Is(err, ErrNotFound) }
