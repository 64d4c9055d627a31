// Package privacy makes a platform's privacy promises provable: retention
// rules checked against legal floors, legal holds that every destructive path
// checks, one deadline engine for every legal clock, and a hash-chained audit
// trail.
//
// This package is being built in steps (see the README). Present today:
//
//   - Retention policy: data categories, rules with triggers, and
//     [Compile], which rejects a rule below a legal floor of the India
//     (DPDP, CERT-In, Companies Act) or GDPR profile, naming category, rule
//     and clause.
//   - Legal holds ([Holds]): scoped by workspace, subject, category and time
//     range; [Holds.Check] fails closed; placing and releasing are audited.
//   - Deadlines: [Period] arithmetic in hours, days, business days (with a
//     holiday [Calendar]; India's national holidays as data) and calendar
//     months, clocks with pauses and extensions ([Deadline]), and the
//     grievance, request and breach rules.
//   - Audit trail: append-only, hash-chained per workspace ([AuditLog],
//     [VerifyChain]).
//   - Consent records and the purpose check ([CheckPurpose]) with the DPDP
//     rules for children.
//   - Sinks ([Sink]): how the engine reaches data it does not own;
//     privacytest.TestSink is the conformance suite integrators run.
//   - Data-subject requests ([Requests]): identifiers saved first, code
//     verification (constant time, expiry, attempt limit), fan-out with a
//     receipt per sink and category, retries that skip finished sinks, holds
//     respected, and an erasure certificate chained into the audit trail.
//   - The retention [Sweeper]: bounded batches, a saved cursor, holds.
//
// Stores: privacy/memstore (in memory). Still to come: a PostgreSQL store,
// sinks for crm, ai/knowledge and vault, CSV export, the Meta data-deletion
// status page, grievances and breach incidents as records.
//
// Usage:
//
//	compiled, err := privacy.Compile(privacy.SeedPolicy, privacy.IndiaProfile)
//	if errors.Is(err, privacy.ErrFloorConflict) { ... } // 90-day logs vs CERT-In and DPDP
//
//	cal := privacy.IndiaCalendar(now)
//	ack := privacy.Start(privacy.GrievanceAcknowledge, "grievance-17", received)
//	due, _ := ack.Due(cal, now)
package privacy
