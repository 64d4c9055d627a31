// Package vault encrypts the platform's secrets at rest: WhatsApp and Page
// access tokens, Instagram tokens, OpenAI and OpenRouter keys, Razorpay
// secrets, Google OAuth tokens.
//
// A [Keyring] derives one AES-256-GCM key per version from a master secret
// with HKDF-SHA256, labelled with the environment, the purpose and the
// version. Its ciphertexts are self-describing (format byte, key version,
// random nonce, sealed data), so opening never tries keys in turn, and they
// are bound to associated data: the bytes of the record they belong to.
//
// A [Vault] addresses secrets by [Ref] (workspace, kind, record, field),
// binds each ciphertext to its Ref, stores it through a [Store] (memstore
// or pgstore, neither of which ever holds a plaintext) and returns values as
// [secret.Value], which redacts itself in logs:
//
//	kr, err := vault.NewKeyring(masterSecret, vault.WithEnvironment("production"))
//	v, err := vault.New(kr, pgstore.New(pool))
//	ref := vault.Ref{WorkspaceID: "ws_1", Kind: "whatsapp_number", RecordID: phoneNumberID, Field: "access_token"}
//	_, err = v.Put(ctx, ref, secret.New(token))
//	tok, err := v.Get(ctx, ref) // tok.Reveal() only where it goes on the wire
//
// # Master secret
//
// The master secret is at least 32 random bytes, kept outside the database
// (a secret manager, an environment variable injected at deploy time):
//
//	head -c 32 /dev/urandom | base64
//
// Decode it (base64.StdEncoding) and pass the bytes to [NewKeyring]. Losing
// it loses every value; leaking it together with a database copy leaks them.
//
// # Rotation
//
//  1. Add the next version on every server: restart with
//     [WithVersions](n+1) and [WithActiveVersion](n), or call
//     [Keyring.AddVersion] at run time. It opens but does not seal yet.
//  2. Promote it ([Keyring.Promote], or WithActiveVersion(n+1) at start-up)
//     on every server: new values are sealed with it, old ones still open.
//  3. Run [Vault.Rewrap] until Done (resumable with its Cursor, safe while
//     serving).
//  4. Check [Vault.VersionCounts]: when the old version counts nothing,
//     retire it ([Keyring.Retire] or [WithRetiredVersions]); retired
//     versions refuse to open with [ErrKeyRetired].
//
// To rotate the master secret itself, give the new version its own secret
// with [WithVersionSecret] or [Keyring.AddVersionWithSecret] and follow the
// same steps.
//
// # Nonce safety
//
// Nonces are 96 random bits from crypto/rand. With random nonces, NIST
// SP 800-38D limits one key to 2^32 seals; each version counts its seals in
// process and warns (log and callback, see [WithSealWarning]) at
// [DefaultSealWarning] = 2^28. Rotating yearly keeps real deployments orders
// of magnitude below either number.
//
// # Crypto-shredding
//
// Values put with [ForSubject] are sealed under a per-subject data key
// which the keyring wraps; [Vault.Shred] destroys it, and with it every
// copy of those values, backups of the secrets included.
//
// # Errors
//
// Failures match [ErrTampered], [ErrUnknownKey], [ErrKeyRetired],
// [ErrNotFound], [ErrExpired], [ErrShredded] or [ErrInvalid] with
// [errors.Is]. Nothing in this package panics on input, and no error,
// log line or panic contains a plaintext, a key or a ciphertext.
package vault
