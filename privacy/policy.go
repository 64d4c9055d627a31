package privacy

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Category is a class of personal data with its own retention.
type Category string

// The data categories of the seed policy.
const (
	CategoryAccount           Category = "account"
	CategoryLeadConversation  Category = "lead_conversation"
	CategoryConnectedChannel  Category = "connected_channel"
	CategoryBilling           Category = "billing"
	CategoryTechnicalLogs     Category = "technical_logs"
	CategoryWebhookPayloads   Category = "webhook_payloads"
	CategoryAudit             Category = "audit"
	CategoryBackups           Category = "backups"
	CategoryCallActivity      Category = "call_activity"
	CategoryKnowledge         Category = "knowledge"
	CategoryAIUsage           Category = "ai_usage"
	CategoryDeidentifiedStats Category = "deidentified_analytics"
)

// Trigger is the event from which a retention period runs.
type Trigger string

// Retention triggers.
const (
	TriggerCreated         Trigger = "created"
	TriggerLastActivity    Trigger = "last_activity"
	TriggerWorkspaceClosed Trigger = "workspace_closed"
	TriggerHoldReleased    Trigger = "hold_released"
)

// Retention is a length of time expressed the way law expresses it.
type Retention struct {
	Days   int
	Months int
	Years  int
}

// Approx returns the retention as a duration for comparisons, with the
// Gregorian average month (365.2425/12 days) so that 12 months equals one
// year.
func (r Retention) Approx() time.Duration {
	months := float64(r.Years*12 + r.Months)
	days := float64(r.Days) + months*365.2425/12
	return time.Duration(days * float64(24*time.Hour))
}

// Cutoff returns the instant before which data triggered earlier has expired
// at now.
func (r Retention) Cutoff(now time.Time) time.Time {
	return now.AddDate(-r.Years, -r.Months, -r.Days)
}

func (r Retention) String() string {
	var parts []string
	if r.Years > 0 {
		parts = append(parts, fmt.Sprintf("%d years", r.Years))
	}
	if r.Months > 0 {
		parts = append(parts, fmt.Sprintf("%d months", r.Months))
	}
	if r.Days > 0 || len(parts) == 0 {
		parts = append(parts, fmt.Sprintf("%d days", r.Days))
	}
	return strings.Join(parts, " ")
}

// RetentionRule keeps a category for at most Max after Trigger.
type RetentionRule struct {
	// Name identifies the rule in errors and receipts.
	Name     string
	Category Category
	Trigger  Trigger
	Max      Retention
	// Action is what happens at the end: "delete" or "deidentify".
	Action string
}

// Policy is a set of retention rules, usually one per category.
type Policy struct {
	Rules []RetentionRule
}

// Floor is a minimum retention imposed by law.
type Floor struct {
	Category Category
	Min      Retention
	// Clause cites the law.
	Clause string
}

// Profile is a body of law: the floors it imposes.
type Profile struct {
	Name   string
	Floors []Floor
}

// IndiaProfile combines the DPDP Act and Rules, the CERT-In directions and
// Indian record-keeping law.
var IndiaProfile = Profile{Name: "india", Floors: []Floor{
	{CategoryTechnicalLogs, Retention{Days: 180}, "CERT-In Directions of 28 April 2022, direction (iv): ICT system logs for a rolling 180 days"},
	{CategoryTechnicalLogs, Retention{Years: 1}, "DPDP Rules 2025, rule 8(3): personal data, traffic data and logs of processing kept at least one year"},
	{CategoryWebhookPayloads, Retention{Years: 1}, "DPDP Rules 2025, rule 8(3): logs of processing kept at least one year"},
	{CategoryAudit, Retention{Years: 1}, "DPDP Rules 2025, rule 8(3)"},
	{CategoryBilling, Retention{Years: 8}, "Companies Act 2013, s. 128(5): books of account for eight financial years"},
}}

// GDPRProfile has no retention floors of its own: the GDPR limits storage
// (Art. 5(1)(e)) but sets no minimum; member-state record-keeping law adds
// floors through profiles of their own.
var GDPRProfile = Profile{Name: "gdpr"}

