package workspace_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDependencies keeps the service free of database drivers and of the
// packages above it: only its stores talk to PostgreSQL.
func TestDependencies(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", "github.com/botsync/botsync/workspace").Output()
	require.NoError(t, err)
	allowed := map[string]bool{"workspace": true, "secret": true, "vault": true, "privacy": true, "meta": true}
	for _, dep := range strings.Fields(string(out)) {
		if rest, ok := strings.CutPrefix(dep, "github.com/botsync/botsync/"); ok {
			assert.True(t, allowed[rest] || strings.HasPrefix(rest, "internal/") && rest != "internal/pgtest", "workspace imports %s", dep)
		}
		for _, banned := range []string{"github.com/jackc/", "github.com/pressly/", "github.com/sashabaranov/", "github.com/pgvector/"} {
			assert.False(t, strings.HasPrefix(dep, banned), "workspace imports %s", dep)
		}
	}
}
