package vault

import "errors"

// Errors returned by the keyring, the vault and its stores. Match them with
// [errors.Is]; the wrapping error names the operation and, where it helps, the
// reference (never the value).
var (
	// ErrTampered means a ciphertext failed authentication: a flipped bit,
	// a truncated value, an unknown format, or associated data (the record
	// it is bound to) other than the one it was sealed with.
	ErrTampered = errors.New("vault: ciphertext is invalid or was tampered with")
	// ErrUnknownKey means the ciphertext names a key version the keyring
	// does not hold.
	ErrUnknownKey = errors.New("vault: unknown key version")
	// ErrKeyRetired means the ciphertext was sealed with a key version that
	// has been retired; reinstate the version or restore the value.
	ErrKeyRetired = errors.New("vault: key version is retired")
	// ErrInvalid means an argument was malformed; the error names the field.
	ErrInvalid = errors.New("vault: invalid argument")
	// ErrNotFound means no secret (or subject key) exists at the reference.
	ErrNotFound = errors.New("vault: not found")
	// ErrExpired means the secret's expiry time has passed.
	ErrExpired = errors.New("vault: secret expired")
	// ErrShredded means the secret was sealed under a subject data key that
	// has been destroyed: the value is gone for good.
	ErrShredded = errors.New("vault: subject key destroyed")
	// ErrExists means a subject key already exists (returned by stores).
	ErrExists = errors.New("vault: already exists")
)