// SeedPolicy is the retention the product's published policy promises.
var SeedPolicy = Policy{Rules: []RetentionRule{
	{Name: "logs-90d", Category: CategoryTechnicalLogs, Trigger: TriggerCreated, Max: Retention{Days: 90}, Action: "delete"},
	{Name: "webhooks-90d", Category: CategoryWebhookPayloads, Trigger: TriggerCreated, Max: Retention{Days: 90}, Action: "delete"},
	{Name: "audit-12m", Category: CategoryAudit, Trigger: TriggerCreated, Max: Retention{Months: 12}, Action: "delete"},
	{Name: "billing-8y", Category: CategoryBilling, Trigger: TriggerCreated, Max: Retention{Years: 8}, Action: "delete"},
	{Name: "backups-35d", Category: CategoryBackups, Trigger: TriggerCreated, Max: Retention{Days: 35}, Action: "delete"},
	{Name: "closed-workspace-30d", Category: CategoryAccount, Trigger: TriggerWorkspaceClosed, Max: Retention{Days: 30}, Action: "delete"},
	{Name: "leads-after-closure-30d", Category: CategoryLeadConversation, Trigger: TriggerWorkspaceClosed, Max: Retention{Days: 30}, Action: "delete"},
	{Name: "channels-after-closure-30d", Category: CategoryConnectedChannel, Trigger: TriggerWorkspaceClosed, Max: Retention{Days: 30}, Action: "delete"},
	{Name: "knowledge-after-closure-30d", Category: CategoryKnowledge, Trigger: TriggerWorkspaceClosed, Max: Retention{Days: 30}, Action: "delete"},
	{Name: "calls-after-closure-30d", Category: CategoryCallActivity, Trigger: TriggerWorkspaceClosed, Max: Retention{Days: 30}, Action: "delete"},
	{Name: "ai-usage-12m", Category: CategoryAIUsage, Trigger: TriggerCreated, Max: Retention{Months: 12}, Action: "deidentify"},
}}

// FloorConflict is a rule that keeps data for less than the law requires.
type FloorConflict struct {
	Rule    RetentionRule
	Floor   Floor
	Profile string
}

func (c *FloorConflict) Error() string {
	return fmt.Sprintf("privacy: rule %q keeps %s for %s, below the %s floor of %s (%s)",
		c.Rule.Name, c.Rule.Category, c.Rule.Max, c.Profile, c.Floor.Min, c.Floor.Clause)
}

// ErrFloorConflict matches every *FloorConflict with errors.Is.
var ErrFloorConflict = errors.New("privacy: retention below a legal floor")

// Is makes errors.Is(err, ErrFloorConflict) true.
func (c *FloorConflict) Is(target error) bool { return target == ErrFloorConflict }

// Compiled is a policy checked against profiles: per category, its rule and
// the strictest floor.
type Compiled struct {
	Rules  map[Category]RetentionRule
	Floors map[Category]Floor
}

// Compile checks every rule against the floors of every profile and returns
// the compiled policy, or an error joining one [*FloorConflict] per violation
// (each naming category, rule and clause). Duplicate categories and rules
// without a maximum are errors too.
func Compile(p Policy, profiles ...Profile) (*Compiled, error) {
	c := &Compiled{Rules: map[Category]RetentionRule{}, Floors: map[Category]Floor{}}
	var errs []error
	for i, r := range p.Rules {
		switch {
		case r.Category == "":
			errs = append(errs, fmt.Errorf("privacy: rule %d (%q): category is required", i, r.Name))
			continue
		case r.Max.Approx() <= 0:
			errs = append(errs, fmt.Errorf("privacy: rule %q: max retention must be positive", r.Name))
			continue
		case r.Trigger == "":
			errs = append(errs, fmt.Errorf("privacy: rule %q: trigger is required", r.Name))
			continue
		}
		if prev, dup := c.Rules[r.Category]; dup {
			errs = append(errs, fmt.Errorf("privacy: rules %q and %q both cover category %s", prev.Name, r.Name, r.Category))
			continue
		}
		c.Rules[r.Category] = r
	}
	for _, prof := range profiles {
		for _, f := range prof.Floors {
			if cur, ok := c.Floors[f.Category]; !ok || f.Min.Approx() > cur.Min.Approx() {
				c.Floors[f.Category] = f
			}
			r, ok := c.Rules[f.Category]
			if ok && r.Max.Approx() < f.Min.Approx() {
				errs = append(errs, &FloorConflict{Rule: r, Floor: f, Profile: prof.Name})
			}
		}
	}
	if len(errs) > 0 {
		sort.SliceStable(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
		return nil, errors.Join(errs...)
	}
	return c, nil
}
