package vault

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
)

// RewrapOptions bounds one run of [Vault.Rewrap].
type RewrapOptions struct {
	// Cursor resumes a previous run (its RewrapResult.Cursor); empty starts
	// from the beginning.
	Cursor string
	// BatchSize is how many values each batch reads: default 100, at most
	// 10000.
	BatchSize int
	// MaxBatches stops the run after that many batches (0: run to the end).
	MaxBatches int
}

// RewrapResult reports one run of [Vault.Rewrap].
type RewrapResult struct {
	// Rewrapped counts the values (secrets and subject keys) moved to the
	// active version.
	Rewrapped int
	// Skipped counts values that changed while being rewrapped (a
	// concurrent Put or Rewrap); their new ciphertext already uses a
	// current version or is picked up by the next run.
	Skipped int
	// Batches counts the batches read.
	Batches int
	// Cursor resumes the run when Done is false.
	Cursor string
	// Done reports that every value was visited.
	Done bool
}

// Rewrap re-seals every stored value whose keyring version is not the
// active one with the active version, in batches: first the wrapped subject
// keys (the values under them need no rewrapping), then the secrets.
//
// Each value is swapped only if it did not change since it was read, so
// Rewrap runs safely while the vault serves: a reader sees the old or the
// new ciphertext, both of which open. A run stopped by MaxBatches, a
// cancelled ctx or an error returns a Cursor to resume from; values already
// rewrapped are not touched again. When a run is Done, [Vault.VersionCounts]
// tells whether an old version still holds anything.
//
// An error names the reference that failed (a tampered row, a retired
// version) and leaves the cursor before it.
func (v *Vault) Rewrap(ctx context.Context, opts RewrapOptions) (RewrapResult, error) {
	batch := opts.BatchSize
	switch {
	case batch < 0 || batch > 10000:
		return RewrapResult{}, fmt.Errorf("vault: rewrap: %w: batch size must be between 0 and 10000", ErrInvalid)
	case batch == 0:
		batch = 100
	}
	if opts.MaxBatches < 0 {
		return RewrapResult{}, fmt.Errorf("vault: rewrap: %w: max batches is negative", ErrInvalid)
	}
	cur, err := parseCursor(opts.Cursor)
	if err != nil {
		return RewrapResult{}, fmt.Errorf("vault: rewrap: %w", err)
	}
	var res RewrapResult
	stop := func(err error) (RewrapResult, error) {
		res.Cursor = cur.String()
		if err != nil {
			return res, fmt.Errorf("vault: rewrap: %w", err)
		}
		return res, nil
	}
	for {
		if opts.MaxBatches > 0 && res.Batches >= opts.MaxBatches {
			return stop(nil)
		}
		if err := ctx.Err(); err != nil {
			return stop(err)
		}
		active := v.kr.ActiveVersion()
		res.Batches++
		if cur.phase == phaseSubjectKeys {
			keys, err := v.store.StaleSubjectKeys(ctx, active, cur.subject, batch)
			if err != nil {
				return stop(err)
			}
			for _, k := range keys {
				if err := v.rewrapSubjectKey(ctx, k, &res); err != nil {
					return stop(err)
				}
				cur.subject = SubjectRef{WorkspaceID: k.WorkspaceID, SubjectID: k.SubjectID}
			}
			if len(keys) < batch {
				cur = cursor{phase: phaseSecrets}
			}
			continue
		}
		recs, err := v.store.StaleSecrets(ctx, active, cur.ref, batch)
		if err != nil {
			return stop(err)
		}
		for _, r := range recs {
			if err := v.rewrapSecret(ctx, r, &res); err != nil {
				return stop(err)
			}
			cur.ref = r.Ref
		}
		if len(recs) < batch {
			res.Done = true
			return res, nil
		}
	}
}

func (v *Vault) rewrapSecret(ctx context.Context, r Record, res *RewrapResult) error {
	ad := r.Ref.AssociatedData()
	plain, err := v.kr.Open(r.Ciphertext, ad)
	if err != nil {
		return fmt.Errorf("secret %s: %w", r.Ref, err)
	}
	next, err := v.kr.Seal(plain, ad)
	clear(plain)
	if err != nil {
		return fmt.Errorf("secret %s: %w", r.Ref, err)
	}
	ok, err := v.store.SwapSecret(ctx, r.Ref, r.Ciphertext, next, v.kr.versionOf(next))
	if err != nil {
		return fmt.Errorf("secret %s: %w", r.Ref, err)
	}
	if ok {
		res.Rewrapped++
	} else {
		res.Skipped++
	}
	return nil
}

func (v *Vault) rewrapSubjectKey(ctx context.Context, k SubjectKey, res *RewrapResult) error {
	ad := subjectAD(k.WorkspaceID, k.SubjectID, k.KeyID)
	dek, err := v.kr.Open(k.Wrapped, ad)
	if err != nil {
		return fmt.Errorf("subject key %s/%s: %w", k.WorkspaceID, k.SubjectID, err)
	}
	next, err := v.kr.Seal(dek, ad)
	clear(dek)
	if err != nil {
		return fmt.Errorf("subject key %s/%s: %w", k.WorkspaceID, k.SubjectID, err)
	}
	ok, err := v.store.SwapSubjectKey(ctx, k.WorkspaceID, k.SubjectID, k.Wrapped, next, v.kr.versionOf(next))
	if err != nil {
		return fmt.Errorf("subject key %s/%s: %w", k.WorkspaceID, k.SubjectID, err)
	}
	if ok {
		res.Rewrapped++
	} else {
		res.Skipped++
	}
	return nil
}

// cursor is the position of a Rewrap run: a phase and the last reference
// handled in it. It is encoded as URL-safe base64 of
// phase byte + length-prefixed parts.
type cursor struct {
	phase   byte
	subject SubjectRef
	ref     Ref
}

const (
	phaseSubjectKeys byte = 'k'
	phaseSecrets     byte = 's'
)

func (c cursor) String() string {
	var b []byte
	if c.phase == phaseSubjectKeys {
		b = appendParts("k", c.subject.WorkspaceID, c.subject.SubjectID)
	} else {
		b = appendParts("s", c.ref.WorkspaceID, c.ref.Kind, c.ref.RecordID, c.ref.Field)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// parseCursor decodes a Rewrap cursor; the empty string is the start.
func parseCursor(s string) (cursor, error) {
	if s == "" {
		return cursor{phase: phaseSubjectKeys}, nil
	}
	bad := fmt.Errorf("%w: cursor is malformed", ErrInvalid)
	if len(s) > 4096 {
		return cursor{}, bad
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, bad
	}
	var parts []string
	for len(b) > 0 {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			return cursor{}, bad
		}
		parts = append(parts, string(b[k:k+int(n)]))
		b = b[k+int(n):]
	}
	switch {
	case len(parts) == 3 && parts[0] == "k":
		return cursor{phase: phaseSubjectKeys, subject: SubjectRef{WorkspaceID: parts[1], SubjectID: parts[2]}}, nil
	case len(parts) == 5 && parts[0] == "s":
		return cursor{phase: phaseSecrets, ref: Ref{WorkspaceID: parts[1], Kind: parts[2], RecordID: parts[3], Field: parts[4]}}, nil
	}
	return cursor{}, bad
}
