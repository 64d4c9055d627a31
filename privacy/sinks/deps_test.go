package sinks_test

import (
	"os/exec"
	"strings"
	"testing"
)

// deps lists the packages pkgs depend on, with `go list -deps`.
func deps(t *testing.T, pkgs ...string) []string {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not available")
	}
	out, err := exec.Command("go", append([]string{"list", "-e", "-deps", "-f", "{{.ImportPath}}"}, pkgs...)...).Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	return strings.Fields(string(out))
}

// TestNoImportCycles keeps the import direction of ARCHITECTURE.md: the
// stores the sinks serve never import privacy (so the sinks can import
// them), and privacy's core imports none of them.
func TestNoImportCycles(t *testing.T) {
	t.Parallel()
	const mod = "github.com/botsync/botsync/"
	for _, d := range deps(t, mod+"crm/...", mod+"ai/knowledge/...", mod+"vault/...") {
		if strings.HasPrefix(d, mod+"privacy") {
			t.Errorf("crm, ai/knowledge or vault depends on %s", d)
		}
	}
	for _, d := range deps(t, mod+"privacy", mod+"privacy/memstore", mod+"privacy/pgstore", mod+"privacy/privacytest") {
		for _, store := range []string{"crm", "ai/knowledge", "vault"} {
			if d == mod+store || strings.HasPrefix(d, mod+store+"/") {
				t.Errorf("privacy depends on %s: only privacy/sinks may", d)
			}
		}
	}
}
