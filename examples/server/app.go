package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/botsync/botsync/ai/knowledge"
	"github.com/botsync/botsync/bot"
	"github.com/botsync/botsync/crm"
	"github.com/botsync/botsync/internal/intake"
	"github.com/botsync/botsync/meta"
	"github.com/botsync/botsync/privacy"
	"github.com/botsync/botsync/secret"
	"github.com/botsync/botsync/vault"
	"github.com/botsync/botsync/whatsapp"
	"github.com/botsync/botsync/whatsapp/broadcast"
	"github.com/botsync/botsync/workspace"
)

// App is the assembled platform: every service, the intake queue, the
// realtime hub and the HTTP handler.
type App struct {
	cfg      Config
	log      *slog.Logger
	now      func() time.Time
	ws       *workspace.Service
	crm      *crm.Service
	kb       *knowledge.Base
	vault    *vault.Vault
	audit    *privacy.AuditLog
	queue    *intake.Queue
	hub      *Hub
	engine   *bot.Engine
	settings *settingsStore
	channels *channels
	metrics  *metrics
	sandbox  *sandbox
	privacy  *privacyKit
	billing  *billingKit
	known    *workspaceSet
	// retention sweeps expired data (webhook payloads, closed workspaces).
	retention *retention
	// broadcasts runs campaigns; bgCtx and bgWG carry this instance's
	// background sends until Close.
	broadcasts *broadcast.Service
	clientFn   metaClientFunc
	bgCtx      context.Context
	bgCancel   context.CancelFunc
	bgWG       sync.WaitGroup
	// river runs the platform-wide background work on PostgreSQL.
	river   *river.Client[pgx.Tx]
	runMu   sync.Mutex
	running map[string]bool      // campaigns this instance is sending
	lastRun map[string]time.Time // embedded: when each periodic task last ran
	stores  *stores
	handler http.Handler
	closers []func()
	// reqPrefix and reqSeq make request ids: random per process, then a
	// counter.
	reqPrefix string
	reqSeq    atomic.Uint64
	// skew shifts the clock (tests only).
	skew atomic.Int64
}

// Close stops background sends and releases the app's resources (the
// sandbox's fake servers, the database pools).
func (a *App) Close() {
	if a.bgCancel != nil {
		a.bgCancel()
		a.bgWG.Wait()
	}
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
}

// Handler is the app's HTTP handler.
func (a *App) Handler() http.Handler { return a.handler }

