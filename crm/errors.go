package crm

import (
	"errors"
	"fmt"
)

// Sentinel errors returned by the Service and by every Store. Test with
// errors.Is; the wrapped message names the operation and the field, never a
// phone number, email address or name.
var (
	// ErrNotFound means the record does not exist in the workspace (records of
	// other workspaces are reported as not found too).
	ErrNotFound = errors.New("crm: not found")
	// ErrConflict means a unique key is already taken: an identity that belongs
	// to another lead, a duplicate row in an import, a stage key used twice.
	ErrConflict = errors.New("crm: conflict")
	// ErrInvalid is matched by every *ValidationError.
	ErrInvalid = errors.New("crm: invalid input")
	// ErrMerged is returned when an operation targets a lead that was merged
	// into another; Lead.MergedInto names the survivor.
	ErrMerged = errors.New("crm: lead was merged")
)

// ValidationError reports bad input for one field. Its message names the field
// and the rule, never the value.
type ValidationError struct {
	Field  string // e.g. "phone", "email", "custom.budget", "stage"
	Reason string // e.g. "not a valid phone number"
}

// Error implements error.
func (e *ValidationError) Error() string {
	return fmt.Sprintf("crm: invalid %s: %s", e.Field, e.Reason)
}

// Is makes errors.Is(err, ErrInvalid) true.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

func invalid(field, reason string) error { return &ValidationError{Field: field, Reason: reason} }

// RowError is one bad row of a CSV import. Row counts data rows from 1 (the
// header is row 0); Line is the row's first line in the file (1 is the
// header), when known.
type RowError struct {
	Row  int
	Line int
	Err  error
}

// Error implements error.
func (e *RowError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("row %d (line %d): %v", e.Row, e.Line, e.Err)
	}
	return fmt.Sprintf("row %d: %v", e.Row, e.Err)
}

// Unwrap returns the row's cause.
func (e *RowError) Unwrap() error { return e.Err }

// ImportError lists every bad row of a rejected CSV import; nothing was
// written. errors.Is(err, ErrInvalid) and errors.As(err, &*ValidationError)
// see through it to the first row's cause.
type ImportError struct {
	Rows []*RowError
}

// Error implements error.
func (e *ImportError) Error() string {
	switch len(e.Rows) {
	case 0:
		return "crm: import rejected"
	case 1:
		return "crm: import rejected: " + e.Rows[0].Error()
	}
	return fmt.Sprintf("crm: import rejected: %v (and %d more bad rows)", e.Rows[0], len(e.Rows)-1)
}

// Unwrap returns the row errors.
func (e *ImportError) Unwrap() []error {
	out := make([]error, len(e.Rows))
	for i, r := range e.Rows {
		out[i] = r
	}
	return out
}
