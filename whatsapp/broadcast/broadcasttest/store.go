package broadcasttest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/whatsapp"
	"github.com/botsync/botsync/whatsapp/broadcast"
)

// T0 is the base time of the suite (microsecond precision, UTC).
var T0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// NewCampaign returns a valid draft campaign for tests.
func NewCampaign(ws, id string) *broadcast.Campaign {
	return &broadcast.Campaign{ID: id, WorkspaceID: ws, Name: "Diwali batch " + id, PhoneNumberID: "106540352242922",
		Template: broadcast.TemplateSpec{Name: "batch_launch", Language: "en", Category: "MARKETING",
			Body: []broadcast.ParamSpec{{Field: "first_name", Fallback: "there"}}},
		Rate: 80, State: broadcast.StateDraft, CreatedAt: T0, UpdatedAt: T0,
		History: []broadcast.Transition{{To: broadcast.StateDraft, Actor: "user:1", Reason: "created", At: T0}}}
}

// NewRecipients returns n pending recipients numbered from seq 1, with
// distinct Indian mobile numbers.
func NewRecipients(n int) []broadcast.Recipient {
	out := make([]broadcast.Recipient, n)
	for i := range out {
		out[i] = broadcast.Recipient{Seq: int64(i + 1), LeadID: fmt.Sprintf("lead-%d", i+1),
			To: fmt.Sprintf("9198%08d", i+1), Country: "IN", Values: []string{fmt.Sprintf("Name%d", i+1)},
			Status: broadcast.StatusPending, UpdatedAt: T0}
	}
	return out
}

// TestStore runs the conformance suite against stores made by newStore (a
// fresh, empty store per call).
func TestStore(t *testing.T, newStore func(t *testing.T) broadcast.Store) {
	t.Run("Campaigns", func(t *testing.T) { t.Parallel(); testCampaigns(t, newStore(t)) })
	t.Run("UpdateCampaignSerialised", func(t *testing.T) { t.Parallel(); testUpdateSerialised(t, newStore(t)) })
	t.Run("Recipients", func(t *testing.T) { t.Parallel(); testRecipients(t, newStore(t)) })
	t.Run("RecipientRoundTrip", func(t *testing.T) { t.Parallel(); testRoundTrip(t, newStore(t)) })
	t.Run("Claim", func(t *testing.T) { t.Parallel(); testClaim(t, newStore(t)) })
	t.Run("ConcurrentClaims", func(t *testing.T) { t.Parallel(); testConcurrentClaims(t, newStore(t)) })
	t.Run("SendSteps", func(t *testing.T) { t.Parallel(); testSendSteps(t, newStore(t)) })
	t.Run("Counts", func(t *testing.T) { t.Parallel(); testCounts(t, newStore(t)) })
	t.Run("Suppression", func(t *testing.T) { t.Parallel(); testSuppression(t, newStore(t)) })
}

