package instagram

import (
	"errors"
	"strings"
)

// Local policy errors. They are returned before any call is made, so a send
// that would break Meta's rules never spends an API call. Classify them with
// errors.Is.
var (
	// ErrOutsideWindow means the send is outside its messaging window: more
	// than 24 hours since the user's last message (7 days with the
	// HUMAN_AGENT tag), no message from the user at all, a private reply more
	// than 7 days after the comment, or a private reply to a live comment
	// after the broadcast ended.
	ErrOutsideWindow = errors.New("instagram: outside the messaging window")
	// ErrHumanAgentDisabled means a send carried the HUMAN_AGENT tag but the
	// account is not approved for it (see [WithHumanAgent]).
	ErrHumanAgentDisabled = errors.New("instagram: HUMAN_AGENT tag is not enabled for this account")
	// ErrPrivateReplyUsed means the comment already got its one private reply
	// (the claim for the comment id is taken).
	ErrPrivateReplyUsed = errors.New("instagram: comment already has a private reply")
	// ErrBudgetExhausted means the client's local send budget for the kind of
	// send (text, media, private replies) is used up for now; try later.
	ErrBudgetExhausted = errors.New("instagram: send budget exhausted")
	// ErrInvalid means a request failed client-side validation; the error is a
	// [*FieldError] naming the field.
	ErrInvalid = errors.New("instagram: invalid request")
	// ErrUnsupported means the operation does not exist on the client's
	// [Stack].
	ErrUnsupported = errors.New("instagram: not supported on this stack")
	// ErrNoConsent means Meta refused a user profile because the user has not
	// messaged the account yet (user consent is given by messaging first).
	ErrNoConsent = errors.New("instagram: user has not consented by messaging the account")
)

// FieldError is a client-side validation failure. Field is the JSON path of
// the offending field ("message.quick_replies[2].title"); Reason says what is
// wrong. Neither ever contains message content. It matches [ErrInvalid].
type FieldError struct {
	Field  string
	Reason string
}

// Error implements error.
func (e *FieldError) Error() string {
	var b strings.Builder
	b.WriteString("instagram: ")
	b.WriteString(e.Field)
	b.WriteString(": ")
	b.WriteString(e.Reason)
	return b.String()
}

// Is makes a FieldError match [ErrInvalid].
func (e *FieldError) Is(target error) bool { return target == ErrInvalid }

func invalid(field, reason string) error { return &FieldError{Field: field, Reason: reason} }
