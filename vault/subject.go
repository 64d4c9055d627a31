package vault

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
)

// Crypto-shredding. A value put with [ForSubject] is sealed under a random
// 256-bit data key of its subject; the data key is stored wrapped by the
// keyring (bound to workspace, subject and key id). [Vault.Shred] deletes the
// wrapped key, after which the values, and every copy of them in backups of
// the secrets, cannot be opened by anyone: the key existed nowhere else.
//
// Subject ciphertext layout:
//
//	offset 0      format byte (formatSubjectV1)
//	offset 1..12  96-bit random nonce
//	offset 13..   AES-256-GCM ciphertext and tag, associated data = the Ref's
const (
	formatSubjectV1   byte = 0x02
	subjectHeaderSize      = 1 + nonceSize
	dataKeySize            = 32
	keyIDSize              = 16
)

// subjectKey returns the subject's unwrapped data key and its id, creating
// the key when create is set. Without create, a missing key is ErrShredded.
func (v *Vault) subjectKey(ctx context.Context, workspaceID, subjectID string, create bool) (dek, keyID []byte, err error) {
	for range 2 {
		k, err := v.store.SubjectKey(ctx, workspaceID, subjectID)
		switch {
		case err == nil:
			dek, err := v.kr.Open(k.Wrapped, subjectAD(workspaceID, subjectID, k.KeyID))
			if err != nil {
				return nil, nil, fmt.Errorf("subject key: %w", err)
			}
			if len(dek) != dataKeySize {
				clear(dek)
				return nil, nil, fmt.Errorf("subject key: %w: data key has %d bytes", ErrTampered, len(dek))
			}
			return dek, k.KeyID, nil
		case !isNotFound(err):
			return nil, nil, fmt.Errorf("subject key: %w", err)
		case !create:
			return nil, nil, ErrShredded
		}
		dek = make([]byte, dataKeySize)
		keyID = make([]byte, keyIDSize)
		_, _ = rand.Read(dek)
		_, _ = rand.Read(keyID)
		wrapped, err := v.kr.Seal(dek, subjectAD(workspaceID, subjectID, keyID))
		if err != nil {
			clear(dek)
			return nil, nil, fmt.Errorf("subject key: %w", err)
		}
		err = v.store.PutSubjectKey(ctx, SubjectKey{
			WorkspaceID: workspaceID, SubjectID: subjectID, KeyID: keyID,
			Wrapped: wrapped, KeyVersion: v.kr.versionOf(wrapped), CreatedAt: v.now(),
		})
		if err == nil {
			return dek, keyID, nil
		}
		clear(dek)
		if !errors.Is(err, ErrExists) {
			return nil, nil, fmt.Errorf("subject key: %w", err)
		}
		// Another caller created it first: read theirs.
	}
	return nil, nil, fmt.Errorf("subject key: %w: created concurrently and then destroyed", ErrShredded)
}

func dataKeyAEAD(dek []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(dek)
	if err != nil {
		return nil, fmt.Errorf("data key: %w", err)
	}
	return cipher.NewGCM(block)
}

func sealWithDataKey(dek, plaintext, ad []byte) ([]byte, error) {
	aead, err := dataKeyAEAD(dek)
	if err != nil {
		return nil, err
	}
	out := make([]byte, subjectHeaderSize, subjectHeaderSize+len(plaintext)+tagSize)
	out[0] = formatSubjectV1
	nonce := out[1:subjectHeaderSize]
	_, _ = rand.Read(nonce)
	return aead.Seal(out, nonce, plaintext, ad), nil
}

func openWithDataKey(dek, ciphertext, ad []byte) ([]byte, error) {
	if len(ciphertext) < subjectHeaderSize+tagSize || ciphertext[0] != formatSubjectV1 {
		return nil, fmt.Errorf("%w: not a subject ciphertext", ErrTampered)
	}
	aead, err := dataKeyAEAD(dek)
	if err != nil {
		return nil, err
	}
	out, err := aead.Open(nil, ciphertext[1:subjectHeaderSize], ciphertext[subjectHeaderSize:], ad)
	if err != nil {
		return nil, ErrTampered
	}
	return out, nil
}

// Shred destroys the data key of a subject in a workspace: every value put
// with [ForSubject](subjectID) in that workspace becomes unreadable for good
// ([ErrShredded]), including copies in backups of the secrets. The secrets'
// rows stay (Delete or List them as usual); a later Put for the subject
// creates a fresh key that opens only new values. Shred is idempotent: it
// returns nil when the subject has no key.
//
// Keep backups of the subject keys (pgstore's vault_subject_keys table) no
// longer than the erasure deadline, or out of backups altogether: a restored
// key would restore the values.
func (v *Vault) Shred(ctx context.Context, workspaceID, subjectID string) error {
	if err := validatePart("workspace id", workspaceID); err != nil {
		return fmt.Errorf("vault: shred: %w", err)
	}
	if err := validatePart("subject id", subjectID); err != nil {
		return fmt.Errorf("vault: shred: %w", err)
	}
	if err := v.store.DeleteSubjectKey(ctx, workspaceID, subjectID); err != nil && !isNotFound(err) {
		return fmt.Errorf("vault: shred %s/%s: %w", workspaceID, subjectID, err)
	}
	return nil
}
