package broadcast

import (
	"context"
	"fmt"
	"iter"
	"strings"

	"github.com/nyaruka/phonenumbers"

	"github.com/botsync/botsync/crm"
	"github.com/botsync/botsync/whatsapp"
)

// Member is one audience entry as planning sees it. Phone and BSUID are
// personal data.
type Member struct {
	LeadID string
	// Phone is an E.164 number ("+919876543210") or wa_id digits.
	Phone string
	// BSUID is used when there is no phone number.
	BSUID string
	// MarketingConsent: the contact agreed to marketing messages.
	MarketingConsent bool
	// OptedOut: the contact opted out of marketing (CRM flag).
	OptedOut bool
	// TimeZone is an IANA zone for quiet hours. When empty, planning uses
	// the phone number's zone if its prefix has exactly one (India: Asia/
	// Kolkata), else the campaign's.
	TimeZone string
	// Fields feed [ParamSpec.Field].
	Fields map[string]string
}

// Audience yields the members of a campaign's audience. Planning reads it
// once and freezes the result.
type Audience interface {
	Members(ctx context.Context, workspaceID string) iter.Seq2[Member, error]
}

// List is an explicit audience.
type List []Member

// Members implements [Audience].
func (l List) Members(context.Context, string) iter.Seq2[Member, error] {
	return func(yield func(Member, error) bool) {
		for _, m := range l {
			if !yield(m, nil) {
				return
			}
		}
	}
}

// LeadSource iterates leads matching a CRM query; *crm.Service satisfies
// it.
type LeadSource interface {
	All(ctx context.Context, workspaceID string, q crm.Query) iter.Seq2[*crm.Lead, error]
}

// Segment is the audience of a CRM segment: the leads matching q. Fields
// are the lead's profile ("name", "first_name", "city", "interest",
// "budget", "timeline", "exam_status", "stage") and its custom fields (by
// key, and as "custom.<key>"); the time zone is the custom field
// "time_zone" when set.
func Segment(src LeadSource, q crm.Query) Audience { return segment{src, q} }

type segment struct {
	src LeadSource
	q   crm.Query
}

// Members implements [Audience].
func (s segment) Members(ctx context.Context, workspaceID string) iter.Seq2[Member, error] {
	return func(yield func(Member, error) bool) {
		for l, err := range s.src.All(ctx, workspaceID, s.q) {
			if err != nil {
				yield(Member{}, err)
				return
			}
			if !yield(MemberOf(l), nil) {
				return
			}
		}
	}
}

// MemberOf converts a CRM lead: phone from its phone or wa_id identity,
// BSUID from its bsuid identity, consent from Consent, opt-out from
// MarketingOptOut.
func MemberOf(l *crm.Lead) Member {
	m := Member{LeadID: l.ID, MarketingConsent: l.Consent, OptedOut: l.MarketingOptOut, Fields: map[string]string{}}
	for _, id := range l.Identities {
		switch id.Kind {
		case crm.KindPhone:
			if m.Phone == "" {
				m.Phone = id.Value
			}
		case crm.KindWAID:
			if m.Phone == "" {
				m.Phone = id.Value
			}
		case crm.KindBSUID:
			if m.BSUID == "" {
				m.BSUID = id.Value
			}
		}
	}
	first, _, _ := strings.Cut(strings.TrimSpace(l.Name), " ")
	for k, v := range map[string]string{"name": l.Name, "first_name": first, "city": l.City, "interest": l.Interest,
		"budget": l.Budget, "timeline": l.Timeline, "exam_status": l.ExamStatus, "stage": l.Stage} {
		if v != "" {
			m.Fields[k] = v
		}
	}
	for k, v := range l.Custom {
		m.Fields["custom."+k] = v
		if _, ok := m.Fields[k]; !ok {
			m.Fields[k] = v
		}
	}
	m.TimeZone = l.Custom["time_zone"]
	return m
}

// render fills one parameter; ok is false when it renders empty. Runs of
// white space (new lines and tabs included, which template parameters may
// not hold) become one space.
func (p ParamSpec) render(fields map[string]string) (string, bool) {
	v := ""
	if p.Field != "" {
		v = strings.Join(strings.Fields(fields[p.Field]), " ")
	}
	if v == "" {
		v = strings.Join(strings.Fields(p.Fallback), " ")
	}
	return v, v != ""
}

// specs returns the campaign's parameter specs in Values order.
func (t TemplateSpec) specs() []ParamSpec {
	var out []ParamSpec
	if t.HeaderText != nil {
		out = append(out, *t.HeaderText)
	}
	out = append(out, t.Body...)
	for _, b := range t.Buttons {
		out = append(out, b.Param)
	}
	return out
}

