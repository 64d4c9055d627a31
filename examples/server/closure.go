package main

import (
	"context"

	"github.com/botsync/botsync/workspace"
)

// closeExpired moves closing workspaces whose deletion clock ran out to
// closed (as "system", audited). It is a periodic task; purging a closed
// workspace's data is the privacy sweeper's closure rule (not yet in the
// server's policy).
func (a *App) closeExpired(ctx context.Context) error {
	wss, err := a.known.list(ctx)
	if err != nil {
		return err
	}
	now := a.now()
	for _, id := range wss {
		w, err := a.ws.Store().Workspace(ctx, id)
		if err != nil || w.Status != workspace.StatusClosing {
			continue
		}
		d, ok := workspace.ClosureClock(w)
		if !ok {
			continue
		}
		due, err := d.Due(nil, now)
		if err != nil || now.Before(due) {
			continue
		}
		if _, err := a.ws.SetStatus(ctx, nil, id, workspace.StatusClosed, "deletion clock ended"); err != nil {
			return err
		}
		a.log.InfoContext(ctx, "workspace closed", "workspace", id)
	}
	return nil
}