// NewApp assembles the platform for cfg. With no DATABASE_URL everything
// is in memory; with Sandbox the Graph API and the AI are in-process fakes
// and a demo workspace is seeded.
func NewApp(ctx context.Context, cfg Config, log *slog.Logger) (*App, error) {
	a := &App{cfg: cfg, log: log, hub: NewHub(), metrics: newMetrics(), known: &workspaceSet{}}
	pfx := make([]byte, 4)
	_, _ = rand.Read(pfx)
	a.reqPrefix = hex.EncodeToString(pfx) + "-"
	a.now = func() time.Time { return time.Now().Add(time.Duration(a.skew.Load())) }
	st := memoryStores()
	if cfg.DatabaseURL != "" {
		var err error
		if st, err = postgresStores(ctx, cfg, log); err != nil {
			return nil, err
		}
		a.closers = append(a.closers, st.close)
	}
	a.stores = st
	if len(st.pools) > 0 {
		a.known.pool = st.pools[0]
	}
	switch {
	case !cfg.RedisURL.IsZero(): // realtime across instances through Redis
		if err := a.redisFanout(ctx, cfg.RedisURL); err != nil {
			a.Close()
			return nil, err
		}
	case len(st.pools) > 0: // through PostgreSQL NOTIFY
		a.pgFanout(st.pools[0])
	}
	master := cfg.EncryptionSecret.Reveal()
	if master == "" {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		master = hex.EncodeToString(b)
		log.Warn("no BOTSYNC_ENCRYPTION_SECRET: using an ephemeral one; sealed tokens are lost at exit")
	}
	kr, err := vault.NewKeyring([]byte(master), vault.WithEnvironment("botsync"),
		vault.WithVersions(max(cfg.EncryptionKeyVersion, 1)), vault.WithActiveVersion(max(cfg.EncryptionKeyVersion, 1)))
	if err != nil {
		return nil, fmt.Errorf("server: keyring: %w", err)
	}
	a.vault, err = vault.New(kr, st.vault)
	if err != nil {
		return nil, err
	}
	a.audit = privacy.NewAuditLog(st.privacy, a.now)
	signing := sha256.Sum256([]byte("invitations:" + master))
	wsOpts := []workspace.Option{workspace.WithSecrets(a.vault), workspace.WithLogger(log), workspace.WithSuperAdminNetworks(cfg.AdminNetworks...)}
	if cfg.FastPasswords {
		log.Warn("BOTSYNC_TEST_FAST_PASSWORDS: low bcrypt cost, for tests only")
		wsOpts = append(wsOpts, workspace.WithInsecureBcryptCostForTests(4))
	}
	a.ws, err = workspace.New(st.workspace, a.audit, signing[:], wsOpts...)
	if err != nil {
		return nil, err
	}
	a.crm, err = crm.New(st.crm, crm.WithLogger(log), crm.WithClock(a.now), crm.WithDefaultRegion("IN"))
	if err != nil {
		return nil, err
	}
	var settingsPool *pgxpool.Pool
	if len(st.pools) > 0 {
		settingsPool = st.pools[0]
	}
	a.settings = newSettingsStore(a.ws, settingsPool)
	kai, err := newKnowledgeAI(cfg, master, a.settings.AI, aiMeter{a}, log)
	if err != nil {
		return nil, err
	}
	if kai.gateway == nil {
		kai.model, kai.embedder = sandboxModel{kai.model, a.metrics}, sandboxEmbedder{kai.embedder, a.metrics}
	}
	a.kb, err = knowledge.New(st.knowledge, kai.embedder, knowledge.WithModel(kai.model), knowledge.WithLogger(log))
	if err != nil {
		return nil, err
	}
	var clientFn metaClientFunc
	secrets := []secret.Value{}
	if !cfg.MetaAppSecret.IsZero() {
		secrets = append(secrets, cfg.MetaAppSecret)
	}
	if cfg.Sandbox {
		a.sandbox, err = newSandbox(log)
		if err != nil {
			return nil, err
		}
		a.closers = append(a.closers, a.sandbox.Close)
		clientFn = a.sandbox.metaClient
		secrets = append(secrets, a.sandbox.appSecrets()...)
	} else {
		clientFn = func(kind workspace.ChannelKind, tok secret.Value) (*meta.Client, error) {
			opts := []meta.Option{meta.WithAppSecret(cfg.MetaAppSecret)}
			if kind == workspace.ChannelInstagram {
				opts = append(opts, meta.WithBaseURL(meta.InstagramBaseURL))
			}
			return meta.NewClient(tok, opts...)
		}
	}
	botStore := st.bot
	a.clientFn = clientFn
	a.channels = newChannels(a.ws, botStore, clientFn, a.metrics)
	a.bgCtx, a.bgCancel = context.WithCancel(context.WithoutCancel(ctx))
	a.running = map[string]bool{}
	a.lastRun = map[string]time.Time{}
	if a.broadcasts, err = broadcast.New(st.broadcast, &routingSender{a: a, wa: map[string]*whatsapp.Client{}}, broadcast.WithLogger(log)); err != nil {
		return nil, err
	}
	botOpts := []bot.Option{bot.WithAnswerer(a.kb), bot.WithPublisher(bot.PublisherFunc(a.publish)), bot.WithSettings(a.settings), bot.WithLogger(log)}
	if kai.gateway != nil {
		botOpts = append(botOpts, bot.WithScorer(kai.gateway), bot.WithReplier(kai.gateway))
	}
	a.engine, err = bot.New(a.channels, a.crm, botStore, botOpts...)
	if err != nil {
		return nil, err
	}
	if a.privacy, err = a.newPrivacy(st.privacy); err != nil {
		return nil, err
	}
	var retentionPool *pgxpool.Pool
	if len(st.pools) > 0 {
		retentionPool = st.pools[0]
	}
	if a.retention, err = a.newRetention(retentionPool, st.privacy, a.privacy.sinks); err != nil {
		return nil, err
	}
	a.queue, err = intake.New(st.intake, a.process, intake.WithLogger(log), intake.WithClock(a.now), intake.WithLease(cfg.IntakeLease),
		intake.WithObserver(a.metrics.observeJob), intake.WithShard(shardOf))
	if err != nil {
		return nil, err
	}
	a.metrics.watchQueue(a.queue.Store().Stats)
	verify := cfg.MetaVerifyToken
	if verify.IsZero() {
		verify = secret.New("botsync-sandbox")
	}
	wh, err := meta.NewWebhookHandler(meta.WebhookSinkFunc(a.acceptMeta), meta.WithAppSecrets(secrets...),
		meta.WithVerifyToken(verify), meta.WithWebhookLogger(log))
	if err != nil {
		return nil, fmt.Errorf("server: meta webhook: %w", err)
	}
	if len(st.pools) > 0 {
		if a.river, err = a.newRiver(st.pools[0]); err != nil {
			return nil, fmt.Errorf("server: river: %w", err)
		}
	}
	if a.billing, err = a.newBilling(ctx); err != nil {
		return nil, err
	}
	if a.billing.fake != nil {
		a.closers = append(a.closers, a.billing.fake.Close)
	}
	var callbackSecrets [][]byte
	for _, s := range secrets {
		callbackSecrets = append(callbackSecrets, []byte(s.Reveal()))
	}
	a.handler = a.routes(wh, callbackSecrets)
	if a.billing.fake != nil {
		a.billing.fake.SetWebhookHandler(a.handler)
	}
	if cfg.Sandbox && cfg.Seed {
		if err := a.seed(ctx); err != nil {
			return nil, fmt.Errorf("server: seed sandbox: %w", err)
		}
	}
	return a, nil
}

