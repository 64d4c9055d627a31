package billing_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestImports keeps billing a leaf of the module: besides the standard
// library it may use only secret, internal packages and the modules listed
// here, never another domain package.
func TestImports(t *testing.T) {
	t.Parallel()
	allowed := []string{
		"github.com/botsync/botsync/secret",
		"github.com/botsync/botsync/internal/",
		"github.com/botsync/botsync/billing",
		"github.com/hashicorp/go-retryablehttp",
		"github.com/jackc/pgx/v5",
		"github.com/stretchr/testify",
	}
	for _, dir := range []string{".", "memstore", "pgstore", "billingtest"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		require.NoError(t, err)
		for _, f := range files {
			src, err := os.ReadFile(f)
			require.NoError(t, err)
			parsed, err := parser.ParseFile(token.NewFileSet(), f, src, parser.ImportsOnly)
			require.NoError(t, err)
			for _, imp := range parsed.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				if !strings.Contains(strings.SplitN(path, "/", 2)[0], ".") {
					continue // standard library
				}
				ok := false
				for _, a := range allowed {
					ok = ok || strings.HasPrefix(path, a)
				}
				assert.True(t, ok, "%s imports %s", f, path)
			}
		}
	}
}
