package workspace

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Pause is a set of kill-switch flags.
type Pause uint8

// Kill-switch flags.
const (
	// PauseSends stops outbound messages (sends, broadcasts, bot replies).
	PauseSends Pause = 1 << iota
	// PauseWebhooks stops webhook processing; events are still stored and
	// processed on resume (see [Gate]).
	PauseWebhooks
	// PauseAI stops AI answers; conversations go to humans.
	PauseAI
	pauseAll = PauseSends | PauseWebhooks | PauseAI
)

// String lists the flags, e.g. "sends|ai".
func (p Pause) String() string {
	var parts []string
	for _, f := range []struct {
		p    Pause
		name string
	}{{PauseSends, "sends"}, {PauseWebhooks, "webhooks"}, {PauseAI, "ai"}} {
		if p&f.p != 0 {
			parts = append(parts, f.name)
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "|")
}

// GlobalScope is the kill-switch scope that covers every workspace.
const GlobalScope = "*"

// KillSwitch is the stored state of one scope's switches.
type KillSwitch struct {
	// Scope is a workspace id or [GlobalScope].
	Scope     string
	Paused    Pause
	Reason    string
	Actor     string
	UpdatedAt time.Time
}

// killSnapshot is immutable once published.
type killSnapshot struct {
	global Pause
	ws     map[string]Pause
}

type killSwitches struct {
	mu   sync.Mutex // serialises Set and Load
	snap atomic.Pointer[killSnapshot]
}

func (k *killSwitches) load() *killSnapshot {
	if s := k.snap.Load(); s != nil {
		return s
	}
	return &killSnapshot{}
}

// Paused reports whether what is paused for the workspace, globally or for
// it alone. It reads an atomic snapshot (no locks, no I/O, no allocation),
// so it is cheap enough for every send. The snapshot is this instance's
// view: [Service.LoadKillSwitches] at start-up and on a short timer (or
// on a notification) picks up other instances' changes.
func (s *Service) Paused(workspaceID string, what Pause) bool {
	snap := s.kill.load()
	if snap.global&what != 0 {
		return true
	}
	return snap.ws[workspaceID]&what != 0
}

// CheckSend returns an error matching ErrPaused when outbound sends are
// paused for the workspace.
func (s *Service) CheckSend(workspaceID string) error {
	if s.Paused(workspaceID, PauseSends) {
		return errPausedSends
	}
	return nil
}

var errPausedSends = fmt.Errorf("workspace: send: %w", ErrPaused)

// LoadKillSwitches replaces this instance's snapshot with the stored
// switches.
func (s *Service) LoadKillSwitches(ctx context.Context) error {
	s.kill.mu.Lock()
	defer s.kill.mu.Unlock()
	return s.loadKillSwitchesLocked(ctx)
}

func (s *Service) loadKillSwitchesLocked(ctx context.Context) error {
	ks, err := s.store.KillSwitches(ctx)
	if err != nil {
		return wrap("load kill switches", err)
	}
	snap := &killSnapshot{ws: make(map[string]Pause, len(ks))}
	for _, k := range ks {
		if k.Scope == GlobalScope {
			snap.global = k.Paused
		} else if k.Paused != 0 {
			snap.ws[k.Scope] = k.Paused
		}
	}
	s.kill.snap.Store(snap)
	return nil
}

// KillSwitches returns the stored switches (for an operator screen).
func (s *Service) KillSwitches(ctx context.Context) ([]KillSwitch, error) {
	ks, err := s.store.KillSwitches(ctx)
	return ks, wrap("kill switches", err)
}

// SetKillSwitch sets the paused flags of a workspace (needs
// [ActionKillSwitchManage]) or, with scope [GlobalScope], of every
// workspace (super-admins: [ActionPlatformKillSwitch]). The change is
// stored, audited with the reason (required) and applied to this
// instance's snapshot at once.
func (s *Service) SetKillSwitch(ctx context.Context, p *Principal, scope string, paused Pause, reason string) error {
	reason = strings.TrimSpace(reason)
	switch {
	case scope == "":
		return wrap("set kill switch", fmt.Errorf("%w: scope: empty", ErrInvalid))
	case paused&^pauseAll != 0:
		return wrap("set kill switch", fmt.Errorf("%w: paused: unknown flags %#x", ErrInvalid, uint8(paused&^pauseAll)))
	case reason == "" || len(reason) > 500:
		return wrap("set kill switch", fmt.Errorf("%w: reason: want 1..500 characters", ErrInvalid))
	}
	auditWS := scope
	if scope == GlobalScope {
		auditWS = PlatformScope
		if !p.SuperAdmin() {
			return wrap("set kill switch", ErrForbidden)
		}
		if err := s.Authorize(ctx, p, ActionPlatformKillSwitch, PlatformScope); err != nil {
			return wrap("set kill switch", err)
		}
	} else if err := s.Authorize(ctx, p, ActionKillSwitchManage, scope); err != nil {
		return wrap("set kill switch", err)
	}
	s.kill.mu.Lock()
	defer s.kill.mu.Unlock()
	k := KillSwitch{Scope: scope, Paused: paused, Reason: reason, Actor: p.User.ID, UpdatedAt: s.now()}
	if err := s.store.PutKillSwitch(ctx, k); err != nil {
		return wrap("set kill switch", err)
	}
	if err := s.Audit(ctx, p, auditWS, "killswitch.set", "paused="+paused.String()+" reason="+reason); err != nil {
		return err
	}
	return s.loadKillSwitchesLocked(ctx)
}

// Pauser is what a [Gate] asks; *Service satisfies it.
type Pauser interface {
	Paused(workspaceID string, what Pause) bool
}

// Gate holds a workspace's events while their processing is paused and
// processes them in arrival order on resume. Events the caller has
// already stored durably are handed to Submit; a restarted instance
// re-submits its unprocessed events. Safe for concurrent use; events of
// one workspace are processed one at a time, in order.
type Gate[T any] struct {
	pauser  Pauser
	what    Pause
	process func(ctx context.Context, workspaceID string, ev T) error

	mu   sync.Mutex
	held map[string][]T
	busy map[string]*sync.Mutex
}

// NewGate returns a gate that processes events with process unless what
// (usually [PauseWebhooks]) is paused for their workspace.
func NewGate[T any](p Pauser, what Pause, process func(ctx context.Context, workspaceID string, ev T) error) *Gate[T] {
	return &Gate[T]{pauser: p, what: what, process: process, held: map[string][]T{}, busy: map[string]*sync.Mutex{}}
}

func (g *Gate[T]) wsLock(ws string) *sync.Mutex {
	g.mu.Lock()
	defer g.mu.Unlock()
	m, ok := g.busy[ws]
	if !ok {
		m = &sync.Mutex{}
		g.busy[ws] = m
	}
	return m
}

// Submit processes ev now, or holds it when processing is paused or
// earlier events of the workspace are still held (order is kept). It
// reports whether the event was held.
func (g *Gate[T]) Submit(ctx context.Context, workspaceID string, ev T) (held bool, err error) {
	l := g.wsLock(workspaceID)
	l.Lock()
	defer l.Unlock()
	g.mu.Lock()
	if g.pauser.Paused(workspaceID, g.what) || len(g.held[workspaceID]) > 0 {
		g.held[workspaceID] = append(g.held[workspaceID], ev)
		g.mu.Unlock()
		return true, nil
	}
	g.mu.Unlock()
	return false, g.process(ctx, workspaceID, ev)
}

// Resume processes the workspace's held events in order while processing
// is not paused, and returns how many it processed. On an error the
// failed event stays first in line.
func (g *Gate[T]) Resume(ctx context.Context, workspaceID string) (int, error) {
	l := g.wsLock(workspaceID)
	l.Lock()
	defer l.Unlock()
	n := 0
	for {
		if g.pauser.Paused(workspaceID, g.what) {
			return n, nil
		}
		g.mu.Lock()
		q := g.held[workspaceID]
		if len(q) == 0 {
			delete(g.held, workspaceID)
			g.mu.Unlock()
			return n, nil
		}
		ev := q[0]
		g.mu.Unlock()
		if err := g.process(ctx, workspaceID, ev); err != nil {
			return n, err
		}
		g.mu.Lock()
		var zero T
		g.held[workspaceID][0] = zero
		g.held[workspaceID] = g.held[workspaceID][1:]
		g.mu.Unlock()
		n++
	}
}

// Held returns how many events of the workspace wait.
func (g *Gate[T]) Held(workspaceID string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.held[workspaceID])
}