// acceptMeta stores a verified Meta delivery and queues its processing.
func (a *App) acceptMeta(ctx context.Context, d meta.Delivery) error {
	start := time.Now()
	sum := sha256.Sum256(d.Body)
	_, inserted, err := a.queue.Accept(ctx, "meta", hex.EncodeToString(sum[:]), d.Body)
	a.metrics.intake("meta", inserted, err, time.Since(start))
	return err
}

// process runs one stored webhook: decode, then the engine per event.
func (a *App) process(ctx context.Context, j intake.Job) error {
	switch j.Kind {
	case "meta":
		evs, err := decodeMeta(j.Body)
		if err != nil {
			return fmt.Errorf("%w: %v", intake.ErrPermanent, err)
		}
		err = a.handleEvents(ctx, evs)
		if errors.Is(err, errPaused) {
			return fmt.Errorf("%w: %v", intake.ErrWait, err)
		}
		if err != nil {
			return err
		}
		return a.observeBroadcasts(ctx, j.Body)
	case "razorpay":
		return a.processRazorpay(ctx, j)
	}
	return fmt.Errorf("%w: unknown job kind %q", intake.ErrPermanent, j.Kind)
}

// Run processes background work until ctx ends: the intake workers, the
// realtime listener (PostgreSQL NOTIFY; Redis subscribes in NewApp), and every few seconds the engine's due
// follow-ups and a refresh of the kill switches other instances set.
func (a *App) Run(ctx context.Context) error {
	if len(a.stores.pools) > 0 && a.hub.echoes {
		go a.listen(ctx, a.stores.pools[0], nil)
	}
	if a.river != nil {
		if err := a.river.Start(ctx); err != nil {
			return fmt.Errorf("server: start river: %w", err)
		}
		defer func() {
			stop, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
			defer cancel()
			if err := a.river.StopAndCancel(stop); err != nil {
				a.log.Error("stop river", "err", err)
			}
		}()
	}
	go func() {
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				a.tick(ctx)
			}
		}
	}()
	return a.queue.Run(ctx)
}

// tick runs the periodic work once: this instance's kill-switch refresh
// and, in embedded mode (on PostgreSQL River runs them), every task that
// is due.
func (a *App) tick(ctx context.Context) {
	if err := a.ws.LoadKillSwitches(ctx); err != nil && ctx.Err() == nil {
		a.log.Error("reload kill switches", "err", err)
	}
	if a.river != nil {
		return
	}
	now := a.now()
	for _, t := range tasks {
		if last := a.lastRun[t.name]; !last.IsZero() && now.Sub(last) < t.every {
			continue
		}
		a.lastRun[t.name] = now
		if err := a.runTask(ctx, t.name); err != nil && ctx.Err() == nil {
			a.log.Error("periodic task", "task", t.name, "err", err)
		}
	}
}

// refreshTokens refreshes every workspace's Instagram tokens that are due
// (long-lived tokens last 60 days and must be refreshed before they end).
func (a *App) refreshTokens(ctx context.Context) error {
	wss, err := a.known.list(ctx)
	if err != nil {
		return err
	}
	refresh := func(ctx context.Context, tok secret.Value) (*meta.AccessToken, error) {
		mc, err := a.clientFn(workspace.ChannelInstagram, tok)
		if err != nil {
			return nil, err
		}
		return mc.RefreshInstagramToken(ctx)
	}
	total := 0
	for _, ws := range wss {
		n, err := a.ws.RefreshInstagramTokens(ctx, ws, refresh)
		if err != nil {
			return err
		}
		total += n
	}
	if total > 0 {
		a.channels.ForgetAll()
		a.log.Info("instagram tokens refreshed", "count", total)
	}
	return nil
}

// shardOf keeps one conversation's events in order: the business account
// and the customer of the delivery's first event.
func shardOf(j intake.Job) string {
	if j.Kind != "meta" {
		return j.Kind
	}
	evs, err := decodeMeta(j.Body)
	if err != nil || len(evs) == 0 {
		return ""
	}
	return evs[0].Account + "/" + evs[0].From
}
