// Package memstore is an in-memory [vault.Store]: the embedded default of
// the reference server and the store to use in tests.
//
//	kr, _ := vault.NewKeyring(masterSecret)
//	v, _ := vault.New(kr, memstore.New())
//
// It holds ciphertexts only, like every vault store. Records are copied in
// and out, so callers cannot alter stored bytes. [Store.Snapshot] and
// [Store.Restore] copy the secrets (not the subject keys) the way a
// database backup of the secrets table would.
package memstore

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/botsync/botsync/vault"
)

// Store is an in-memory vault.Store, safe for concurrent use. The zero
// value is not usable; call [New].
type Store struct {
	mu       sync.RWMutex
	secrets  map[vault.Ref]vault.Record
	subjects map[vault.SubjectRef]vault.SubjectKey
}

var _ vault.Store = (*Store)(nil)

// New returns an empty store.
func New() *Store {
	return &Store{secrets: map[vault.Ref]vault.Record{}, subjects: map[vault.SubjectRef]vault.SubjectKey{}}
}

func copyRecord(r vault.Record) vault.Record {
	r.Ciphertext = bytes.Clone(r.Ciphertext)
	r.SubjectKeyID = bytes.Clone(r.SubjectKeyID)
	return r
}

func copyKey(k vault.SubjectKey) vault.SubjectKey {
	k.KeyID = bytes.Clone(k.KeyID)
	k.Wrapped = bytes.Clone(k.Wrapped)
	return k
}

// PutSecret implements vault.Store.
func (s *Store) PutSecret(ctx context.Context, rec vault.Record) (vault.Record, error) {
	if err := ctx.Err(); err != nil {
		return vault.Record{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec = copyRecord(rec)
	if old, ok := s.secrets[rec.Ref]; ok {
		rec.CreatedAt = old.CreatedAt
		rec.LastUsedAt = old.LastUsedAt
	}
	s.secrets[rec.Ref] = rec
	return copyRecord(rec), nil
}

// Secret implements vault.Store.
func (s *Store) Secret(ctx context.Context, ref vault.Ref) (vault.Record, error) {
	if err := ctx.Err(); err != nil {
		return vault.Record{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, ok := s.secrets[ref]
	if !ok {
		return vault.Record{}, vault.ErrNotFound
	}
	return copyRecord(r), nil
}

// DeleteSecret implements vault.Store.
func (s *Store) DeleteSecret(ctx context.Context, ref vault.Ref) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.secrets[ref]; !ok {
		return vault.ErrNotFound
	}
	delete(s.secrets, ref)
	return nil
}

// ListSecrets implements vault.Store.
func (s *Store) ListSecrets(ctx context.Context, workspaceID, kind string, after vault.Ref, limit int) ([]vault.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	after.WorkspaceID = workspaceID
	s.mu.RLock()
	var out []vault.Record
	for ref, r := range s.secrets {
		if ref.WorkspaceID != workspaceID || (kind != "" && ref.Kind != kind) || ref.Compare(after) <= 0 {
			continue
		}
		out = append(out, copyRecord(r))
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b vault.Record) int { return a.Ref.Compare(b.Ref) })
	return out[:min(limit, len(out))], nil
}

// TouchSecret implements vault.Store.
func (s *Store) TouchSecret(ctx context.Context, ref vault.Ref, at time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.secrets[ref]
	if !ok {
		return vault.ErrNotFound
	}
	r.LastUsedAt = at
	s.secrets[ref] = r
	return nil
}

// StaleSecrets implements vault.Store.
func (s *Store) StaleSecrets(ctx context.Context, active uint32, after vault.Ref, limit int) ([]vault.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	var out []vault.Record
	for ref, r := range s.secrets {
		if r.KeyVersion == 0 || r.KeyVersion == active || ref.Compare(after) <= 0 {
			continue
		}
		out = append(out, copyRecord(r))
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b vault.Record) int { return a.Ref.Compare(b.Ref) })
	return out[:min(limit, len(out))], nil
}

// SwapSecret implements vault.Store.
func (s *Store) SwapSecret(ctx context.Context, ref vault.Ref, prev, next []byte, version uint32) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.secrets[ref]
	if !ok || !bytes.Equal(r.Ciphertext, prev) {
		return false, nil
	}
	r.Ciphertext, r.KeyVersion = bytes.Clone(next), version
	s.secrets[ref] = r
	return true, nil
}

