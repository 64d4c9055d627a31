package whatsapp

import (
	"errors"
	"strings"
)

// ErrInvalid is matched (errors.Is) by every [*ValidationError]: the request
// was rejected locally, before any call to Meta.
var ErrInvalid = errors.New("whatsapp: invalid request")

// ValidationError is a request rejected before any call was made. Field
// names the offending JSON field as a path, such as
// "interactive.action.buttons" or "template.components[body].parameters[2]".
// The error text never contains message bodies or phone numbers.
type ValidationError struct {
	// Field is the path of the offending field.
	Field string
	// Reason says what is wrong with it.
	Reason string
}

// Error implements error.
func (e *ValidationError) Error() string {
	return "whatsapp: " + e.Field + ": " + e.Reason
}

// Is reports whether target is [ErrInvalid].
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

func invalid(field, reason string) error { return &ValidationError{Field: field, Reason: reason} }

func join(prefix, field string) string {
	if prefix == "" {
		return field
	}
	if strings.HasPrefix(field, "[") {
		return prefix + field
	}
	return prefix + "." + field
}
