// Package privacy makes a platform's privacy promises provable: retention
// rules checked against legal floors, legal holds that every destructive path
// checks, one deadline engine for every legal clock, and a hash-chained audit
// trail.
//
// What it offers:
//
//   - Retention policy: data categories, rules with triggers, and
//     [Compile], which rejects a rule below a legal floor of the India
//     (DPDP, CERT-In, Companies Act) or GDPR profile, naming category, rule
//     and clause.
//   - Legal holds ([Holds]): scoped by workspace, subject, category and time
//     range; [Holds.Check] fails closed; placing and releasing are audited;
//     the sweeper, erasure and the Meta callback all honour them.
//   - Deadlines: [Period] arithmetic in hours, days, business days (with a
//     holiday [Calendar]; India's national holidays as data) and calendar
//     months, clocks with pauses and extensions ([Deadline]), and the
//     grievance, request and breach rules.
//   - Grievances and breach incidents as records with their clocks
//     ([Cases]): due, overdue and escalation queries across a workspace.
//   - Audit trail: append-only, hash-chained per workspace ([AuditLog],
//     [VerifyChain]), with its own retention: [AuditLog.Prune] drops the
//     oldest entries behind a verified checkpoint, and [AuditSink] lets the
//     sweeper do it and access requests export the entries about a person.
//   - Consent records and the purpose check ([CheckPurpose]) with the DPDP
//     rules for children.
//   - Sinks ([Sink]): how the engine reaches data it does not own;
//     privacytest.TestSink is the conformance suite integrators run. The
//     platform's own sinks live in privacy/sinks (crmsink, knowledgesink,
//     vaultsink) and privacy/pgstore (pgstore.TableSink for any table of
//     expiring rows).
//   - Data-subject requests ([Requests]): identifiers expanded and saved
//     first, code verification (constant time, expiry, attempt limit),
//     fan-out with a receipt per sink and category, retries that skip
//     finished sinks, holds respected, and an erasure certificate chained
//     into the audit trail ([VerifyCertificate]).
//   - Access exports as JSON ([ExportDocument]) and CSV ([WriteCSV], with
//     spreadsheet formula injection neutralised).
//   - Meta's data-deletion callback ([MetaDeletion]): opens a verified
//     erasure request and serves its status by an unguessable confirmation
//     code as an HTML page or JSON, without personal data.
//   - The retention [Sweeper]: bounded batches, a saved cursor, holds read
//     once per run (fail closed), closed workspaces purged once their
//     window since closure has passed, a receipt per run ([SweepLog]).
//
// Stores: privacy/memstore (in memory) and privacy/pgstore (PostgreSQL),
// both checked by privacytest.TestStore. Everything here is safe for
// concurrent use when its stores are; errors match the package's sentinels
// ([ErrNotFound], [ErrConflict], [ErrHeld], [ErrBadState], …) with
// errors.Is and never contain personal data.
//
// Usage:
//
//	compiled, err := privacy.Compile(privacy.SeedPolicy, privacy.IndiaProfile)
//	if errors.Is(err, privacy.ErrFloorConflict) { ... } // 90-day logs vs CERT-In and DPDP
//
//	cal := privacy.IndiaCalendar(now)
//	ack := privacy.Start(privacy.GrievanceAcknowledge, "grievance-17", received)
//	due, _ := ack.Due(cal, now)
//
//	reqs := &privacy.Requests{Store: st, Audit: audit, Holds: holds, Sinks: sinks}
//	_, err = reqs.Open(ctx, "dsr-1", privacy.RequestErasure, ids, "whatsapp")
//	code, err := reqs.IssueCode(ctx, ws, "dsr-1") // send it to the person
//	err = reqs.Verify(ctx, ws, "dsr-1", typedCode)
//	r, err := reqs.Process(ctx, ws, "dsr-1") // r.Receipts, r.Certificate
package privacy
