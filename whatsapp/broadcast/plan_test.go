package broadcast_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/crm"
	crmmem "github.com/botsync/botsync/crm/memstore"
	"github.com/botsync/botsync/whatsapp"
	"github.com/botsync/botsync/whatsapp/broadcast"
	"github.com/botsync/botsync/whatsapp/broadcast/broadcasttest"
	"github.com/botsync/botsync/whatsapp/broadcast/memstore"
)

func newService(t *testing.T, opts ...broadcast.Option) (*broadcast.Service, *broadcasttest.Sender, *memstore.Store) {
	t.Helper()
	store := memstore.New()
	fake := broadcasttest.NewSender(nil)
	svc, err := broadcast.New(store, fake, opts...)
	require.NoError(t, err)
	return svc, fake, store
}

func campaign(ws string) broadcast.Campaign {
	return broadcast.Campaign{WorkspaceID: ws, Name: "June batch", PhoneNumberID: "106540352242922", Rate: 80,
		Template: broadcast.TemplateSpec{Name: "batch_launch", Language: "en", Category: whatsapp.CategoryMarketing,
			HeaderText: &broadcast.ParamSpec{Field: "interest", Fallback: "our courses"},
			Body:       []broadcast.ParamSpec{{Field: "first_name", Fallback: "there"}, {Field: "city"}},
			Buttons:    []broadcast.ButtonSpec{{SubType: "url", Index: 0, Param: broadcast.ParamSpec{Field: "custom.coupon", Fallback: "JUNE"}}}}}
}

func TestPlanSkipsWithReasons(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	card := whatsapp.RateCard{Currency: "INR", Rates: map[string]map[whatsapp.Category]int64{"IN": {whatsapp.CategoryMarketing: 780_000}}}
	svc, _, store := newService(t, broadcast.WithRateCard(card))
	require.NoError(t, store.Suppress(ctx, broadcast.Suppression{WorkspaceID: "ws1", Contact: "919800000006", Source: broadcast.SourceStopKeyword}))
	spec := campaign("ws1")
	spec.Template.Buttons[0].SubType = "copy_code" // coupon codes: at most 15 characters
	c, err := svc.Create(ctx, spec, "user:1")
	require.NoError(t, err)
	city := map[string]string{"city": "Pune", "first_name": "Asha"}
	aud := broadcast.List{
		{LeadID: "1", Phone: "+91 98000 00001", MarketingConsent: true, Fields: city},
		{LeadID: "2", Phone: "+919800000002", MarketingConsent: false, Fields: city},
		{LeadID: "3", Phone: "+919800000003", MarketingConsent: true, OptedOut: true, Fields: city},
		{LeadID: "4", Phone: "919800000001", MarketingConsent: true, Fields: city},
		{LeadID: "5", Phone: "12", MarketingConsent: true, Fields: city},
		{LeadID: "6", Phone: "+919800000006", MarketingConsent: true, Fields: city},
		{LeadID: "7", Phone: "+919800000007", MarketingConsent: true, Fields: map[string]string{"first_name": "Ravi"}},
		{LeadID: "8", BSUID: "IN.13491208655302741918", MarketingConsent: true, Fields: map[string]string{"city": "Agra"}},
		{LeadID: "9", Phone: "+919800000009", MarketingConsent: true, Fields: map[string]string{"city": "Goa", "custom.coupon": "THIS-CODE-IS-FAR-TOO-LONG"}},
		{LeadID: "10", Phone: "+919800000010", MarketingConsent: true, Fields: map[string]string{"city": "New\n\tDelhi   ", "first_name": " Ravi\r\n"}},
	}
	res, err := svc.Plan(ctx, "ws1", c.ID, aud, "user:1")
	require.NoError(t, err)
	assert.Equal(t, 10, res.Planned)
	assert.Equal(t, 3, res.Sendable)
	assert.Equal(t, map[broadcast.SkipReason]int{
		broadcast.SkipNoConsent: 1, broadcast.SkipOptedOut: 2, broadcast.SkipDuplicate: 1,
		broadcast.SkipInvalidNumber: 1, broadcast.SkipMissingParam: 1, broadcast.SkipInvalidParam: 1,
	}, res.Skipped)
	assert.Equal(t, broadcast.Money{Currency: "INR", Micros: 3 * 780_000}, res.Estimate)
	r10, err := store.Recipient(ctx, "ws1", c.ID, 10)
	require.NoError(t, err)
	assert.Equal(t, []string{"our courses", "Ravi", "New Delhi", "JUNE"}, r10.Values, "white space folded: parameters may not hold new lines")

	r1, err := store.Recipient(ctx, "ws1", c.ID, 1)
	require.NoError(t, err)
	assert.Equal(t, "919800000001", r1.To)
	assert.Equal(t, "IN", r1.Country)
	assert.Equal(t, []string{"our courses", "Asha", "Pune", "JUNE"}, r1.Values, "fields with fallbacks, frozen")
	r8, err := store.Recipient(ctx, "ws1", c.ID, 8)
	require.NoError(t, err)
	assert.Equal(t, "IN.13491208655302741918", r8.To)
	assert.Equal(t, []string{"our courses", "there", "Agra", "JUNE"}, r8.Values)

	got, err := svc.Campaign(ctx, "ws1", c.ID)
	require.NoError(t, err)
	assert.Equal(t, 10, got.Planned)
	assert.False(t, got.PlannedAt.IsZero())
	_, err = svc.Plan(ctx, "ws1", c.ID, aud, "user:1")
	require.ErrorIs(t, err, broadcast.ErrState, "a plan is frozen once")

	m, err := got.Message(r1)
	require.NoError(t, err)
	require.NoError(t, m.Validate())
	assert.Equal(t, broadcast.CallbackData(c.ID, 1), m.CallbackData)
}

