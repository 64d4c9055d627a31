package privacy

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Purpose is why personal data is processed.
type Purpose string

// Purposes the platform processes data for.
const (
	PurposeServiceMessages    Purpose = "service_messages"
	PurposeMarketingMessages  Purpose = "marketing_messages"
	PurposeAIReplies          Purpose = "ai_replies"
	PurposeLeadScoring        Purpose = "lead_scoring"
	PurposeTracking           Purpose = "tracking"
	PurposeBehaviouralMonitor Purpose = "behavioural_monitoring"
	PurposeTargetedAds        Purpose = "targeted_advertising"
	PurposeCallLogMatching    Purpose = "call_log_matching"
)

// ConsentRecord is one grant or withdrawal of consent, kept as evidence.
type ConsentRecord struct {
	WorkspaceID string
	Subject     string
	Purpose     Purpose
	Granted     bool
	// Source says how consent was given ("whatsapp opt-in button", "web form").
	Source string
	// Evidence points to the proof (a message id, a form submission id).
	Evidence string
	// ByParent marks consent given by a parent or lawful guardian.
	ByParent bool
	At       time.Time
}

// SubjectFacts are what the platform knows about a person that changes the
// rules: whether they are a child (under 18 under the DPDP Act).
type SubjectFacts struct {
	Minor bool
}

// Errors of the purpose check.
var (
	ErrNoConsent          = errors.New("privacy: no consent for this purpose")
	ErrForbiddenForMinors = errors.New("privacy: purpose forbidden for children")
	ErrNeedParentConsent  = errors.New("privacy: verifiable parental consent required")
)

// forbiddenForMinors are the purposes s. 9(3) of the DPDP Act 2023 forbids
// for children whatever the consent.
var forbiddenForMinors = map[Purpose]bool{
	PurposeTracking: true, PurposeBehaviouralMonitor: true, PurposeTargetedAds: true,
}

// CheckPurpose decides whether data of subject may be processed for purpose,
// given the subject's consent history (any order). The newest record for the
// purpose decides. For a child: tracking, behavioural monitoring and targeted
// advertising are refused outright (DPDP Act 2023, s. 9(3)); anything else
// needs consent given by a parent (s. 9(1)).
func CheckPurpose(facts SubjectFacts, history []ConsentRecord, purpose Purpose) error {
	if facts.Minor && forbiddenForMinors[purpose] {
		return fmt.Errorf("%w: %s (DPDP Act 2023, s. 9(3))", ErrForbiddenForMinors, purpose)
	}
	latest, ok := Latest(history, purpose)
	if !ok || !latest.Granted {
		return fmt.Errorf("%w: %s", ErrNoConsent, purpose)
	}
	if facts.Minor && !latest.ByParent {
		return fmt.Errorf("%w: %s (DPDP Act 2023, s. 9(1))", ErrNeedParentConsent, purpose)
	}
	return nil
}

// Latest returns the newest record for purpose.
func Latest(history []ConsentRecord, purpose Purpose) (ConsentRecord, bool) {
	var out ConsentRecord
	found := false
	for _, r := range history {
		if r.Purpose == purpose && (!found || !r.At.Before(out.At)) {
			out, found = r, true
		}
	}
	return out, found
}

// ConsentStore keeps consent records, append-only; safe for concurrent use.
type ConsentStore interface {
	AddConsent(ctx context.Context, r ConsentRecord) error
	// Consents returns every record of the subject, oldest first.
	Consents(ctx context.Context, workspaceID, subject string) ([]ConsentRecord, error)
}

// ValidateConsent checks a record's required fields; stores call it.
func ValidateConsent(r ConsentRecord) error {
	switch {
	case r.WorkspaceID == "":
		return errors.New("privacy: consent workspace is required")
	case r.Subject == "":
		return errors.New("privacy: consent subject is required")
	case r.Purpose == "":
		return errors.New("privacy: consent purpose is required")
	}
	return nil
}

// withdrawConsents appends a withdrawal for every purpose whose newest
// record, for any of the request's subjects, is a grant. A retry finds the
// withdrawals already there and adds nothing.
func (q *Requests) withdrawConsents(ctx context.Context, r Request) error {
	ws := r.Identifiers.WorkspaceID
	for _, subject := range r.Identifiers.SubjectIDs {
		history, err := q.Consents.Consents(ctx, ws, subject)
		if err != nil {
			return fmt.Errorf("privacy: withdraw consent: %w", err)
		}
		seen := map[Purpose]bool{}
		for _, c := range history {
			if seen[c.Purpose] {
				continue
			}
			seen[c.Purpose] = true
			if latest, _ := Latest(history, c.Purpose); !latest.Granted {
				continue
			}
			w := ConsentRecord{WorkspaceID: ws, Subject: subject, Purpose: c.Purpose, Source: "data-subject request", Evidence: "request:" + r.ID, At: q.now()}
			if err := q.Consents.AddConsent(ctx, w); err != nil {
				return fmt.Errorf("privacy: withdraw consent: %w", err)
			}
			if err := q.audit(ctx, r, "consent.withdrawn:"+string(c.Purpose)); err != nil {
				return err
			}
		}
	}
	return nil
}
