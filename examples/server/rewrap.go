package main

import (
	"context"
	"errors"
	"strconv"

	"github.com/botsync/botsync/privacy"
	"github.com/botsync/botsync/vault"
)

// The vault rewrap task moves every sealed value (channel tokens, TOTP
// secrets, subject keys) to the keyring's active version, so that a
// rotation (BOTSYNC_ENCRYPTION_KEY_VERSION raised by one on every
// instance) completes without an operator running anything. It works in
// batches and saves its cursor after each, so a run cut short (shutdown,
// leader change) resumes where it stopped.

// rewrapCursorSink and rewrapCursorKey name the saved cursor in the
// privacy store's cursor table (shared by all instances on PostgreSQL).
const (
	rewrapCursorSink                  = "vault_rewrap"
	rewrapCursorKey  privacy.Category = "vault_values"
	rewrapBatch                       = 200
)

// rewrapVault runs vault.Vault.Rewrap in batches until Done, resuming from
// the saved cursor, and logs the version counts when it has moved values.
func (a *App) rewrapVault(ctx context.Context) error {
	cursors, ok := a.stores.privacy.(privacy.CursorStore)
	if !ok {
		return errors.New("server: privacy store keeps no cursors")
	}
	cursor, err := cursors.SweepCursor(ctx, rewrapCursorSink, rewrapCursorKey)
	if err != nil {
		return err
	}
	moved := 0
	for {
		res, err := a.vault.Rewrap(ctx, vault.RewrapOptions{Cursor: cursor, BatchSize: rewrapBatch, MaxBatches: 1})
		if errors.Is(err, vault.ErrInvalid) && cursor != "" {
			// A cursor from an older format: start over (rewrap is
			// idempotent).
			cursor = ""
			continue
		}
		if err != nil {
			return err
		}
		moved += res.Rewrapped
		if res.Done {
			cursor = ""
		} else {
			cursor = res.Cursor
		}
		if err := cursors.SaveSweepCursor(ctx, rewrapCursorSink, rewrapCursorKey, cursor); err != nil {
			return err
		}
		if res.Done {
			break
		}
	}
	if moved == 0 {
		return nil
	}
	counts, err := a.vault.VersionCounts(ctx)
	if err != nil {
		return err
	}
	attrs := []any{"rewrapped", moved, "active_version", a.vault.Keyring().ActiveVersion()}
	for v, n := range counts {
		attrs = append(attrs, "version_"+strconv.FormatUint(uint64(v), 10), n)
	}
	a.log.Info("vault rewrap", attrs...)
	return nil
}
