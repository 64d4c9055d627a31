package knowledge_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/ai/knowledge"
)

func TestFetch(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	mux.HandleFunc("/page", func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "botsync-test", r.Header.Get("User-Agent"))
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte("<html><head><title>Fees page</title></head><body><h1>Fees</h1><p>₹1,80,000</p></body></html>"))
	})
	mux.HandleFunc("/notes.md", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/markdown")
		_, _ = w.Write([]byte("# Notes\n\ntext"))
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte(strings.Repeat("x", 2000)))
	})
	mux.HandleFunc("/chunked", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		for range 20 {
			_, _ = w.Write([]byte(strings.Repeat("y", 100)))
			w.(http.Flusher).Flush()
		}
	})
	mux.HandleFunc("/pdf", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/pdf")
		_, _ = w.Write([]byte("%PDF"))
	})
	mux.HandleFunc("/latin1", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=iso-8859-1")
		_, _ = w.Write([]byte("caf\xe9"))
	})
	mux.HandleFunc("/binary", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("\xff\xfe"))
	})
	mux.HandleFunc("/missing", http.NotFound)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	ctx := t.Context()
	opts := knowledge.FetchOptions{MaxBytes: 1000, UserAgent: "botsync-test"}

	src, err := knowledge.Fetch(ctx, srv.Client(), srv.URL+"/page", opts)
	require.NoError(t, err)
	assert.Equal(t, knowledge.FormatHTML, src.Format)
	assert.Equal(t, "Fees page", src.Title)
	assert.Equal(t, srv.URL+"/page", src.URL)
	assert.Equal(t, srv.URL+"/page", src.ID)

	src, err = knowledge.Fetch(ctx, srv.Client(), srv.URL+"/notes.md", opts)
	require.NoError(t, err)
	assert.Equal(t, knowledge.FormatMarkdown, src.Format)

	cases := map[string]error{
		"/big":     knowledge.ErrTooLarge,
		"/chunked": knowledge.ErrTooLarge,
		"/pdf":     knowledge.ErrUnsupportedContentType,
		"/latin1":  knowledge.ErrUnsupportedContentType,
		"/binary":  knowledge.ErrUnsupportedContentType,
	}
	for path, want := range cases {
		_, err := knowledge.Fetch(ctx, srv.Client(), srv.URL+path, opts)
		require.ErrorIs(t, err, want, path)
	}
	_, err = knowledge.Fetch(ctx, srv.Client(), srv.URL+"/missing?token=s3cret", opts)
	require.ErrorContains(t, err, "status 404")
	assert.NotContains(t, err.Error(), "s3cret", "queries stay out of errors")

	for _, bad := range []string{"ftp://x/y", "/relative", "http://", "::"} {
		_, err := knowledge.Fetch(ctx, srv.Client(), bad, opts)
		require.ErrorIs(t, err, knowledge.ErrInvalid, bad)
	}
	_, err = knowledge.Fetch(ctx, nil, srv.URL, opts)
	require.ErrorIs(t, err, knowledge.ErrInvalid)
}
