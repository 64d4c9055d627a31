package crm_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/crm"
	"github.com/botsync/botsync/crm/memstore"
)

const hour = time.Hour

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, s)
	require.NoError(t, err)
	return tm
}

func TestNewOptions(t *testing.T) {
	t.Parallel()
	_, err := crm.New(nil)
	require.Error(t, err)
	for name, opt := range map[string]crm.Option{
		"clock":    crm.WithClock(nil),
		"region":   crm.WithDefaultRegion("XX"),
		"func":     crm.WithRegionFunc(nil),
		"logger":   crm.WithLogger(nil),
		"calendar": crm.WithCalendar(nil),
		"calfunc":  crm.WithCalendarFunc(nil),
	} {
		_, err := crm.New(memstore.New(), opt)
		assert.Error(t, err, name)
	}
	svc, err := crm.New(memstore.New(), crm.WithRegionFunc(func(ws string) string {
		if ws == "br" {
			return "BR"
		}
		return "IN"
	}), crm.WithLogger(slog.New(slog.DiscardHandler)))
	require.NoError(t, err)
	require.NotNil(t, svc.Store())
	in, _, err := svc.FindOrCreate(t.Context(), "in", crm.Contact{Identities: []crm.Identity{crm.Phone("09876543210")}})
	require.NoError(t, err)
	assert.Equal(t, "+919876543210", in.Phone())
	br, _, err := svc.FindOrCreate(t.Context(), "br", crm.Contact{Identities: []crm.Identity{crm.Phone("(11) 8765-4321")}})
	require.NoError(t, err)
	assert.Equal(t, "+5511987654321", br.Phone())
}

func TestNewIDOrdered(t *testing.T) {
	t.Parallel()
	a := crm.NewID(mustTime(t, "2026-03-01T10:00:00Z"))
	b := crm.NewID(mustTime(t, "2026-03-01T10:00:00.001Z"))
	assert.Len(t, a, 28)
	assert.Less(t, a, b)
	assert.NotEqual(t, crm.NewID(time.Unix(0, 0)), crm.NewID(time.Unix(0, 0)))
}

// TestNoPIIInErrorsOrLogs drives the bad-input paths with personal data and
// checks that neither error strings nor the log mention it.
func TestNoPIIInErrorsOrLogs(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	svc, err := crm.New(memstore.New(), crm.WithDefaultRegion("IN"), crm.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	require.NoError(t, err)
	ctx := t.Context()
	const phone, email, name = "+919812345678", "priya.secret@example.com", "Priya Secretname"
	l, _, err := svc.FindOrCreate(ctx, "ws", crm.Contact{Identities: []crm.Identity{crm.Phone(phone), crm.Email(email)}, Name: name})
	require.NoError(t, err)
	other, _, err := svc.FindOrCreate(ctx, "ws", crm.Contact{Identities: []crm.Identity{crm.Phone("+919812345679")}})
	require.NoError(t, err)

	var errs []error
	_, _, err = svc.FindOrCreate(ctx, "ws", crm.Contact{Identities: []crm.Identity{crm.Phone(phone + "99999")}})
	errs = append(errs, err)
	_, _, err = svc.FindOrCreate(ctx, "ws", crm.Contact{Identities: []crm.Identity{crm.Email(name)}})
	errs = append(errs, err)
	errs = append(errs, svc.AddIdentity(ctx, "ws", other.ID, crm.Email(email)))
	_, err = svc.ImportCSV(ctx, "ws", strings.NewReader("name,phone,email\n"+name+","+phone+","+email+"\n"+name+",12,\n"), crm.Actor{})
	errs = append(errs, err)
	_, err = svc.Update(ctx, "ws", l.ID, crm.LeadUpdate{CallbackPhone: ptr(name)}, crm.Actor{})
	errs = append(errs, err)
	_, err = svc.MatchCalls(ctx, "ws", []crm.CallRecord{{DeviceID: "d", Number: phone, At: time.Now(), ContactName: name}})
	errs = append(errs, err)
	for i, err := range errs {
		if err == nil {
			continue
		}
		for _, pii := range []string{phone, phone[3:], email, name} {
			assert.NotContains(t, err.Error(), pii, "error %d", i)
			assert.NotContains(t, fmt.Sprintf("%+v", err), pii, "error %d", i)
		}
	}
	for _, pii := range []string{phone[3:], email, name} {
		assert.NotContains(t, logs.String(), pii)
	}
}

func ptr[T any](v T) *T { return &v }

func TestFindOrCreateTruncatesLongNames(t *testing.T) {
	t.Parallel()
	svc, err := crm.New(memstore.New())
	require.NoError(t, err)
	long := strings.Repeat("é", 600) // 1200 bytes
	l, _, err := svc.FindOrCreate(t.Context(), "ws", crm.Contact{Identities: []crm.Identity{crm.Email("a@b.co")}, Name: long})
	require.NoError(t, err)
	assert.Len(t, l.Name, 1000)
	assert.True(t, strings.HasPrefix(long, l.Name))
}
