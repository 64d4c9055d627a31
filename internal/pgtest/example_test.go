package pgtest_test

import (
	"testing"

	"github.com/botsync/botsync/internal/pgtest"
)

// A store test on its own schema; it skips when make test's services are
// not configured.
func ExamplePostgres() {
	_ = func(t *testing.T) {
		pool := pgtest.Postgres(t)
		if _, err := pool.Exec(t.Context(), "CREATE TABLE leads (workspace_id text, id text)"); err != nil {
			t.Fatal(err)
		}
	}
}
