// Package fakerun runs the SDK's test fakes (metatest, whatsapptest,
// instagramtest) inside an ordinary program, for the examples and the
// reference server's sandbox: the fakes take a testing.TB, and T is one
// that collects cleanups until Close and turns failures into log lines.
//
//	tb := fakerun.New(logger)
//	defer tb.Close()
//	fake := whatsapptest.New(tb)
package fakerun

import (
	"fmt"
	"log/slog"
	"sync"
	"testing"
)

// T is a testing.TB for fakes running outside a test. Only the methods
// the fakes use are implemented (Helper, Cleanup, Logf, Errorf, Fatalf,
// Name, Failed); Fatalf logs and panics, so a fake's internal failure
// never goes unnoticed. Safe for concurrent use.
type T struct {
	testing.TB
	log      *slog.Logger
	mu       sync.Mutex
	cleanups []func()
	failed   bool
}

// New returns a T logging to log (nil discards).
func New(log *slog.Logger) *T {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &T{log: log}
}

// Helper implements testing.TB.
func (t *T) Helper() {}

// Name implements testing.TB.
func (t *T) Name() string { return "fakerun" }

// Failed implements testing.TB.
func (t *T) Failed() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.failed
}

// Logf implements testing.TB.
func (t *T) Logf(format string, args ...any) { t.log.Debug("fake: " + fmt.Sprintf(format, args...)) }

// Errorf implements testing.TB.
func (t *T) Errorf(format string, args ...any) {
	t.mu.Lock()
	t.failed = true
	t.mu.Unlock()
	t.log.Error("fake: " + fmt.Sprintf(format, args...))
}

// Fatalf implements testing.TB: it logs and panics.
func (t *T) Fatalf(format string, args ...any) {
	t.Errorf(format, args...)
	panic("fakerun: " + fmt.Sprintf(format, args...))
}

// Cleanup implements testing.TB.
func (t *T) Cleanup(f func()) {
	t.mu.Lock()
	t.cleanups = append(t.cleanups, f)
	t.mu.Unlock()
}

// Close runs the cleanups, last registered first (the fakes' servers
// stop).
func (t *T) Close() {
	t.mu.Lock()
	cs := t.cleanups
	t.cleanups = nil
	t.mu.Unlock()
	for i := len(cs) - 1; i >= 0; i-- {
		cs[i]()
	}
}
