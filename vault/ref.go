package vault

import (
	"encoding/binary"
	"fmt"
	"unicode/utf8"
)

// MaxRefPart is the longest workspace id, kind, record id, field or subject
// id accepted, in bytes.
const MaxRefPart = 200

// Ref addresses one secret: which workspace owns it, what kind of record
// holds it, which record and which field. The ciphertext is bound to all
// four, so a value copied to another row, field or workspace does not open.
//
//	vault.Ref{WorkspaceID: "ws_1", Kind: "whatsapp_number", RecordID: "1093…", Field: "access_token"}
//
// References are identifiers, not secrets: they appear in errors and logs.
type Ref struct {
	WorkspaceID string
	Kind        string
	RecordID    string
	Field       string
}

// String returns "workspace/kind/record/field".
func (r Ref) String() string {
	return r.WorkspaceID + "/" + r.Kind + "/" + r.RecordID + "/" + r.Field
}

// Validate reports the first empty, over-long or malformed part.
func (r Ref) Validate() error {
	for _, p := range [...]struct{ name, v string }{
		{"workspace id", r.WorkspaceID}, {"kind", r.Kind}, {"record id", r.RecordID}, {"field", r.Field},
	} {
		if err := validatePart(p.name, p.v); err != nil {
			return err
		}
	}
	return nil
}

func validatePart(name, v string) error {
	switch {
	case v == "":
		return fmt.Errorf("%w: %s is empty", ErrInvalid, name)
	case len(v) > MaxRefPart:
		return fmt.Errorf("%w: %s is longer than %d bytes", ErrInvalid, name, MaxRefPart)
	case !utf8.ValidString(v):
		return fmt.Errorf("%w: %s is not valid UTF-8", ErrInvalid, name)
	}
	for _, c := range v {
		if c == 0 {
			return fmt.Errorf("%w: %s contains a NUL byte", ErrInvalid, name)
		}
	}
	return nil
}

// Compare orders references by workspace, kind, record and field, byte-wise
// (the order stores list and rewrap in).
func (r Ref) Compare(o Ref) int {
	for _, p := range [...][2]string{
		{r.WorkspaceID, o.WorkspaceID}, {r.Kind, o.Kind}, {r.RecordID, o.RecordID}, {r.Field, o.Field},
	} {
		switch {
		case p[0] < p[1]:
			return -1
		case p[0] > p[1]:
			return 1
		}
	}
	return 0
}

// Associated-data domains: a secret's and a subject key's associated data
// can never collide.
const (
	adSecret     = "botsync/vault/secret/v1"
	adSubjectKey = "botsync/vault/subject-key/v1"
)

// AssociatedData returns the bytes a secret at r is bound to: a domain label
// and each part of the reference, length-prefixed so that no two references
// share an encoding.
func (r Ref) AssociatedData() []byte {
	return appendParts(adSecret, r.WorkspaceID, r.Kind, r.RecordID, r.Field)
}

// subjectAD binds a wrapped subject key to its workspace, subject and id.
func subjectAD(workspaceID, subjectID string, keyID []byte) []byte {
	return appendParts(adSubjectKey, workspaceID, subjectID, string(keyID))
}

func appendParts(parts ...string) []byte {
	n := 0
	for _, p := range parts {
		n += binary.MaxVarintLen64 + len(p)
	}
	b := make([]byte, 0, n)
	for _, p := range parts {
		b = binary.AppendUvarint(b, uint64(len(p)))
		b = append(b, p...)
	}
	return b
}