func TestPlanFromCRMSegmentIsFrozen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	leads, err := crm.New(crmmem.New(), crm.WithDefaultRegion("IN"))
	require.NoError(t, err)
	mk := func(name, phone string, consent, optOut bool, tags ...string) *crm.Lead {
		l, _, err := leads.FindOrCreate(ctx, "ws1", crm.Contact{Identities: []crm.Identity{crm.Phone(phone)}, Name: name})
		require.NoError(t, err)
		l, err = leads.Update(ctx, "ws1", l.ID, crm.LeadUpdate{Consent: &consent, MarketingOptOut: &optOut, City: ptr("Delhi")}, crm.User("u1"))
		require.NoError(t, err)
		if len(tags) > 0 {
			l, err = leads.Tag(ctx, "ws1", l.ID, crm.User("u1"), tags...)
			require.NoError(t, err)
		}
		return l
	}
	asha := mk("Asha Rao", "9876543210", true, false, "neet")
	mk("Ravi", "9876543211", true, true, "neet")
	mk("Meena", "9876543212", false, false, "neet")
	mk("Other", "9876543213", true, false)

	svc, _, store := newService(t)
	spec := campaign("ws1")
	c, err := svc.Create(ctx, spec, "user:1")
	require.NoError(t, err)
	res, err := svc.Plan(ctx, "ws1", c.ID, broadcast.Segment(leads, crm.Query{Tags: []string{"neet"}}), "user:1")
	require.NoError(t, err)
	assert.Equal(t, 3, res.Planned)
	assert.Equal(t, 1, res.Sendable)
	assert.Equal(t, 1, res.Skipped[broadcast.SkipOptedOut])
	assert.Equal(t, 1, res.Skipped[broadcast.SkipNoConsent])

	_, err = leads.Update(ctx, "ws1", asha.ID, crm.LeadUpdate{City: ptr("Mumbai")}, crm.User("u1"))
	require.NoError(t, err)
	rs, err := store.Recipients(ctx, "ws1", c.ID, broadcast.StatusPending, 0, 10)
	require.NoError(t, err)
	require.Len(t, rs, 1)
	assert.Equal(t, asha.ID, rs[0].LeadID)
	assert.Equal(t, []string{"our courses", "Asha", "Delhi", "JUNE"}, rs[0].Values, "later CRM edits do not change the plan")
}

func ptr[T any](v T) *T { return &v }

func TestPlanChecksTemplateAgainstCatalog(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cat := whatsapp.NewCatalog()
	cat.Learn(whatsapp.TemplateDefinition{Name: "batch_launch", Language: "en", Category: whatsapp.CategoryMarketing, Status: "APPROVED",
		Components: []whatsapp.TemplateComponent{{Type: "BODY", Text: "Hi {{1}}, a new batch starts"}}})
	svc, _, _ := newService(t, broadcast.WithCatalog(cat))
	c, err := svc.Create(ctx, campaign("ws1"), "user:1")
	require.NoError(t, err)
	aud := broadcasttest.Members(3)
	for _, m := range aud {
		m.Fields["city"] = "Pune"
	}
	_, err = svc.Plan(ctx, "ws1", c.ID, aud, "user:1")
	require.Error(t, err)
	var ve *whatsapp.ValidationError
	require.ErrorAs(t, err, &ve, "the template's parameters do not match its definition")
}

