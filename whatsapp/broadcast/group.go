package broadcast

import "context"

// Group commit of the two writes every send makes. Workers hand their
// send intents to one writer, which records all that queued up while its
// previous write ran in a single store call, and answers each worker before
// it sends; acceptances are queued and written the same way without
// holding the worker. At low load a batch is one row and nothing waits; at
// 1,000 messages a second a PostgreSQL store makes a few statements a
// second instead of two per message. An acceptance lost in a crash leaves
// the recipient sending: its status webhooks (or Reconcile) settle it.

const maxGroup = 512

type intentReq struct {
	seq int64
	ok  chan bool
}

// intentWriter records the intents sent to reqs until it is closed.
func (r *run) intentWriter(ctx context.Context, reqs <-chan intentReq, done chan<- struct{}) {
	defer close(done)
	c := r.campaign()
	for first := range reqs {
		batch := []intentReq{first}
	drain:
		for len(batch) < maxGroup {
			select {
			case q, ok := <-reqs:
				if !ok {
					break drain
				}
				batch = append(batch, q)
			default:
				break drain
			}
		}
		seqs := make([]int64, len(batch))
		for i, q := range batch {
			seqs[i] = q.seq
		}
		started, err := r.s.store.StartSends(ctx, c.WorkspaceID, c.ID, r.owner, seqs, r.s.now())
		if err != nil {
			r.s.logger.Warn("broadcast: recording send intents failed", "campaign_id", c.ID, "error", err)
		}
		set := make(map[int64]bool, len(started))
		for _, s := range started {
			set[s] = true
		}
		for _, q := range batch {
			q.ok <- set[q.seq]
		}
	}
}

// startSend records one send intent through the writer and reports
// whether the recipient may be sent (false: its lease was lost or the
// store failed; nothing was recorded).
func (r *run) startSend(seq int64) bool {
	ok := make(chan bool, 1)
	r.intents <- intentReq{seq: seq, ok: ok}
	return <-ok
}

// acceptWriter records the acceptances sent to in until it is closed.
func (r *run) acceptWriter(ctx context.Context, in <-chan Accepted, done chan<- struct{}) {
	defer close(done)
	c := r.campaign()
	for first := range in {
		batch := []Accepted{first}
	drain:
		for len(batch) < maxGroup {
			select {
			case a, ok := <-in:
				if !ok {
					break drain
				}
				batch = append(batch, a)
			default:
				break drain
			}
		}
		if err := r.s.store.Accept(ctx, c.WorkspaceID, c.ID, batch, r.s.now()); err != nil {
			r.s.logger.Warn("broadcast: recording accepted sends failed", "campaign_id", c.ID, "sends", len(batch), "error", err)
		}
	}
}

// startWriters starts the group-commit writers; stop closes their inputs
// and waits until everything queued is written.
func (r *run) startWriters(bg context.Context) (stop func()) {
	r.intents = make(chan intentReq)
	r.accepts = make(chan Accepted, maxGroup)
	iDone, aDone := make(chan struct{}), make(chan struct{})
	go r.intentWriter(bg, r.intents, iDone)
	go r.acceptWriter(bg, r.accepts, aDone)
	return func() {
		close(r.intents)
		close(r.accepts)
		<-iDone
		<-aDone
	}
}
