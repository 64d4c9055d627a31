package instagram

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// StampPrefix starts the metadata BotSync stamps on every message it sends.
// Meta returns the metadata in the message's echo, which is how our own
// echoes are told apart from messages a human sent from the Instagram app.
const StampPrefix = "botsync:v1:"

// Stamp returns the metadata for label: "botsync:v1:<label>".
func Stamp(label string) string { return StampPrefix + label }

// ParseStamp reports whether metadata is a BotSync stamp and returns its
// label.
func ParseStamp(metadata string) (label string, ok bool) {
	return strings.CutPrefix(metadata, StampPrefix)
}

func validLabel(field, label string) error {
	switch {
	case label == "":
		return invalid(field, "label required")
	case !utf8.ValidString(label):
		return invalid(field, "label is not valid UTF-8")
	case utf8.RuneCountInString(StampPrefix+label) > MaxMetadata:
		return invalid(field, fmt.Sprintf("label longer than %d characters", MaxMetadata-len(StampPrefix)))
	case strings.ContainsAny(label, "\r\n"):
		return invalid(field, "label contains a line break")
	}
	return nil
}