func TestCampaignValidation(t *testing.T) {
	t.Parallel()
	svc, _, _ := newService(t)
	for _, tc := range []struct {
		field string
		edit  func(*broadcast.Campaign)
	}{
		{"workspace_id", func(c *broadcast.Campaign) { c.WorkspaceID = "" }},
		{"name", func(c *broadcast.Campaign) { c.Name = " " }},
		{"phone_number_id", func(c *broadcast.Campaign) { c.PhoneNumberID = "+91 98" }},
		{"template.name", func(c *broadcast.Campaign) { c.Template.Name = "" }},
		{"template.language", func(c *broadcast.Campaign) { c.Template.Language = "" }},
		{"rate", func(c *broadcast.Campaign) { c.Rate = 5000 }},
		{"template.buttons[0].sub_type", func(c *broadcast.Campaign) { c.Template.Buttons[0].SubType = "call" }},
		{"quiet_hours", func(c *broadcast.Campaign) { c.QuietHours = &broadcast.QuietHours{Start: 60, End: 60, TimeZone: "UTC"} }},
		{"quiet_hours.time_zone", func(c *broadcast.Campaign) {
			c.QuietHours = &broadcast.QuietHours{Start: 60, End: 120, TimeZone: "Mars/Base"}
		}},
		{"id", func(c *broadcast.Campaign) { c.ID = "a:b" }},
		{"template.header_media", func(c *broadcast.Campaign) {
			c.Template.HeaderMedia = whatsapp.HeaderMedia("image", whatsapp.MediaRef{ID: "123"})
		}},
	} {
		t.Run(tc.field, func(t *testing.T) {
			c := campaign("ws1")
			tc.edit(&c)
			_, err := svc.Create(context.Background(), c, "user:1")
			var ve *broadcast.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, tc.field, ve.Field)
			assert.ErrorIs(t, err, broadcast.ErrInvalid)
		})
	}
}

func TestStateMachine(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := broadcasttest.T0
	svc, _, _ := newService(t, broadcast.WithClock(func() time.Time { return now }))
	c, err := svc.Create(ctx, campaign("ws1"), "user:1")
	require.NoError(t, err)
	_, err = svc.Start(ctx, "ws1", c.ID, "user:1")
	require.ErrorIs(t, err, broadcast.ErrState, "no plan yet")
	_, err = svc.Plan(ctx, "ws1", c.ID, broadcasttest.Members(2), "user:1")
	require.NoError(t, err)
	_, err = svc.Schedule(ctx, "ws1", c.ID, now.Add(time.Hour), "user:2")
	require.NoError(t, err)
	started, err := svc.StartDue(ctx, "ws1")
	require.NoError(t, err)
	assert.Empty(t, started, "not yet")
	now = now.Add(time.Hour)
	started, err = svc.StartDue(ctx, "ws1")
	require.NoError(t, err)
	require.Len(t, started, 1)
	_, err = svc.Pause(ctx, "ws1", c.ID, "user:3", "typo in the offer")
	require.NoError(t, err)
	_, err = svc.Pause(ctx, "ws1", c.ID, "user:3", "again")
	require.ErrorIs(t, err, broadcast.ErrState)
	_, err = svc.Resume(ctx, "ws1", c.ID, "user:3", "fixed")
	require.NoError(t, err)
	got, err := svc.Cancel(ctx, "ws1", c.ID, "user:4", "budget cut")
	require.NoError(t, err)
	_, err = svc.Resume(ctx, "ws1", c.ID, "user:3", "oops")
	require.ErrorIs(t, err, broadcast.ErrState, "cancelled is final")

	type step struct {
		from, to broadcast.State
		actor    broadcast.Actor
	}
	var steps []step
	for _, tr := range got.History {
		if tr.From != tr.To {
			steps = append(steps, step{tr.From, tr.To, tr.Actor})
		}
		assert.NotEmpty(t, tr.Reason, "every transition says why")
	}
	assert.Equal(t, []step{
		{"", broadcast.StateDraft, "user:1"},
		{broadcast.StateDraft, broadcast.StateScheduled, "user:2"},
		{broadcast.StateScheduled, broadcast.StateRunning, broadcast.System},
		{broadcast.StateRunning, broadcast.StatePaused, "user:3"},
		{broadcast.StatePaused, broadcast.StateRunning, "user:3"},
		{broadcast.StateRunning, broadcast.StateCancelled, "user:4"},
	}, steps)
	assert.Equal(t, "budget cut", got.History[len(got.History)-1].Reason)
	assert.False(t, broadcast.CanTransition(broadcast.StateCompleted, broadcast.StateRunning))
}
