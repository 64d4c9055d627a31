package instagram_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/meta/metatest"
)

var update = flag.Bool("update", false, "rewrite golden files")

// golden compares the request with testdata/<name>.golden: the method and
// path on the first line, then the indented JSON body.
func golden(t *testing.T, name string, r metatest.RecordedRequest) {
	t.Helper()
	var buf bytes.Buffer
	buf.WriteString(r.Method + " " + r.Path + "\n")
	if len(r.Query) > 0 {
		buf.WriteString("?" + r.Query.Encode() + "\n")
	}
	if len(r.Body) > 0 {
		if json.Valid(r.Body) {
			require.NoError(t, json.Indent(&buf, r.Body, "", "  "))
		} else {
			buf.Write(r.Body)
		}
		buf.WriteString("\n")
	}
	path := filepath.Join("testdata", name+".golden")
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run with -update to create %s", path)
	require.Equal(t, string(want), buf.String(), "request differs from %s", path)
}
