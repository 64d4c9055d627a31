package crm

import (
	"log/slog"

	"github.com/botsync/botsync/secret"
)

// String prints the identity's kind with its value redacted.
func (id Identity) String() string { return string(id.Kind) + ":" + secret.RedactedPII }

// LogValue implements slog.LogValuer: the kind only, the value redacted.
func (id Identity) LogValue() slog.Value {
	return slog.GroupValue(slog.String("kind", string(id.Kind)), slog.Any("value", secret.NewPII(id.Value)))
}

// LogValue implements slog.LogValuer: a lead logs as its ids, stage and
// counts, never its name, identities or profile.
func (l *Lead) LogValue() slog.Value {
	if l == nil {
		return slog.StringValue("<nil>")
	}
	return slog.GroupValue(
		slog.String("id", l.ID), slog.String("workspace_id", l.WorkspaceID), slog.String("stage", l.Stage),
		slog.Int("identities", len(l.Identities)), slog.String("merged_into", l.MergedInto),
	)
}

// LogValue implements slog.LogValuer without the contact's identities or name.
func (c Contact) LogValue() slog.Value {
	return slog.GroupValue(slog.Int("identities", len(c.Identities)), slog.String("channel", c.Source.Channel))
}

// LogValue implements slog.LogValuer without the number or the contact name.
func (c CallRecord) LogValue() slog.Value {
	return slog.GroupValue(slog.String("device_id", c.DeviceID), slog.Time("at", c.At),
		slog.String("direction", string(c.Direction)), slog.String("type", string(c.Type)))
}
