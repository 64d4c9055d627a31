// Package vaultsink is the privacy.Sink of the token vault: the values a
// workspace sealed for a data subject with vault.ForSubject.
//
//	sink, err := vaultsink.New(v, vaultStore,
//		vaultsink.WithSubjects(crmSink.Subjects),      // phone/email → lead ids
//		vaultsink.WithWorkspaces(workspaces.AllIDs))   // for the retention sweeper
//	reqs := &privacy.Requests{Sinks: []privacy.Sink{crmSink, sink}, …}
//
// Export lists references and metadata, never values. Erasure:
//   - privacy.StrategyCryptoShred (and StrategyMask, which means the same
//     here) destroys the subject's data key (vault.Shred): every value sealed
//     for the subject becomes unreadable for good, backups included, while
//     the rows stay. The count is the values made unreadable.
//   - privacy.StrategyDelete shreds the key and deletes the rows.
//
// Purge deletes subject-sealed values created before the cutoff, across the
// workspaces WithWorkspaces lists, respecting holds. Secrets not sealed for a
// subject (channel tokens) are not personal data of a subject and are left
// to their owners. The sink is safe for concurrent use when its vault is.
package vaultsink

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"

	"github.com/botsync/botsync/privacy"
	"github.com/botsync/botsync/vault"
)

// SubjectKeys is the part of vault.Store the sink reads to know whether a
// subject's key still exists (vault.Store satisfies it).
type SubjectKeys interface {
	SubjectKey(ctx context.Context, workspaceID, subjectID string) (vault.SubjectKey, error)
}

// Sink is the vault's privacy.Sink.
type Sink struct {
	v          *vault.Vault
	keys       SubjectKeys
	name       string
	category   privacy.Category
	subjects   func(ctx context.Context, id privacy.Identifiers) ([]string, error)
	workspaces func(ctx context.Context) ([]string, error)
}

var _ privacy.Sink = (*Sink)(nil)

// Option configures a Sink.
type Option func(*Sink) error

// WithName names the sink in receipts (default "vault").
func WithName(name string) Option {
	return func(s *Sink) error {
		if name == "" {
			return errors.New("vaultsink: name is empty")
		}
		s.name = name
		return nil
	}
}

// WithCategory sets the category of the subject-sealed values (default
// privacy.CategoryLeadConversation: contact data sealed for a lead).
func WithCategory(c privacy.Category) Option {
	return func(s *Sink) error {
		if c == "" {
			return errors.New("vaultsink: category is empty")
		}
		s.category = c
		return nil
	}
}

// WithSubjects adds a resolver from identifiers (phones, emails, channel
// ids) to the subject ids values were sealed for; without it only
// Identifiers.SubjectIDs are used.
func WithSubjects(f func(ctx context.Context, id privacy.Identifiers) ([]string, error)) Option {
	return func(s *Sink) error { s.subjects = f; return nil }
}

// WithWorkspaces lists every workspace, for Purge; without it Purge fails.
func WithWorkspaces(f func(ctx context.Context) ([]string, error)) Option {
	return func(s *Sink) error { s.workspaces = f; return nil }
}

// New returns the sink over v; keys is v's store (or any reader of its
// subject keys).
func New(v *vault.Vault, keys SubjectKeys, opts ...Option) (*Sink, error) {
	if v == nil || keys == nil {
		return nil, errors.New("vaultsink: vault and subject keys are required")
	}
	s := &Sink{v: v, keys: keys, name: "vault", category: privacy.CategoryLeadConversation}
	for _, o := range opts {
		if err := o(s); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Name implements privacy.Sink.
func (s *Sink) Name() string { return s.name }

// Categories implements privacy.Sink.
func (s *Sink) Categories() []privacy.Category { return []privacy.Category{s.category} }

// subjectIDs returns the subject ids of id, resolved and de-duplicated.
func (s *Sink) subjectIDs(ctx context.Context, id privacy.Identifiers) ([]string, error) {
	out := slices.Clone(id.SubjectIDs)
	if s.subjects != nil {
		more, err := s.subjects(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("vaultsink: resolve subjects: %w", err)
		}
		out = append(out, more...)
	}
	sort.Strings(out)
	return slices.Compact(out), nil
}

// secretsOf lists the metadata of the values sealed for any of subjects.
func (s *Sink) secretsOf(ctx context.Context, ws string, subjects []string) ([]vault.Metadata, error) {
	if len(subjects) == 0 {
		return nil, nil
	}
	var out []vault.Metadata
	for m, err := range s.v.All(ctx, ws, "") {
		if err != nil {
			return nil, fmt.Errorf("vaultsink: list: %w", err)
		}
		if m.SubjectID != "" && slices.Contains(subjects, m.SubjectID) {
			out = append(out, m)
		}
	}
	return out, nil
}

// exportData is what an export record says about a secret: where it is and
// when it was written, never its value.
type exportData struct {
	Kind       string `json:"kind"`
	RecordID   string `json:"record_id"`
	Field      string `json:"field"`
	SubjectID  string `json:"subject_id"`
	KeyVersion uint32 `json:"key_version"`
	RotatedAt  string `json:"rotated_at"`
	ExpiresAt  string `json:"expires_at,omitempty"`
	Readable   bool   `json:"readable"`
}

// Export implements privacy.Sink: one record per value sealed for the
// subject, with its reference and metadata and whether its key still exists.
func (s *Sink) Export(ctx context.Context, id privacy.Identifiers) ([]privacy.ExportRecord, error) {
	subjects, err := s.subjectIDs(ctx, id)
	if err != nil {
		return nil, err
	}
	ms, err := s.secretsOf(ctx, id.WorkspaceID, subjects)
	if err != nil {
		return nil, err
	}
	live := map[string]bool{}
	for _, subj := range subjects {
		ok, err := s.hasKey(ctx, id.WorkspaceID, subj)
		if err != nil {
			return nil, err
		}
		live[subj] = ok
	}
	out := make([]privacy.ExportRecord, 0, len(ms))
	for _, m := range ms {
		d := exportData{Kind: m.Ref.Kind, RecordID: m.Ref.RecordID, Field: m.Ref.Field, SubjectID: m.SubjectID,
			KeyVersion: m.KeyVersion, RotatedAt: m.RotatedAt.UTC().Format("2006-01-02T15:04:05.999999999Z07:00"), Readable: live[m.SubjectID]}
		if !m.ExpiresAt.IsZero() {
			d.ExpiresAt = m.ExpiresAt.UTC().Format("2006-01-02T15:04:05.999999999Z07:00")
		}
		b, err := json.Marshal(d)
		if err != nil {
			return nil, err
		}
		out = append(out, privacy.ExportRecord{Sink: s.name, Category: s.category, Kind: "vault_secret", ID: m.Ref.String(), Created: m.CreatedAt, Data: b})
	}
	return out, nil
}

func (s *Sink) hasKey(ctx context.Context, ws, subject string) (bool, error) {
	_, err := s.keys.SubjectKey(ctx, ws, subject)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, vault.ErrNotFound):
		return false, nil
	}
	return false, fmt.Errorf("vaultsink: subject key: %w", err)
}

