package crm

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"
)

// CallDirection is the direction of a phone call.
type CallDirection string

// The call directions.
const (
	CallIncoming CallDirection = "incoming"
	CallOutgoing CallDirection = "outgoing"
)

// CallType is how a call ended.
type CallType string

// The call types.
const (
	CallAnswered  CallType = "answered"
	CallMissed    CallType = "missed"
	CallRejected  CallType = "rejected"
	CallBlocked   CallType = "blocked"
	CallVoicemail CallType = "voicemail"
)

// CallRecord is one entry of a device's call log as the Android app sends
// it. ContactName is accepted because the device sends it, and is never
// stored or logged.
type CallRecord struct {
	DeviceID    string
	Number      string // as the device shows it; normalised with the workspace's region
	At          time.Time
	Direction   CallDirection
	Type        CallType
	Duration    time.Duration
	SyncSource  string // e.g. "android"
	UserID      string // member whose device it is
	ContactName string // ignored: never stored
}

// CallMatchResult counts what MatchCalls did.
type CallMatchResult struct {
	Total      int // records received
	Matched    int // records whose number belongs to a lead
	Recorded   int // call activities stored by this call
	Duplicates int // matched records already recorded by an earlier sync
	Unmatched  int // records with no lead (nothing stored)
	Invalid    int // records with an unusable number, device id or time (nothing stored)
}

// MatchCalls matches a device's call log against the workspace's existing
// leads: each number is normalised, calls of known leads are recorded as call
// activities (direction, type, duration, time, device, sync source, user),
// and calls of unknown numbers leave no trace at all. Contact names are
// discarded. Syncing the same log twice records nothing new: calls are
// idempotent on (device id, time, number). One lookup and one insert cover
// the whole batch.
func (s *Service) MatchCalls(ctx context.Context, workspaceID string, calls []CallRecord) (CallMatchResult, error) {
	res := CallMatchResult{Total: len(calls)}
	if err := required("workspace_id", workspaceID); err != nil {
		return res, fmt.Errorf("crm: match calls: %w", err)
	}
	region := s.region(workspaceID)
	numbers := make([]string, len(calls))
	var unique []string
	seen := make(map[string]bool, len(calls))
	cache := make(map[string]string, len(calls))
	for i, c := range calls {
		if c.DeviceID == "" || c.At.IsZero() || c.Duration < 0 {
			res.Invalid++
			continue
		}
		n, ok := cache[c.Number]
		if !ok {
			var err error
			if n, err = NormalizePhone(c.Number, region); err != nil {
				n = ""
			}
			cache[c.Number] = n
		}
		if n == "" {
			res.Invalid++
			continue
		}
		numbers[i] = n
		if !seen[n] {
			seen[n] = true
			unique = append(unique, n)
		}
	}
	if len(unique) == 0 {
		return res, nil
	}
	owners, err := s.store.LeadsByPhone(ctx, workspaceID, unique)
	if err != nil {
		return res, fmt.Errorf("crm: match calls: %w", err)
	}
	var acts []Activity
	batch := make(map[string]bool)
	for i, c := range calls {
		if numbers[i] == "" {
			continue
		}
		leadID, ok := owners[numbers[i]]
		if !ok {
			res.Unmatched++
			continue
		}
		res.Matched++
		key := callKey(c.DeviceID, c.At, numbers[i])
		if batch[key] {
			continue
		}
		batch[key] = true
		dir, typ := c.Direction, c.Type
		if dir == "" {
			dir = CallIncoming
		}
		if typ == "" {
			typ = CallAnswered
		}
		acts = append(acts, Activity{
			ID: s.newID(), LeadID: leadID, Type: ActivityCall, Actor: Actor{Kind: ActorUser, ID: c.UserID},
			At: storeTime(c.At), DedupKey: key,
			Call: &CallDetails{Direction: dir, Type: typ, Duration: c.Duration, DeviceID: c.DeviceID, SyncSource: c.SyncSource, UserID: c.UserID},
		})
	}
	n, err := s.store.AddActivities(ctx, workspaceID, acts)
	if err != nil {
		return res, fmt.Errorf("crm: match calls: %w", err)
	}
	res.Recorded = n
	res.Duplicates = res.Matched - n
	return res, nil
}

// callKey is the idempotency key of a call: a hash, so the number is not
// readable from it.
func callKey(deviceID string, at time.Time, e164 string) string {
	h := sha256.New()
	h.Write([]byte(deviceID))
	h.Write([]byte{0})
	h.Write([]byte(strconv.FormatInt(at.UnixMilli(), 10)))
	h.Write([]byte{0})
	h.Write([]byte(e164))
	return "call:" + hex.EncodeToString(h.Sum(nil)[:16])
}
