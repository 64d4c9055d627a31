package vault

import (
	"context"
	"time"
)

// Record is a stored secret: its reference, its ciphertext and metadata.
// Stores never see a plaintext.
type Record struct {
	Ref Ref
	// Ciphertext is a keyring ciphertext (KeyVersion > 0) or a ciphertext
	// sealed under the subject's data key (KeyVersion == 0).
	Ciphertext []byte
	// KeyVersion is the keyring version that sealed Ciphertext, or 0 when
	// the value is sealed under a subject data key.
	KeyVersion uint32
	// SubjectID and SubjectKeyID name the subject data key, if any.
	SubjectID    string
	SubjectKeyID []byte
	CreatedAt    time.Time
	// RotatedAt is when the value was last replaced (equal to CreatedAt
	// until the first replacement).
	RotatedAt time.Time
	// ExpiresAt is zero when the secret does not expire.
	ExpiresAt time.Time
	// LastUsedAt is zero until the first Get.
	LastUsedAt time.Time
}

// SubjectKey is a per-subject data key, wrapped (sealed) by the keyring.
type SubjectKey struct {
	WorkspaceID string
	SubjectID   string
	// KeyID is random; secrets sealed under the key record it, so a key
	// created again after shredding never opens the old values.
	KeyID []byte
	// Wrapped is the keyring ciphertext of the 32-byte data key.
	Wrapped    []byte
	KeyVersion uint32
	CreatedAt  time.Time
}

// SubjectRef positions a cursor among subject keys.
type SubjectRef struct {
	WorkspaceID string
	SubjectID   string
}

// Compare orders subject references byte-wise by workspace then subject.
func (s SubjectRef) Compare(o SubjectRef) int {
	switch {
	case s.WorkspaceID < o.WorkspaceID:
		return -1
	case s.WorkspaceID > o.WorkspaceID:
		return 1
	case s.SubjectID < o.SubjectID:
		return -1
	case s.SubjectID > o.SubjectID:
		return 1
	}
	return 0
}

// Store persists sealed secrets and wrapped subject keys. Implementations
// (memstore, pgstore) are safe for concurrent use, return [ErrNotFound] and
// [ErrExists] rather than driver errors, and pass vaulttest.TestStore.
//
// Every per-secret method is scoped by the reference's workspace. The
// Stale*, Swap* and *VersionCounts methods serve key rotation, which is a
// deployment-wide maintenance task: they are the only ones that span
// workspaces, and they handle ciphertexts only.
//
// Orderings are byte-wise on the reference parts (Ref.Compare,
// SubjectRef.Compare).
type Store interface {
	// PutSecret inserts rec, or replaces the secret at rec.Ref: a
	// replacement keeps the stored CreatedAt and LastUsedAt and takes
	// every other field from rec. It returns the stored record.
	PutSecret(ctx context.Context, rec Record) (Record, error)
	// Secret returns the record at ref or ErrNotFound.
	Secret(ctx context.Context, ref Ref) (Record, error)
	// DeleteSecret removes the record at ref or returns ErrNotFound.
	DeleteSecret(ctx context.Context, ref Ref) error
	// ListSecrets returns up to limit records of one workspace ordered by
	// reference, after the reference after (its WorkspaceID is ignored; a
	// zero Ref starts at the beginning), only of kind when kind is not
	// empty. Listed records may omit Ciphertext and SubjectKeyID.
	ListSecrets(ctx context.Context, workspaceID, kind string, after Ref, limit int) ([]Record, error)
	// TouchSecret sets LastUsedAt, or returns ErrNotFound.
	TouchSecret(ctx context.Context, ref Ref, at time.Time) error
	// StaleSecrets returns up to limit keyring-sealed records
	// (KeyVersion > 0) whose KeyVersion differs from active, across all
	// workspaces, ordered by reference and strictly after after.
	StaleSecrets(ctx context.Context, active uint32, after Ref, limit int) ([]Record, error)
	// SwapSecret replaces the ciphertext at ref with next (sealed with
	// version) only if the stored ciphertext still equals prev, and
	// reports whether it did. RotatedAt is unchanged: the value is the same.
	SwapSecret(ctx context.Context, ref Ref, prev, next []byte, version uint32) (bool, error)
	// SecretVersionCounts counts records per KeyVersion (0 counts records
	// sealed under subject keys).
	SecretVersionCounts(ctx context.Context) (map[uint32]int, error)

	// PutSubjectKey inserts k or returns ErrExists when the subject already
	// has a key.
	PutSubjectKey(ctx context.Context, k SubjectKey) error
	// SubjectKey returns the subject's key or ErrNotFound.
	SubjectKey(ctx context.Context, workspaceID, subjectID string) (SubjectKey, error)
	// DeleteSubjectKey destroys the subject's key or returns ErrNotFound.
	DeleteSubjectKey(ctx context.Context, workspaceID, subjectID string) error
	// StaleSubjectKeys is StaleSecrets for subject keys.
	StaleSubjectKeys(ctx context.Context, active uint32, after SubjectRef, limit int) ([]SubjectKey, error)
	// SwapSubjectKey is SwapSecret for subject keys.
	SwapSubjectKey(ctx context.Context, workspaceID, subjectID string, prev, next []byte, version uint32) (bool, error)
	// SubjectKeyVersionCounts counts subject keys per KeyVersion.
	SubjectKeyVersionCounts(ctx context.Context) (map[uint32]int, error)
}