// Render returns a member's parameter values in the order of
// [Recipient.Values], and false if one renders empty (no field value and
// no fallback).
func (t TemplateSpec) Render(fields map[string]string) ([]string, bool) {
	specs := t.specs()
	out := make([]string, len(specs))
	for i, p := range specs {
		v, ok := p.render(fields)
		if !ok {
			return nil, false
		}
		out[i] = v
	}
	return out, true
}

// Template builds the recipient's template message content from the
// frozen values.
func (t TemplateSpec) Template(values []string) (whatsapp.Template, error) {
	if len(values) != len(t.specs()) {
		return whatsapp.Template{}, invalid("values", fmt.Sprintf("want %d parameter values, have %d", len(t.specs()), len(values)))
	}
	out := whatsapp.Template{Name: t.Name, Language: t.Language, Category: t.Category}
	i := 0
	param := func(p ParamSpec) whatsapp.Param {
		v := values[i]
		i++
		if p.Name != "" {
			return whatsapp.NamedParam(p.Name, v)
		}
		return whatsapp.TextParam(v)
	}
	if t.HeaderText != nil {
		out.Header = whatsapp.HeaderText(param(*t.HeaderText))
	} else if t.HeaderMedia != nil {
		h := *t.HeaderMedia
		out.Header = &h
	}
	for _, p := range t.Body {
		out.Body = append(out.Body, param(p))
	}
	for _, b := range t.Buttons {
		v := param(b.Param).Text
		switch b.SubType {
		case "url":
			out.Buttons = append(out.Buttons, whatsapp.URLButton(b.Index, v))
		case "quick_reply":
			out.Buttons = append(out.Buttons, whatsapp.QuickReplyButton(b.Index, v))
		case "copy_code":
			out.Buttons = append(out.Buttons, whatsapp.CopyCodeButton(b.Index, v))
		}
	}
	return out, nil
}

// Message builds the message a recipient is sent: the campaign's template
// with the recipient's frozen values and callback data.
func (c *Campaign) Message(r Recipient) (whatsapp.Message, error) {
	t, err := c.Template.Template(r.Values)
	if err != nil {
		return whatsapp.Message{}, err
	}
	return whatsapp.Message{To: whatsappRecipient(r.To), Content: t, CallbackData: CallbackData(c.ID, r.Seq)}, nil
}

// contactKey returns the member's WhatsApp contact key, or false when
// neither the phone nor the BSUID is valid.
func contactKey(m Member) (string, bool) {
	if strings.TrimSpace(m.Phone) != "" {
		p := whatsapp.Phone(m.Phone)
		if p.Validate() == nil {
			return p.Key(), true
		}
	}
	if strings.TrimSpace(m.BSUID) != "" {
		b := whatsapp.BSUID(m.BSUID)
		if b.Validate() == nil {
			return b.Key(), true
		}
	}
	return "", false
}

// PlanResult summarises a frozen plan.
type PlanResult struct {
	Planned  int                `json:"planned"`
	Sendable int                `json:"sendable"`
	Skipped  map[SkipReason]int `json:"skipped"`
	Estimate Money              `json:"estimate"`
}

const planBatch = 5000

