// Command server is BotSync's reference server: the whole platform —
// shared inbox, CRM, keyword rules, AI answers from a knowledge base with
// human handoff, durable webhook intake, realtime events — assembled from
// the SDK's packages.
//
//	go run ./examples/server            # embedded: in memory, sandbox on
//	ADDR=127.0.0.1:9000 go run ./examples/server
//
// With nothing configured it runs fully in memory with a sandbox: an
// in-process fake Graph API and AI, a seeded demo workspace, and a page at
// /sandbox where you write as a WhatsApp or Instagram customer and watch
// the bot answer, hand off, and the CRM update live. Configuration comes
// from environment variables (see Config and docs/pending/server.md).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, logger, os.Getenv, os.Stdout, os.Args[1:]); err != nil {
		logger.Error("server stopped", "err", err)
		os.Exit(1)
	}
}

// run starts the server and blocks until ctx ends, then shuts down
// gracefully: the listener closes, in-flight requests finish, workers
// stop after their current job.
func run(ctx context.Context, logger *slog.Logger, getenv func(string) string, out io.Writer, args []string) error {
	cfg, err := LoadConfig(getenv)
	if err != nil {
		return err
	}
	if len(args) > 0 {
		switch args[0] {
		case "migrate":
			if cfg.DatabaseURL == "" {
				return errors.New("migrate: set DATABASE_URL")
			}
			return migrate(ctx, cfg, logger)
		default:
			return fmt.Errorf("unknown command %q (want no argument to serve, or migrate)", args[0])
		}
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	if getenv("PUBLIC_URL") == "" {
		cfg.PublicURL = "http://" + ln.Addr().String()
	}
	app, err := NewApp(ctx, cfg, logger)
	if err != nil {
		_ = ln.Close()
		return err
	}
	defer app.Close()
	if cfg.DatabaseURL == "" {
		logger.Warn("EMBEDDED MODE: everything is in memory and NOTHING IS PERSISTED; set DATABASE_URL to run on PostgreSQL")
	}
	srv := &http.Server{Handler: app.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		IdleTimeout: 120 * time.Second, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	workDone := make(chan error, 1)
	go func() { workDone <- app.Run(workCtx) }()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	logger.Info("listening", "url", cfg.PublicURL)
	if app.sandbox != nil && app.sandbox.demoWS != "" {
		fmt.Fprintf(out, "\nBotSync is running at %s\n\n  Sandbox (write as a customer):  %s/sandbox\n  Health:                          %s/healthz\n  API document:                    %s/api/v1/openapi.json\n\n  Try the API with the demo workspace's key:\n\n    curl -H 'Authorization: Bearer %s' %s/api/v1/workspaces/%s/leads\n\n",
			cfg.PublicURL, cfg.PublicURL, cfg.PublicURL, cfg.PublicURL, app.sandbox.demoKey.Reveal(), cfg.PublicURL, app.sandbox.demoWS)
	}
	select {
	case err := <-errc:
		stopWork()
		<-workDone
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		stopWork()
		return err
	}
	stopWork()
	return <-workDone
}
