package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
)

// On PostgreSQL the platform-wide background work runs on River, so that
// any number of instances share it and each periodic task runs once per
// period (on River's elected leader): follow-ups, retention sweeps, token
// refresh, starting due campaigns; campaign runs are River jobs any
// instance may pick up. Webhook processing stays on the intake queue (raw
// event and job in one row; see docs). Embedded mode runs the same
// functions from an in-process ticker.

// periodicArgs names one periodic task.
type periodicArgs struct {
	Task string `json:"task"`
}

func (periodicArgs) Kind() string { return "botsync_periodic" }

// campaignArgs runs one broadcast campaign until it completes or pauses.
type campaignArgs struct {
	Workspace string `json:"workspace"`
	Campaign  string `json:"campaign"`
}

func (campaignArgs) Kind() string { return "botsync_campaign_run" }

type periodicWorker struct {
	river.WorkerDefaults[periodicArgs]
	a *App
}

// Work runs the task.
func (w *periodicWorker) Work(ctx context.Context, job *river.Job[periodicArgs]) error {
	return w.a.runTask(ctx, job.Args.Task)
}

type campaignWorker struct {
	river.WorkerDefaults[campaignArgs]
	a *App
}

// Timeout lets a campaign run as long as it needs (it stops on pause,
// completion or shutdown).
func (w *campaignWorker) Timeout(*river.Job[campaignArgs]) time.Duration { return -1 }

// Work sends the campaign until it completes or pauses.
func (w *campaignWorker) Work(ctx context.Context, job *river.Job[campaignArgs]) error {
	return w.a.broadcasts.Run(ctx, job.Args.Workspace, job.Args.Campaign)
}

// tasks are the periodic tasks and their periods.
var tasks = []struct {
	name  string
	every time.Duration
}{
	{"due", 5 * time.Second},   // bot follow-ups and no-reply checks
	{"campaigns", time.Minute}, // start due campaigns, resume orphaned runs
	{"tokens", time.Hour},      // Instagram token refresh
	{"health", time.Hour},      // channel health checks
	{"closures", time.Hour},    // closing workspaces whose deletion clock ended
	{"retention", time.Hour},   // retention sweeps (privacy policy)
	{"rewrap", time.Hour},      // vault values to the active key version
}

// runTask runs one periodic task now.
func (a *App) runTask(ctx context.Context, task string) error {
	switch task {
	case "due":
		_, err := a.engine.RunDue(ctx, a.now())
		return err
	case "campaigns":
		return a.resumeCampaigns(ctx)
	case "tokens":
		return a.refreshTokens(ctx)
	case "closures":
		return a.closeExpired(ctx)
	case "health":
		return a.checkAllHealth(ctx)
	case "rewrap":
		return a.rewrapVault(ctx)
	case "retention":
		n, err := a.retention.sweep(ctx)
		if n > 0 {
			a.log.Info("retention sweep", "deleted", n)
		}
		return err
	}
	return fmt.Errorf("server: unknown periodic task %q", task)
}

// migrateRiver applies River's own migrations.
func migrateRiver(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger) error {
	m, err := rivermigrate.New(riverpgxv5.New(pool), &rivermigrate.Config{Logger: log})
	if err != nil {
		return err
	}
	_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	return err
}

// newRiver builds the River client (started by Run).
func (a *App) newRiver(pool *pgxpool.Pool) (*river.Client[pgx.Tx], error) {
	workers := river.NewWorkers()
	river.AddWorker(workers, &periodicWorker{a: a})
	river.AddWorker(workers, &campaignWorker{a: a})
	var periodic []*river.PeriodicJob
	for _, t := range tasks {
		periodic = append(periodic, river.NewPeriodicJob(river.PeriodicInterval(t.every),
			func() (river.JobArgs, *river.InsertOpts) {
				return periodicArgs{Task: t.name}, &river.InsertOpts{MaxAttempts: 1}
			}, &river.PeriodicJobOpts{ID: t.name, RunOnStart: true}))
	}
	return river.NewClient(riverpgxv5.New(pool), &river.Config{
		Queues:       map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 8}},
		Workers:      workers,
		PeriodicJobs: periodic,
		Logger:       a.log,
		JobTimeout:   10 * time.Minute,
	})
}

// enqueueCampaign queues a campaign run; one per campaign at a time.
func (a *App) enqueueCampaign(ctx context.Context, ws, id string) error {
	_, err := a.river.Insert(ctx, campaignArgs{Workspace: ws, Campaign: id}, &river.InsertOpts{
		// Not unique against completed runs: a resumed campaign runs again.
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending,
			rivertype.JobStateRetryable, rivertype.JobStateRunning, rivertype.JobStateScheduled}},
		MaxAttempts: 3})
	return err
}
