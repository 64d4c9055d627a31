// Package broadcasttest holds the conformance suite every
// [broadcast.Store] passes ([TestStore]), end-to-end scenarios run against
// each store ([TestCrashSafety], [TestConcurrentPools]) and an in-process
// fake [Sender] of the Cloud API's send call: it records what was sent and
// when, scripts per-recipient errors, simulates latency and sends whose
// answer is lost, and builds the status webhooks WhatsApp would deliver.
//
//	func TestMyStore(t *testing.T) {
//		broadcasttest.TestStore(t, func(t *testing.T) broadcast.Store { return mystore.New(...) })
//	}
package broadcasttest

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/botsync/botsync/meta"
	"github.com/botsync/botsync/whatsapp"
)

// Sender is a fake of the Cloud API's send call (a [broadcast.Sender]).
// It is safe for concurrent use and, with no latency, never blocks; its
// timers make it usable under testing/synctest.
type Sender struct {
	now func() time.Time

	mu      sync.Mutex
	sent    []Sent
	fail    map[string][]error
	latency time.Duration
	// lost decides, for a send cancelled while in flight, whether the API
	// had accepted it (the answer is lost either way).
	lost    func(n int) bool
	nLost   int
	next    int
	waiters []waiter
}

type waiter struct {
	n  int
	ch chan struct{}
}

// Sent is a message the fake accepted.
type Sent struct {
	MessageID     string
	PhoneNumberID string
	// To is the contact key (wa_id digits or BSUID).
	To           string
	CallbackData string
	Template     whatsapp.Template
	// At is when the request arrived.
	At time.Time
	// Lost is set when the sender never saw the answer.
	Lost bool
}

// NewSender returns a fake on clock now (nil: time.Now).
func NewSender(now func() time.Time) *Sender {
	if now == nil {
		now = time.Now
	}
	return &Sender{now: now, fail: map[string][]error{}}
}

// SetLatency makes every send take d before it is answered. A send whose
// context ends during that time returns the context's error; accepted(n)
// (n counts such sends from 0) says whether the API had accepted it
// anyway — the ambiguous outcome a crashed worker leaves behind. nil
// accepts every other one.
func (f *Sender) SetLatency(d time.Duration, accepted func(n int) bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if accepted == nil {
		accepted = func(n int) bool { return n%2 == 0 }
	}
	f.latency, f.lost = d, accepted
}

// FailRecipient makes the next sends to contact (wa_id digits or BSUID)
// fail with errs, one per send, in order.
func (f *Sender) FailRecipient(contact string, errs ...error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail[contact] = append(f.fail[contact], errs...)
}

// Send implements broadcast.Sender.
func (f *Sender) Send(ctx context.Context, phoneNumberID string, m whatsapp.Message) (*whatsapp.SendResult, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	t, ok := m.Content.(whatsapp.Template)
	if !ok {
		return nil, &whatsapp.SendError{Op: "send message", Action: whatsapp.ActionTerminal, Err: fmt.Errorf("broadcasttest: only templates are accepted")}
	}
	key := m.To.Key()
	arrived := f.now()
	f.mu.Lock()
	if q := f.fail[key]; len(q) > 0 {
		e := q[0]
		f.fail[key] = q[1:]
		f.mu.Unlock()
		return nil, e
	}
	lat := f.latency
	f.mu.Unlock()
	if lat > 0 {
		tm := time.NewTimer(lat)
		select {
		case <-tm.C:
		case <-ctx.Done():
			tm.Stop()
			f.mu.Lock()
			n := f.nLost
			f.nLost++
			if f.lost(n) {
				f.recordLocked(phoneNumberID, key, m.CallbackData, t, arrived, true)
			}
			f.mu.Unlock()
			return nil, &whatsapp.SendError{Op: "send message", Action: whatsapp.ActionUncertain, Err: ctx.Err()}
		}
	}
	f.mu.Lock()
	s := f.recordLocked(phoneNumberID, key, m.CallbackData, t, arrived, false)
	f.mu.Unlock()
	return &whatsapp.SendResult{MessageID: s.MessageID, MessageStatus: "accepted", WaID: key, Endpoint: whatsapp.EndpointMessages, Category: t.Category}, nil
}

func (f *Sender) recordLocked(phone, to, cb string, t whatsapp.Template, at time.Time, lost bool) Sent {
	f.next++
	s := Sent{MessageID: fmt.Sprintf("wamid.FAKE%08d", f.next), PhoneNumberID: phone, To: to, CallbackData: cb, Template: t, At: at, Lost: lost}
	f.sent = append(f.sent, s)
	keep := f.waiters[:0]
	for _, w := range f.waiters {
		if len(f.sent) >= w.n {
			close(w.ch)
		} else {
			keep = append(keep, w)
		}
	}
	f.waiters = keep
	return s
}

// Reached returns a channel closed once n messages were accepted.
func (f *Sender) Reached(n int) <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	ch := make(chan struct{})
	if len(f.sent) >= n {
		close(ch)
		return ch
	}
	f.waiters = append(f.waiters, waiter{n, ch})
	return ch
}

// Sent returns the accepted messages in order.
func (f *Sender) Sent() []Sent {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Sent(nil), f.sent...)
}

// Counts returns how many messages each contact was sent.
func (f *Sender) Counts() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]int{}
	for _, s := range f.sent {
		out[s.To]++
	}
	return out
}

// Statuses returns a "messages" webhook event carrying one status per
// state for each accepted message (those whose answer was lost
// included), echoing their callback data, one second apart, with
// marketing pricing; "failed" carries error code failCode (0: 131026).
func (f *Sender) Statuses(failCode int, states ...string) []whatsapp.Event {
	var sts []whatsapp.Status
	for _, s := range f.Sent() {
		for i, st := range states {
			e := whatsapp.Status{ID: s.MessageID, Status: st, RecipientID: s.To, CallbackData: s.CallbackData, PhoneNumberID: s.PhoneNumberID}
			e.Timestamp.Time = s.At.Add(time.Duration(i+1) * time.Second).Truncate(time.Second)
			if st == "failed" {
				code := failCode
				if code == 0 {
					code = 131026
				}
				e.Errors = []whatsapp.ErrorDetail{{Code: code, Title: fmt.Sprintf("error %d", code)}}
			} else {
				e.Pricing = &whatsapp.Pricing{Billable: true, PricingModel: "PMP", Category: "marketing", Type: "regular"}
			}
			sts = append(sts, e)
		}
	}
	return []whatsapp.Event{{Field: whatsapp.FieldMessages, Messages: &whatsapp.MessagesValue{MessagingProduct: "whatsapp", Statuses: sts}}}
}

// APIError returns the error a send gets from the Cloud API for code, as
// the whatsapp client reports it: a *whatsapp.SendError with the default
// action wrapping a *meta.Error.
func APIError(code int) error {
	status := http.StatusBadRequest
	if code == 130429 || code == 131056 || code == 80007 {
		status = http.StatusTooManyRequests
	}
	return &whatsapp.SendError{Op: "send message", Action: whatsapp.ClassifyCode(code, status),
		Err: &meta.Error{Op: "POST messages", HTTPStatus: status, Code: code, Message: "(#" + fmt.Sprint(code) + ") scripted"}}
}

// Key returns the contact key of an E.164 number, as recipients and
// [Sender.Counts] carry it.
func Key(phone string) string { return strings.TrimPrefix(phone, "+") }
