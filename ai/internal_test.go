package ai

import (
	"go/parser"
	"go/token"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/secret"
)

func TestDefaultTransportTimeouts(t *testing.T) {
	t.Parallel()
	p, err := NewProvider("p", OpenAI, secret.New("k"), WithDialTimeout(3*time.Second), WithHeaderTimeout(7*time.Second))
	require.NoError(t, err)
	rw, ok := p.http.Transport.(*rewriter)
	require.True(t, ok)
	tr, ok := rw.base.(*http.Transport)
	require.True(t, ok)
	assert.Equal(t, 7*time.Second, tr.ResponseHeaderTimeout)
	assert.Equal(t, 3*time.Second, tr.TLSHandshakeTimeout)
	assert.Zero(t, p.http.Timeout, "no whole-request timeout on the client: streams use the idle timeout")
	assert.Equal(t, DefaultRequestTimeout, p.cfg.reqTimeout)
	assert.Equal(t, DefaultStreamIdleTimeout, p.cfg.idleTimeout)
}

// TestImports keeps package ai a leaf above secret: the standard library,
// go-openai and secret only.
func TestImports(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		require.NoError(t, err)
		af, err := parser.ParseFile(fset, f, src, parser.ImportsOnly)
		require.NoError(t, err)
		for _, imp := range af.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			first := strings.Split(path, "/")[0]
			ok := !strings.Contains(first, ".") ||
				path == "github.com/sashabaranov/go-openai" ||
				path == "github.com/botsync/botsync/secret"
			assert.True(t, ok, "%s imports %s", f, path)
		}
	}
}