// Plan freezes the campaign's audience: every member becomes a durable
// recipient row with its rendered parameters, or a skipped row with the
// reason — no marketing consent, opted out (the CRM flag or the
// workspace's suppression list: STOP keywords, error 131050,
// user_preferences webhooks), a duplicate contact, an invalid number, or a
// parameter with neither value nor fallback. Later CRM edits do not change
// the plan. The campaign must be a draft or scheduled and not yet planned;
// a plan interrupted halfway is redone from scratch.
func (s *Service) Plan(ctx context.Context, workspaceID, campaignID string, aud Audience, actor Actor) (*PlanResult, error) {
	if aud == nil {
		return nil, invalid("audience", "required")
	}
	c, err := s.store.Campaign(ctx, workspaceID, campaignID)
	if err != nil {
		return nil, fmt.Errorf("broadcast: plan: %w", err)
	}
	if (c.State != StateDraft && c.State != StateScheduled) || !c.PlannedAt.IsZero() {
		return nil, fmt.Errorf("broadcast: plan: %w: campaign is %s (planned: %t)", ErrState, c.State, !c.PlannedAt.IsZero())
	}
	if err := s.store.DeleteRecipients(ctx, workspaceID, campaignID); err != nil {
		return nil, fmt.Errorf("broadcast: plan: %w", err)
	}
	now := s.now()
	res := &PlanResult{Skipped: map[SkipReason]int{}, Estimate: Money{Currency: s.rates.Currency}}
	seen := map[string]bool{}
	var batch []Recipient
	var seq int64
	checked := false
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		keys := make([]string, 0, len(batch))
		for _, r := range batch {
			if r.Status == StatusPending {
				keys = append(keys, r.To)
			}
		}
		sup, err := s.store.Suppressed(ctx, workspaceID, keys)
		if err != nil {
			return err
		}
		for i := range batch {
			r := &batch[i]
			if r.Status == StatusPending {
				if _, ok := sup[r.To]; ok {
					r.Status, r.SkipReason = StatusSkipped, SkipOptedOut
				}
			}
			if r.Status == StatusSkipped {
				res.Skipped[r.SkipReason]++
				continue
			}
			res.Sendable++
			if s.rates.Rates != nil {
				cat := c.Template.Category
				if cat == "" {
					cat = whatsapp.CategoryMarketing
				}
				if est, err := s.rates.Estimate(cat, whatsappRecipient(r.To)); err == nil {
					res.Estimate.Micros += est.Micros
				}
			}
		}
		err = s.store.AddRecipients(ctx, workspaceID, campaignID, batch)
		batch = batch[:0]
		return err
	}
	for m, err := range aud.Members(ctx, workspaceID) {
		if err != nil {
			return nil, fmt.Errorf("broadcast: plan: audience: %w", err)
		}
		seq++
		r := Recipient{WorkspaceID: workspaceID, CampaignID: campaignID, Seq: seq, LeadID: m.LeadID,
			Status: StatusPending, TimeZone: m.TimeZone, UpdatedAt: now}
		key, ok := contactKey(m)
		switch {
		case !ok:
			r.Status, r.SkipReason = StatusSkipped, SkipInvalidNumber
		case seen[key]:
			r.Status, r.SkipReason = StatusSkipped, SkipDuplicate
		case !m.MarketingConsent:
			r.Status, r.SkipReason = StatusSkipped, SkipNoConsent
		case m.OptedOut:
			r.Status, r.SkipReason = StatusSkipped, SkipOptedOut
		}
		if ok {
			seen[key] = true
			r.To = key
			r.Country = whatsapp.Country(whatsappRecipient(key))
			if r.TimeZone == "" && c.QuietHours != nil {
				r.TimeZone = timeZoneOf(key)
			}
		}
		if r.Status == StatusPending {
			vals, ok := c.Template.Render(m.Fields)
			if !ok {
				r.Status, r.SkipReason = StatusSkipped, SkipMissingParam
			} else if t, err := c.Template.Template(vals); err != nil || (whatsapp.Message{To: whatsappRecipient(key), Content: t}).Validate() != nil {
				r.Status, r.SkipReason = StatusSkipped, SkipInvalidParam
			} else {
				r.Values = vals
				if !checked && s.catalog != nil {
					t, err := c.Template.Template(vals)
					if err == nil {
						err = s.catalog.Check(t)
					}
					if err != nil {
						return nil, fmt.Errorf("broadcast: plan: %w", err)
					}
					checked = true
				}
			}
		}
		batch = append(batch, r)
		if len(batch) >= planBatch {
			if err := flush(); err != nil {
				return nil, fmt.Errorf("broadcast: plan: %w", err)
			}
		}
	}
	if err := flush(); err != nil {
		return nil, fmt.Errorf("broadcast: plan: %w", err)
	}
	res.Planned = int(seq)
	_, err = s.store.UpdateCampaign(ctx, workspaceID, campaignID, func(c *Campaign) error {
		if !c.PlannedAt.IsZero() {
			return fmt.Errorf("%w: planned concurrently", ErrState)
		}
		c.PlannedAt, c.Planned, c.Estimate, c.UpdatedAt = now, res.Planned, res.Estimate, now
		c.History = append(c.History, Transition{From: c.State, To: c.State, Actor: actor,
			Reason: fmt.Sprintf("planned %d recipients, %d sendable", res.Planned, res.Sendable), At: now})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("broadcast: plan: %w", err)
	}
	return res, nil
}

// timeZoneOf returns the IANA zone of a phone number when its prefix has
// exactly one (India, most of Europe…), or "" (BSUIDs, countries with
// several zones): the campaign's zone applies then.
func timeZoneOf(key string) string {
	if strings.Contains(key, ".") {
		return ""
	}
	num, err := phonenumbers.Parse("+"+key, "")
	if err != nil {
		return ""
	}
	zones, err := phonenumbers.GetTimezonesForNumber(num)
	if err != nil || len(zones) != 1 || zones[0] == "Etc/Unknown" {
		return ""
	}
	return zones[0]
}
