package privacy_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/privacy"
	"github.com/botsync/botsync/privacy/memstore"
)

func newCases(now *time.Time) (*privacy.Cases, *privacy.AuditLog) {
	st := memstore.New()
	clock := func() time.Time { return *now }
	audit := privacy.NewAuditLog(st, clock)
	ist := time.FixedZone("IST", 5*3600+1800)
	cal := privacy.NewCalendar(ist, privacy.IndiaNationalHolidays(2026))
	return &privacy.Cases{Grievances: st, Incidents: st, Audit: audit, Calendar: cal, Now: clock}, audit
}

func names(ss []privacy.Status) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.Deadline.Subject+" "+s.Deadline.Rule.Name+" "+s.State.String())
	}
	return out
}

func TestGrievanceClocks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ist := time.FixedZone("IST", 5*3600+1800)
	now := time.Date(2026, 1, 23, 16, 0, 0, 0, ist) // Friday; Monday 26 January is Republic Day
	cases, audit := newCases(&now)

	_, err := cases.FileGrievance(ctx, privacy.Grievance{WorkspaceID: "ws"})
	require.ErrorContains(t, err, "grievance id")
	g, err := cases.FileGrievance(ctx, privacy.Grievance{ID: "g1", WorkspaceID: "ws", Subject: "lead-1", Channel: "email", Reference: "ticket-9"})
	require.NoError(t, err)
	assert.True(t, g.ReceivedAt.Equal(now))

	review, err := cases.Review(ctx, "ws", 24*time.Hour)
	require.NoError(t, err)
	require.Len(t, review, 2)
	assert.Equal(t, time.Date(2026, 2, 5, 0, 0, 0, 0, ist), review[0].Due.In(ist), "7 business days skip the weekends and Republic Day")
	assert.Equal(t, time.Date(2026, 2, 22, 16, 0, 0, 0, ist), review[1].Due.In(ist), "resolve within 30 days")

	now = time.Date(2026, 2, 4, 12, 0, 0, 0, ist)
	due, err := cases.Due(ctx, "ws", 24*time.Hour)
	require.NoError(t, err)
	assert.Equal(t, []string{"grievance:g1 grievance.acknowledge due soon"}, names(due))

	now = time.Date(2026, 2, 5, 9, 0, 0, 0, ist)
	over, err := cases.Overdue(ctx, "ws")
	require.NoError(t, err)
	assert.Equal(t, []string{"grievance:g1 grievance.acknowledge overdue"}, names(over))

	g, err = cases.AcknowledgeGrievance(ctx, "ws", "g1", "dpo")
	require.NoError(t, err)
	st, err := g.Acknowledge.State(cases.Calendar, now, 0)
	require.NoError(t, err)
	assert.Equal(t, privacy.StateMetLate, st)
	over, err = cases.Overdue(ctx, "ws")
	require.NoError(t, err)
	assert.Empty(t, over, "a met clock leaves the queries")

	_, err = cases.ResolveGrievance(ctx, "ws", "g1", "dpo", "")
	require.ErrorContains(t, err, "resolution")
	g, err = cases.ResolveGrievance(ctx, "ws", "g1", "dpo", "data corrected")
	require.NoError(t, err)
	assert.False(t, g.Open())
	_, err = cases.ResolveGrievance(ctx, "ws", "g1", "dpo", "again")
	require.ErrorIs(t, err, privacy.ErrBadState)
	review, err = cases.Review(ctx, "ws", time.Hour)
	require.NoError(t, err)
	assert.Empty(t, review)

	_, err = cases.AcknowledgeGrievance(ctx, "ws", "missing", "dpo")
	require.ErrorIs(t, err, privacy.ErrNotFound)
	n, err := audit.Verify(ctx, "ws", nil)
	require.NoError(t, err)
	assert.Equal(t, 3, n, "filed, acknowledged, resolved")
}

func TestIncidentClocks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	aware := time.Date(2026, 3, 1, 22, 0, 0, 0, time.UTC)
	now := aware.Add(30 * time.Minute)
	cases, audit := newCases(&now)

	_, err := cases.ReportIncident(ctx, privacy.Incident{ID: "i1", WorkspaceID: "ws"})
	require.ErrorContains(t, err, "became_aware")
	_, err = cases.ReportIncident(ctx, privacy.Incident{ID: "i1", WorkspaceID: "ws", BecameAware: now.Add(time.Hour)})
	require.ErrorContains(t, err, "future")
	inc, err := cases.ReportIncident(ctx, privacy.Incident{ID: "i1", WorkspaceID: "ws", Title: "exposed webhook log", BecameAware: aware})
	require.NoError(t, err)
	require.Len(t, inc.Clocks, 4)
	_, err = cases.ReportIncident(ctx, privacy.Incident{ID: "other", WorkspaceID: "ws-b", BecameAware: aware})
	require.NoError(t, err)

	now = aware.Add(5 * time.Hour)
	esc, err := cases.Escalations(ctx, "ws", 2*time.Hour)
	require.NoError(t, err)
	assert.Equal(t, []string{"incident:i1 breach.cert-in due soon"}, names(esc))

	now = aware.Add(25 * time.Hour)
	esc, err = cases.Escalations(ctx, "ws", 2*time.Hour)
	require.NoError(t, err)
	assert.Equal(t, []string{"incident:i1 breach.cert-in overdue", "incident:i1 breach.dpdp.intimation overdue"}, names(esc))

	_, err = cases.MarkNotified(ctx, "ws", "i1", "breach.unknown", "ciso")
	require.ErrorIs(t, err, privacy.ErrUnknownClock)
	_, err = cases.MarkNotified(ctx, "ws", "i1", privacy.BreachCERTIn.Name, "ciso")
	require.NoError(t, err)
	_, err = cases.MarkNotified(ctx, "ws", "i1", privacy.BreachDPDPIntimation.Name, "ciso")
	require.NoError(t, err)
	esc, err = cases.Escalations(ctx, "ws", 2*time.Hour)
	require.NoError(t, err)
	assert.Empty(t, esc)

	now = aware.Add(71 * time.Hour)
	esc, err = cases.Escalations(ctx, "ws", 2*time.Hour)
	require.NoError(t, err)
	assert.Equal(t, []string{"incident:i1 breach.dpdp.report due soon", "incident:i1 breach.gdpr due soon"}, names(esc))

	_, err = cases.CloseIncident(ctx, "ws", "i1", "ciso")
	require.NoError(t, err)
	review, err := cases.Review(ctx, "ws", time.Hour)
	require.NoError(t, err)
	assert.Empty(t, review, "a closed incident leaves the queries")
	other, err := cases.Review(ctx, "ws-b", time.Hour)
	require.NoError(t, err)
	assert.Len(t, other, 4, "queries stay inside their workspace")
	n, err := audit.Verify(ctx, "ws", nil)
	require.NoError(t, err)
	assert.Equal(t, 4, n)
}