// SecretVersionCounts implements vault.Store.
func (s *Store) SecretVersionCounts(ctx context.Context) (map[uint32]int, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := map[uint32]int{}
	for _, r := range s.secrets {
		out[r.KeyVersion]++
	}
	return out, nil
}

// PutSubjectKey implements vault.Store.
func (s *Store) PutSubjectKey(ctx context.Context, k vault.SubjectKey) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := vault.SubjectRef{WorkspaceID: k.WorkspaceID, SubjectID: k.SubjectID}
	if _, ok := s.subjects[id]; ok {
		return vault.ErrExists
	}
	s.subjects[id] = copyKey(k)
	return nil
}

// SubjectKey implements vault.Store.
func (s *Store) SubjectKey(ctx context.Context, workspaceID, subjectID string) (vault.SubjectKey, error) {
	if err := ctx.Err(); err != nil {
		return vault.SubjectKey{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	k, ok := s.subjects[vault.SubjectRef{WorkspaceID: workspaceID, SubjectID: subjectID}]
	if !ok {
		return vault.SubjectKey{}, vault.ErrNotFound
	}
	return copyKey(k), nil
}

// DeleteSubjectKey implements vault.Store.
func (s *Store) DeleteSubjectKey(ctx context.Context, workspaceID, subjectID string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := vault.SubjectRef{WorkspaceID: workspaceID, SubjectID: subjectID}
	k, ok := s.subjects[id]
	if !ok {
		return vault.ErrNotFound
	}
	clear(k.Wrapped)
	delete(s.subjects, id)
	return nil
}

// StaleSubjectKeys implements vault.Store.
func (s *Store) StaleSubjectKeys(ctx context.Context, active uint32, after vault.SubjectRef, limit int) ([]vault.SubjectKey, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	var out []vault.SubjectKey
	for id, k := range s.subjects {
		if k.KeyVersion == active || id.Compare(after) <= 0 {
			continue
		}
		out = append(out, copyKey(k))
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b vault.SubjectKey) int {
		return cmp.Or(cmp.Compare(a.WorkspaceID, b.WorkspaceID), cmp.Compare(a.SubjectID, b.SubjectID))
	})
	return out[:min(limit, len(out))], nil
}

// SwapSubjectKey implements vault.Store.
func (s *Store) SwapSubjectKey(ctx context.Context, workspaceID, subjectID string, prev, next []byte, version uint32) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := vault.SubjectRef{WorkspaceID: workspaceID, SubjectID: subjectID}
	k, ok := s.subjects[id]
	if !ok || !bytes.Equal(k.Wrapped, prev) {
		return false, nil
	}
	k.Wrapped, k.KeyVersion = bytes.Clone(next), version
	s.subjects[id] = k
	return true, nil
}

// SubjectKeyVersionCounts implements vault.Store.
func (s *Store) SubjectKeyVersionCounts(ctx context.Context) (map[uint32]int, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := map[uint32]int{}
	for _, k := range s.subjects {
		out[k.KeyVersion]++
	}
	return out, nil
}

// Snapshot copies every secret record (never the subject keys), as a
// backup of the secrets would.
func (s *Store) Snapshot() []vault.Record {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]vault.Record, 0, len(s.secrets))
	for _, ref := range slices.SortedFunc(maps.Keys(s.secrets), vault.Ref.Compare) {
		out = append(out, copyRecord(s.secrets[ref]))
	}
	return out
}

// Restore replaces every secret record with recs (subject keys are kept),
// as restoring a backup of the secrets would.
func (s *Store) Restore(recs []vault.Record) error {
	m := make(map[vault.Ref]vault.Record, len(recs))
	for i, r := range recs {
		if err := r.Ref.Validate(); err != nil {
			return fmt.Errorf("memstore: restore: record %d: %w", i, err)
		}
		m[r.Ref] = copyRecord(r)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.secrets = m
	return nil
}