func testCampaigns(t *testing.T, s broadcast.Store) {
	ctx := context.Background()
	c := NewCampaign("ws1", "c1")
	c.QuietHours = &broadcast.QuietHours{Start: 21 * 60, End: 9 * 60, TimeZone: "Asia/Kolkata"}
	c.Template.HeaderMedia = whatsapp.HeaderMedia("image", whatsapp.MediaRef{Link: "https://example.com/batch.jpg"})
	c.Template.Buttons = []broadcast.ButtonSpec{{SubType: "url", Index: 1, Param: broadcast.ParamSpec{Field: "coupon", Fallback: "JUNE"}}}
	require.NoError(t, s.CreateCampaign(ctx, c))
	require.ErrorIs(t, s.CreateCampaign(ctx, c), broadcast.ErrExists)
	require.NoError(t, s.CreateCampaign(ctx, NewCampaign("ws2", "c1")), "ids are per workspace")
	c2 := NewCampaign("ws1", "c2")
	c2.State = broadcast.StateRunning
	require.NoError(t, s.CreateCampaign(ctx, c2))

	got, err := s.Campaign(ctx, "ws1", "c1")
	require.NoError(t, err)
	assert.Equal(t, c.Name, got.Name)
	assert.Equal(t, c.Template, got.Template)
	assert.Equal(t, *c.QuietHours, *got.QuietHours)
	require.Len(t, got.History, 1)
	assert.Equal(t, broadcast.Actor("user:1"), got.History[0].Actor)
	assert.True(t, got.CreatedAt.Equal(T0))

	_, err = s.Campaign(ctx, "ws3", "c1")
	require.ErrorIs(t, err, broadcast.ErrNotFound)
	_, err = s.Campaign(ctx, "ws1", "nope")
	require.ErrorIs(t, err, broadcast.ErrNotFound)

	all, err := s.Campaigns(ctx, "ws1")
	require.NoError(t, err)
	require.Len(t, all, 2)
	assert.Equal(t, "c1", all[0].ID)
	assert.Equal(t, "c2", all[1].ID)
	running, err := s.Campaigns(ctx, "ws1", broadcast.StateRunning, broadcast.StatePaused)
	require.NoError(t, err)
	require.Len(t, running, 1)
	assert.Equal(t, "c2", running[0].ID)

	boom := errors.New("boom")
	_, err = s.UpdateCampaign(ctx, "ws1", "c1", func(c *broadcast.Campaign) error { c.Name = "changed"; return boom })
	require.ErrorIs(t, err, boom)
	got, _ = s.Campaign(ctx, "ws1", "c1")
	assert.Equal(t, c.Name, got.Name, "a failed update changes nothing")

	up, err := s.UpdateCampaign(ctx, "ws1", "c1", func(c *broadcast.Campaign) error {
		c.State = broadcast.StatePaused
		c.Pause = &broadcast.Pause{Reason: broadcast.PauseQuality, At: T0, Auto: true, ResumeAt: T0.Add(time.Hour)}
		c.History = append(c.History, broadcast.Transition{From: broadcast.StateDraft, To: broadcast.StatePaused, Actor: broadcast.System, At: T0})
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, broadcast.StatePaused, up.State)
	got, _ = s.Campaign(ctx, "ws1", "c1")
	require.NotNil(t, got.Pause)
	assert.Equal(t, broadcast.PauseQuality, got.Pause.Reason)
	assert.True(t, got.Pause.ResumeAt.Equal(T0.Add(time.Hour)))
	assert.Len(t, got.History, 2)
	other, _ := s.Campaign(ctx, "ws2", "c1")
	assert.Equal(t, broadcast.StateDraft, other.State, "workspaces are isolated")

	_, err = s.UpdateCampaign(ctx, "ws3", "c1", func(*broadcast.Campaign) error { return nil })
	require.ErrorIs(t, err, broadcast.ErrNotFound)
}

func testUpdateSerialised(t *testing.T, s broadcast.Store) {
	ctx := context.Background()
	require.NoError(t, s.CreateCampaign(ctx, NewCampaign("ws1", "c1")))
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			_, err := s.UpdateCampaign(ctx, "ws1", "c1", func(c *broadcast.Campaign) error { c.Planned++; return nil })
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	c, err := s.Campaign(ctx, "ws1", "c1")
	require.NoError(t, err)
	assert.Equal(t, 20, c.Planned, "read-modify-write is atomic")
}

func testRecipients(t *testing.T, s broadcast.Store) {
	ctx := context.Background()
	rs := NewRecipients(250)
	rs[3].Status, rs[3].SkipReason = broadcast.StatusSkipped, broadcast.SkipDuplicate
	require.NoError(t, s.AddRecipients(ctx, "ws1", "c1", rs))
	require.ErrorIs(t, s.AddRecipients(ctx, "ws1", "c1", NewRecipients(1)), broadcast.ErrExists)
	n, err := s.Counts(ctx, "ws1", "c1")
	require.NoError(t, err)
	assert.Equal(t, 250, n.Planned, "a rejected batch inserts nothing")

	r, err := s.Recipient(ctx, "ws1", "c1", 4)
	require.NoError(t, err)
	assert.Equal(t, broadcast.SkipDuplicate, r.SkipReason)
	_, err = s.Recipient(ctx, "ws2", "c1", 4)
	require.ErrorIs(t, err, broadcast.ErrNotFound)
	_, err = s.Recipient(ctx, "ws1", "c1", 999)
	require.ErrorIs(t, err, broadcast.ErrNotFound)

	page, err := s.Recipients(ctx, "ws1", "c1", "", 0, 100)
	require.NoError(t, err)
	require.Len(t, page, 100)
	assert.Equal(t, int64(1), page[0].Seq)
	page, err = s.Recipients(ctx, "ws1", "c1", "", 200, 100)
	require.NoError(t, err)
	require.Len(t, page, 50)
	assert.Equal(t, int64(201), page[0].Seq)
	skipped, err := s.Recipients(ctx, "ws1", "c1", broadcast.StatusSkipped, 0, 10)
	require.NoError(t, err)
	require.Len(t, skipped, 1)
	assert.Equal(t, int64(4), skipped[0].Seq)
	none, err := s.Recipients(ctx, "ws2", "c1", "", 0, 10)
	require.NoError(t, err)
	assert.Empty(t, none)

	boom := errors.New("boom")
	_, err = s.UpdateRecipient(ctx, "ws1", "c1", 5, func(r *broadcast.Recipient) error { r.Status = broadcast.StatusFailed; return boom })
	require.ErrorIs(t, err, boom)
	r, _ = s.Recipient(ctx, "ws1", "c1", 5)
	assert.Equal(t, broadcast.StatusPending, r.Status)
	_, err = s.UpdateRecipient(ctx, "ws2", "c1", 5, func(*broadcast.Recipient) error { return nil })
	require.ErrorIs(t, err, broadcast.ErrNotFound)

	require.NoError(t, s.DeleteRecipients(ctx, "ws1", "c1"))
	n, _ = s.Counts(ctx, "ws1", "c1")
	assert.Equal(t, 0, n.Planned)
	require.NoError(t, s.AddRecipients(ctx, "ws1", "c1", NewRecipients(3)), "a deleted plan can be redone")
}

func testRoundTrip(t *testing.T, s broadcast.Store) {
	ctx := context.Background()
	require.NoError(t, s.AddRecipients(ctx, "ws1", "c1", NewRecipients(2)))
	want := broadcast.Recipient{WorkspaceID: "ws1", CampaignID: "c1", Seq: 2, LeadID: "lead-x", To: "US.13491208655302741918",
		Country: "US", TimeZone: "America/New_York", Values: []string{"Asha", "", "SALE20"},
		Status: broadcast.StatusRead, Attempts: 2, NotBefore: T0.Add(time.Minute), MessageID: "wamid.X",
		ErrorCode: 131026, FailReason: "undeliverable", Billable: true, PricingCategory: "marketing",
		IntentAt: T0.Add(1 * time.Second), AcceptedAt: T0.Add(2 * time.Second), SentAt: T0.Add(3 * time.Second),
		DeliveredAt: T0.Add(4 * time.Second), ReadAt: T0.Add(5 * time.Second), FailedAt: T0.Add(6 * time.Second),
		UpdatedAt: T0.Add(7 * time.Second), LeaseOwner: "w1", LeaseUntil: T0.Add(8 * time.Second)}
	got, err := s.UpdateRecipient(ctx, "ws1", "c1", 2, func(r *broadcast.Recipient) error { *r = want; return nil })
	require.NoError(t, err)
	assert.Equal(t, norm(want), norm(got))
	got, err = s.Recipient(ctx, "ws1", "c1", 2)
	require.NoError(t, err)
	assert.Equal(t, norm(want), norm(got))
}

func norm(r broadcast.Recipient) broadcast.Recipient {
	for _, p := range []*time.Time{&r.NotBefore, &r.LeaseUntil, &r.IntentAt, &r.AcceptedAt, &r.SentAt, &r.DeliveredAt, &r.ReadAt, &r.FailedAt, &r.UpdatedAt} {
		if p.IsZero() {
			*p = time.Time{}
		} else {
			*p = p.UTC()
		}
	}
	if len(r.Values) == 0 {
		r.Values = nil
	}
	return r
}

func testClaim(t *testing.T, s broadcast.Store) {
	ctx := context.Background()
	rs := NewRecipients(10)
	rs[0].Status = broadcast.StatusSkipped
	rs[1].NotBefore = T0.Add(time.Hour)
	require.NoError(t, s.AddRecipients(ctx, "ws1", "c1", rs))

	got, err := s.Claim(ctx, "ws1", "c1", "a", 3, T0, T0.Add(time.Minute))
	require.NoError(t, err)
	require.Len(t, got, 3)
	assert.Equal(t, []int64{3, 4, 5}, seqs(got), "skipped and not-yet-due rows are passed over, seq order")
	for _, r := range got {
		assert.Equal(t, broadcast.StatusClaimed, r.Status)
		assert.Equal(t, "a", r.LeaseOwner)
		assert.True(t, r.LeaseUntil.Equal(T0.Add(time.Minute)))
	}
	none, err := s.Claim(ctx, "ws2", "c1", "x", 10, T0, T0.Add(time.Minute))
	require.NoError(t, err)
	assert.Empty(t, none, "workspaces are isolated")

	got, err = s.Claim(ctx, "ws1", "c1", "b", 100, T0.Add(30*time.Second), T0.Add(2*time.Minute))
	require.NoError(t, err)
	assert.Equal(t, []int64{6, 7, 8, 9, 10}, seqs(got), "live leases are not taken")

	got, err = s.Claim(ctx, "ws1", "c1", "c", 100, T0.Add(90*time.Second), T0.Add(3*time.Minute))
	require.NoError(t, err)
	assert.Equal(t, []int64{3, 4, 5}, seqs(got), "expired leases are taken over")
	assert.Equal(t, "c", got[0].LeaseOwner)

	got, err = s.Claim(ctx, "ws1", "c1", "d", 100, T0.Add(2*time.Hour), T0.Add(3*time.Hour))
	require.NoError(t, err)
	assert.Equal(t, []int64{2, 3, 4, 5, 6, 7, 8, 9, 10}, seqs(got), "due rows and every expired lease")

	_, err = s.UpdateRecipient(ctx, "ws1", "c1", 3, func(r *broadcast.Recipient) error {
		r.Status, r.LeaseOwner = broadcast.StatusSending, "d"
		return nil
	})
	require.NoError(t, err)
	got, err = s.Claim(ctx, "ws1", "c1", "e", 100, T0.Add(10*time.Hour), T0.Add(11*time.Hour))
	require.NoError(t, err)
	assert.NotContains(t, seqs(got), int64(3), "a recipient whose send intent is recorded is never claimed again")

	_, err = s.UpdateRecipient(ctx, "ws1", "c1", 4, func(r *broadcast.Recipient) error {
		r.Status, r.LeaseOwner, r.NotBefore = broadcast.StatusPending, "", T0.Add(20*time.Hour)
		return nil
	})
	require.NoError(t, err)
	got, err = s.Claim(ctx, "ws1", "c1", "f", 100, T0.Add(21*time.Hour), T0.Add(22*time.Hour))
	require.NoError(t, err)
	assert.Contains(t, seqs(got), int64(4), "a released row is claimable again")
}

func seqs(rs []broadcast.Recipient) []int64 {
	out := make([]int64, len(rs))
	for i, r := range rs {
		out[i] = r.Seq
	}
	return out
}

func testConcurrentClaims(t *testing.T, s broadcast.Store) {
	ctx := context.Background()
	const n = 600
	require.NoError(t, s.AddRecipients(ctx, "ws1", "c1", NewRecipients(n)))
	var mu sync.Mutex
	seen := map[int64]string{}
	var wg sync.WaitGroup
	for w := range 6 {
		owner := fmt.Sprintf("w%d", w)
		wg.Go(func() {
			for {
				got, err := s.Claim(ctx, "ws1", "c1", owner, 25, T0, T0.Add(time.Hour))
				if !assert.NoError(t, err) || len(got) == 0 {
					return
				}
				mu.Lock()
				for _, r := range got {
					if prev, dup := seen[r.Seq]; dup {
						t.Errorf("seq %d claimed by %s and %s", r.Seq, prev, owner)
					}
					seen[r.Seq] = owner
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	assert.Len(t, seen, n, "every row claimed exactly once")
}

func testCounts(t *testing.T, s broadcast.Store) {
	ctx := context.Background()
	rs := NewRecipients(9)
	set := func(i int, st broadcast.RecipientStatus) { rs[i].Status = st }
	set(0, broadcast.StatusSkipped)
	rs[0].SkipReason = broadcast.SkipNoConsent
	set(1, broadcast.StatusSkipped)
	rs[1].SkipReason = broadcast.SkipOptedOut
	set(2, broadcast.StatusFailed)
	rs[2].ErrorCode = 131026
	set(3, broadcast.StatusFailed)
	set(4, broadcast.StatusDelivered)
	rs[4].Billable, rs[4].PricingCategory = true, "marketing"
	set(5, broadcast.StatusRead)
	rs[5].Billable, rs[5].PricingCategory = true, "marketing"
	set(6, broadcast.StatusSending)
	rs[7].NotBefore = T0.Add(time.Hour)
	rs[8].NotBefore = T0.Add(time.Minute)
	require.NoError(t, s.AddRecipients(ctx, "ws1", "c1", rs))
	n, err := s.Counts(ctx, "ws1", "c1")
	require.NoError(t, err)
	assert.Equal(t, 9, n.Planned)
	assert.Equal(t, map[broadcast.SkipReason]int{broadcast.SkipNoConsent: 1, broadcast.SkipOptedOut: 1}, n.Skipped)
	assert.Equal(t, map[int]int{131026: 1, 0: 1}, n.FailedByCode)
	assert.Equal(t, 2, n.ByStatus[broadcast.StatusPending])
	assert.Equal(t, 1, n.ByStatus[broadcast.StatusSending])
	assert.Equal(t, 2, n.Open())
	assert.Equal(t, map[string]int{"IN/marketing": 2}, n.BillableByCountry)
	assert.True(t, n.NextAt.Equal(T0.Add(time.Minute)), "earliest pending NotBefore, got %v", n.NextAt)
	empty, err := s.Counts(ctx, "ws2", "c1")
	require.NoError(t, err)
	assert.Equal(t, 0, empty.Planned)
}

func testSuppression(t *testing.T, s broadcast.Store) {
	ctx := context.Background()
	require.NoError(t, s.Suppress(ctx, broadcast.Suppression{WorkspaceID: "ws1", Contact: "919800000001", Source: broadcast.SourceStopKeyword, At: T0}))
	require.NoError(t, s.Suppress(ctx, broadcast.Suppression{WorkspaceID: "ws1", Contact: "919800000001", Source: broadcast.SourceManual, At: T0.Add(time.Hour)}))
	require.NoError(t, s.Suppress(ctx, broadcast.Suppression{WorkspaceID: "ws1", Contact: "US.13491208655302741918", Source: broadcast.SourceUserPreferences, At: T0}))
	got, err := s.Suppressed(ctx, "ws1", []string{"919800000001", "919800000002", "US.13491208655302741918"})
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, broadcast.SourceStopKeyword, got["919800000001"].Source, "the first record is kept")
	assert.True(t, got["919800000001"].At.Equal(T0))
	other, err := s.Suppressed(ctx, "ws2", []string{"919800000001"})
	require.NoError(t, err)
	assert.Empty(t, other, "workspaces are isolated")
	require.NoError(t, s.Unsuppress(ctx, "ws1", "919800000001"))
	got, err = s.Suppressed(ctx, "ws1", []string{"919800000001"})
	require.NoError(t, err)
	assert.Empty(t, got)
	empty, err := s.Suppressed(ctx, "ws1", nil)
	require.NoError(t, err)
	assert.Empty(t, empty)
}

func testSendSteps(t *testing.T, s broadcast.Store) {
	ctx := context.Background()
	require.NoError(t, s.AddRecipients(ctx, "ws1", "c1", NewRecipients(4)))
	_, err := s.Claim(ctx, "ws1", "c1", "a", 3, T0, T0.Add(time.Minute))
	require.NoError(t, err)
	got, err := s.StartSends(ctx, "ws1", "c1", "b", []int64{1}, T0)
	require.NoError(t, err)
	assert.Empty(t, got, "another owner")
	got, err = s.StartSends(ctx, "ws2", "c1", "a", []int64{1}, T0)
	require.NoError(t, err)
	assert.Empty(t, got, "another workspace")
	got, err = s.StartSends(ctx, "ws1", "c1", "a", []int64{1, 2, 4, 99}, T0.Add(time.Second))
	require.NoError(t, err)
	assert.ElementsMatch(t, []int64{1, 2}, got, "only rows claimed by the owner")
	got, err = s.StartSends(ctx, "ws1", "c1", "a", []int64{1}, T0)
	require.NoError(t, err)
	assert.Empty(t, got, "an intent is recorded once")
	r, err := s.Recipient(ctx, "ws1", "c1", 1)
	require.NoError(t, err)
	assert.Equal(t, broadcast.StatusSending, r.Status)
	assert.Equal(t, "a", r.LeaseOwner, "the lease is kept while the call is in flight")
	assert.Equal(t, 1, r.Attempts)
	assert.True(t, r.IntentAt.Equal(T0.Add(time.Second)))

	// a webhook got to recipient 2 first: its state and message id stay
	_, err = s.UpdateRecipient(ctx, "ws1", "c1", 2, func(r *broadcast.Recipient) error {
		r.Status, r.MessageID = broadcast.StatusDelivered, "wamid.hook"
		return nil
	})
	require.NoError(t, err)
	require.NoError(t, s.Accept(ctx, "ws1", "c1", []broadcast.Accepted{{Seq: 1, MessageID: "wamid.1"}, {Seq: 2, MessageID: "wamid.2"}, {Seq: 99, MessageID: "x"}}, T0.Add(2*time.Second)))
	r, _ = s.Recipient(ctx, "ws1", "c1", 1)
	assert.Equal(t, broadcast.StatusAccepted, r.Status)
	assert.Equal(t, "wamid.1", r.MessageID)
	assert.Empty(t, r.LeaseOwner)
	assert.True(t, r.AcceptedAt.Equal(T0.Add(2*time.Second)))
	r, _ = s.Recipient(ctx, "ws1", "c1", 2)
	assert.Equal(t, broadcast.StatusDelivered, r.Status)
	assert.Equal(t, "wamid.hook", r.MessageID)
	require.NoError(t, s.Accept(ctx, "ws2", "c1", []broadcast.Accepted{{Seq: 3, MessageID: "x"}}, T0))
	r, _ = s.Recipient(ctx, "ws1", "c1", 3)
	assert.Empty(t, r.MessageID, "workspaces are isolated")
	require.NoError(t, s.Accept(ctx, "ws1", "c1", nil, T0))
}
