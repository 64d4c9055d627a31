package whatsapptest

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// AutoStatuses makes the fake deliver signed status webhooks for every
// message it accepts, before it answers the send: the statuses reach the
// webhook endpoint before the sender knows the message id, the race a
// status tracker must survive.
type AutoStatuses struct {
	// Target is the webhook endpoint's URL.
	Target string
	// Client posts the webhooks (nil: http.DefaultClient).
	Client *http.Client
	// States are the statuses to send, in order (default sent, delivered).
	States []string
	// Scramble delivers them reversed and twice each (see [Scramble]).
	Scramble bool
	// Timeout bounds each delivery (default 5 s).
	Timeout time.Duration
}

// SetAutoStatuses turns automatic status webhooks on (nil turns them off).
func (s *Server) SetAutoStatuses(a *AutoStatuses) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.auto = a
}

// AutoStatusErrors returns the failures of automatic deliveries (transport
// errors and non-200 answers).
func (s *Server) AutoStatusErrors() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]error(nil), s.autoErrs...)
}

func (s *Server) emit(ctx context.Context, a *AutoStatuses, m Sent) {
	states := a.States
	if len(states) == 0 {
		states = []string{"sent", "delivered"}
	}
	sts := s.Statuses(m, states...)
	if a.Scramble {
		sts = Scramble(sts)
	}
	timeout := a.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	codes, err := s.Deliver(ctx, a.Client, a.Target, s.StatusWebhook(sts...))
	if err == nil && (len(codes) != 1 || codes[0] != http.StatusOK) {
		err = fmt.Errorf("whatsapptest: status webhook answered %v", codes)
	}
	if err != nil {
		s.mu.Lock()
		s.autoErrs = append(s.autoErrs, err)
		s.mu.Unlock()
	}
}
