package billing

import (
	"errors"
	"fmt"
	"time"
)

// Metric is something a plan limits.
type Metric string

// Metrics. Messages and AI tokens are counted per billing period from
// usage events; contacts, seats, channels and workspaces are gauges checked
// against the current count with [Plan.CheckGauge].
const (
	MetricMessages   Metric = "messages"   // outbound messages per billing period
	MetricAITokens   Metric = "ai_tokens"  // AI tokens (prompt + completion) per billing period
	MetricContacts   Metric = "contacts"   // contacts stored
	MetricSeats      Metric = "seats"      // members of the workspace
	MetricChannels   Metric = "channels"   // connected WhatsApp numbers, Instagram accounts, Pages
	MetricWorkspaces Metric = "workspaces" // client workspaces (agency plans)
)

// Counted reports whether the metric is summed per billing period from
// usage events (as opposed to a gauge).
func (m Metric) Counted() bool { return m == MetricMessages || m == MetricAITokens }

func (m Metric) valid() bool {
	switch m {
	case MetricMessages, MetricAITokens, MetricContacts, MetricSeats, MetricChannels, MetricWorkspaces:
		return true
	}
	return false
}

// Limit is a plan's allowance for one metric. Usage beyond Included is
// allowed and billed at OveragePrice per OverageUnit units when
// OveragePrice is set, refused otherwise. Unlimited ignores the rest.
type Limit struct {
	Included     int64 `json:"included"`
	Unlimited    bool  `json:"unlimited,omitempty"`
	OveragePrice Paise `json:"overage_price,omitempty"` // per OverageUnit units
	OverageUnit  int64 `json:"overage_unit,omitempty"`  // e.g. 1000 tokens; 0 means 1
}

// Plan is a BotSync product plan: its price, the Razorpay plan that bills
// it, and its limits. A metric missing from Limits is not available.
type Plan struct {
	ID             string           `json:"id"`
	Name           string           `json:"name"`
	RazorpayPlanID string           `json:"razorpay_plan_id,omitempty"`
	Price          Paise            `json:"price"` // per billing period, before GST
	Limits         map[Metric]Limit `json:"limits"`
	Agency         bool             `json:"agency,omitempty"` // may own several workspaces
}

// Validate checks the plan's fields.
func (p Plan) Validate() error {
	if p.ID == "" {
		return errors.New("billing: plan: id is required")
	}
	if p.Price < 0 {
		return fmt.Errorf("billing: plan %s: %w: price is negative", p.ID, ErrInvalidAmount)
	}
	for m, l := range p.Limits {
		if !m.valid() {
			return fmt.Errorf("billing: plan %s: unknown metric %q", p.ID, m)
		}
		if l.Included < 0 || l.OverageUnit < 0 || l.OveragePrice < 0 {
			return fmt.Errorf("billing: plan %s: limit %s: negative value", p.ID, m)
		}
	}
	if l, ok := p.Limits[MetricWorkspaces]; ok && !p.Agency && (l.Unlimited || l.Included > 1) {
		return fmt.Errorf("billing: plan %s: only agency plans have more than one workspace", p.ID)
	}
	return nil
}

// Entitlement answers "may this workspace use n more of metric?".
type Entitlement struct {
	Metric    Metric `json:"metric"`
	Allowed   bool   `json:"allowed"`
	Unlimited bool   `json:"unlimited,omitempty"`
	Limit     int64  `json:"limit"`
	Used      int64  `json:"used"`      // before this request
	Requested int64  `json:"requested"` // n
	// OverBy is how far Used+Requested exceeds the limit (0 within it).
	OverBy int64 `json:"over_by"`
	// Overage is the price of the units over the limit when the plan
	// allows overage (Allowed is then true).
	Overage Paise `json:"overage"`
}

// Check answers whether used+n stays within the plan's limit for metric,
// and if not, by how much it goes over and what the overage costs.
func (p Plan) Check(metric Metric, used, n int64) Entitlement {
	e := Entitlement{Metric: metric, Used: used, Requested: n}
	l, ok := p.Limits[metric]
	if !ok {
		e.OverBy = used + n
		return e
	}
	if l.Unlimited {
		e.Allowed, e.Unlimited = true, true
		return e
	}
	e.Limit = l.Included
	e.OverBy = max(0, used+n-l.Included)
	e.Allowed = e.OverBy == 0
	if e.OverBy > 0 && l.OveragePrice > 0 {
		e.Allowed = true
		e.Overage = OverageCost(l, used+n)
	}
	return e
}

// CheckGauge is [Plan.Check] for gauges (contacts, seats, channels,
// workspaces): current is the count now, adding the number to add.
func (p Plan) CheckGauge(metric Metric, current, adding int64) Entitlement {
	return p.Check(metric, current, adding)
}

// OverageCost prices total usage beyond l.Included: every started
// OverageUnit costs OveragePrice.
func OverageCost(l Limit, total int64) Paise {
	over := total - l.Included
	if l.Unlimited || over <= 0 || l.OveragePrice <= 0 {
		return 0
	}
	unit := max(l.OverageUnit, 1)
	units := (over + unit - 1) / unit
	return Paise(units) * l.OveragePrice
}

// Period is a billing period [Start, End).
type Period struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Contains reports whether t falls in the period.
func (p Period) Contains(t time.Time) bool { return !t.Before(p.Start) && t.Before(p.End) }

// IsZero reports whether the period is unset.
func (p Period) IsZero() bool { return p.Start.IsZero() && p.End.IsZero() }

// IST is India Standard Time (UTC+05:30, no daylight saving), the zone of
// billing periods and financial years.
var IST = time.FixedZone("IST", 5*3600+30*60)

// MonthPeriod is the calendar month (in IST) containing t.
func MonthPeriod(t time.Time) Period {
	t = t.In(IST)
	start := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, IST)
	return Period{Start: start, End: start.AddDate(0, 1, 0)}
}
