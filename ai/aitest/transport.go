package aitest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"sync"
)

// Transport returns an [http.RoundTripper] that serves requests by calling s
// directly, with no socket: the response body is a pipe the handler writes
// into as it streams. It honours request-context cancellation (the body read
// fails with the context's error and the handler sees its request context
// done), so it works inside a testing/synctest bubble where a stalled stream
// or an idle timeout advances in fake time.
func (s *Server) Transport() http.RoundTripper { return memTransport{h: s} }

// HTTPClient returns an *http.Client using [Server.Transport].
func (s *Server) HTTPClient() *http.Client { return &http.Client{Transport: s.Transport()} }

type memTransport struct{ h http.Handler }

func (t memTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
	}
	ctx, cancel := context.WithCancel(req.Context())
	sreq := req.Clone(ctx)
	sreq.Body = io.NopCloser(bytes.NewReader(body))
	sreq.ContentLength = int64(len(body))
	sreq.RequestURI = req.URL.RequestURI()
	if sreq.Host == "" {
		sreq.Host = req.URL.Host
	}
	pr, pw := io.Pipe()
	rw := &pipeWriter{header: http.Header{}, pw: pw, ready: make(chan struct{})}
	done := make(chan struct{})
	go func() {
		defer close(done)
		t.h.ServeHTTP(rw, sreq)
		rw.commit(http.StatusOK)
		if err := context.Cause(ctx); err != nil {
			// The handler gave up because the client did: the reader must
			// see that error, not a clean end of body.
			_ = pw.CloseWithError(err)
			return
		}
		_ = pw.Close()
	}()
	go func() {
		select {
		case <-ctx.Done():
			// Closing the write half makes the reader see the cause.
			_ = pw.CloseWithError(context.Cause(ctx))
		case <-done:
		}
	}()
	select {
	case <-rw.ready:
	case <-ctx.Done():
		cancel()
		return nil, context.Cause(ctx)
	}
	resp := &http.Response{
		Status:        strconv.Itoa(rw.status) + " " + http.StatusText(rw.status),
		StatusCode:    rw.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        rw.header.Clone(),
		Body:          &pipeBody{pr: pr, cancel: cancel},
		ContentLength: -1,
		Request:       req,
	}
	return resp, nil
}

type pipeBody struct {
	pr     *io.PipeReader
	cancel context.CancelFunc
}

func (b *pipeBody) Read(p []byte) (int, error) { return b.pr.Read(p) }

func (b *pipeBody) Close() error {
	b.cancel()
	return b.pr.Close()
}

type pipeWriter struct {
	header http.Header
	pw     *io.PipeWriter
	once   sync.Once
	status int
	ready  chan struct{}
}

func (w *pipeWriter) Header() http.Header { return w.header }

func (w *pipeWriter) commit(status int) {
	w.once.Do(func() {
		w.status = status
		close(w.ready)
	})
}

func (w *pipeWriter) WriteHeader(status int) { w.commit(status) }

func (w *pipeWriter) Write(p []byte) (int, error) {
	w.commit(http.StatusOK)
	return w.pw.Write(p)
}

// Flush implements http.Flusher; writes reach the reader unbuffered anyway.
func (w *pipeWriter) Flush() { w.commit(http.StatusOK) }