// Erase implements privacy.Sink.
func (s *Sink) Erase(ctx context.Context, id privacy.Identifiers, category privacy.Category, strategy privacy.Strategy) (privacy.Receipt, error) {
	rc := privacy.Receipt{Sink: s.name, Category: category, Action: "erase", Strategy: strategy}
	if category != s.category {
		return rc, nil
	}
	switch strategy {
	case privacy.StrategyDelete, privacy.StrategyCryptoShred, privacy.StrategyMask:
	default:
		return rc, fmt.Errorf("vaultsink: unknown strategy %q", strategy)
	}
	subjects, err := s.subjectIDs(ctx, id)
	if err != nil {
		return rc, err
	}
	ms, err := s.secretsOf(ctx, id.WorkspaceID, subjects)
	if err != nil {
		return rc, err
	}
	for _, subj := range subjects {
		live, err := s.hasKey(ctx, id.WorkspaceID, subj)
		if err != nil {
			return rc, err
		}
		if err := s.v.Shred(ctx, id.WorkspaceID, subj); err != nil {
			return rc, fmt.Errorf("vaultsink: shred: %w", err)
		}
		if live && strategy != privacy.StrategyDelete {
			for _, m := range ms {
				if m.SubjectID == subj {
					rc.Count++
				}
			}
		}
	}
	if strategy == privacy.StrategyDelete {
		for _, m := range ms {
			if err := s.v.Delete(ctx, m.Ref); err != nil && !errors.Is(err, vault.ErrNotFound) {
				return rc, fmt.Errorf("vaultsink: delete: %w", err)
			}
			rc.Count++
		}
	}
	return rc, nil
}

// cursor is where a purge stopped: the last reference visited.
type cursor struct {
	WorkspaceID string `json:"w"`
	Kind        string `json:"k"`
	RecordID    string `json:"r"`
	Field       string `json:"f"`
}

// Purge implements privacy.Sink: it visits the workspaces in order and their
// secrets by reference, deletes subject-sealed values of the category
// created before the cutoff and not under a hold, and stops after Limit
// deletions or 10×Limit visits.
func (s *Sink) Purge(ctx context.Context, req privacy.PurgeRequest) (privacy.PurgeResult, error) {
	var res privacy.PurgeResult
	var cur cursor
	wss, done, err := privacy.StartPurge(ctx, "vaultsink", req, s.category, s.workspaces, &cur)
	if err != nil || done {
		res.Done = done
		return res, err
	}
	visits := 0
	for _, ws := range wss {
		if ws < cur.WorkspaceID {
			continue
		}
		opts := vault.ListOptions{Limit: min(1000, 10*req.Limit)}
		if ws == cur.WorkspaceID {
			opts.After = vault.Ref{WorkspaceID: ws, Kind: cur.Kind, RecordID: cur.RecordID, Field: cur.Field}
		}
		for {
			page, err := s.v.List(ctx, ws, opts)
			if err != nil {
				return res, fmt.Errorf("vaultsink: purge: %w", err)
			}
			for _, m := range page.Items {
				if res.Deleted >= req.Limit || visits >= 10*req.Limit {
					b, _ := json.Marshal(cur)
					res.Cursor = string(b)
					return res, nil
				}
				visits++
				cur = cursor{WorkspaceID: ws, Kind: m.Ref.Kind, RecordID: m.Ref.RecordID, Field: m.Ref.Field}
				if m.SubjectID == "" || !m.CreatedAt.Before(req.Cutoff) || req.Held(ws, m.SubjectID, m.CreatedAt) {
					continue
				}
				if err := s.v.Delete(ctx, m.Ref); err != nil && !errors.Is(err, vault.ErrNotFound) {
					return res, fmt.Errorf("vaultsink: purge: %w", err)
				}
				res.Deleted++
			}
			if !page.HasMore {
				break
			}
			opts.After = page.Next
		}
	}
	res.Done = true
	return res, nil
}
