package workspace_test

import (
	"context"
	"strings"
	"testing"

	"github.com/botsync/botsync/secret"
	"github.com/botsync/botsync/workspace"
	"github.com/botsync/botsync/workspace/memstore"
	"github.com/botsync/botsync/workspace/workspacetest"
)

// FuzzParseInvitationToken: invitation tokens come from links anyone can
// edit.
func FuzzParseInvitationToken(f *testing.F) {
	f.Add("inv_abcdefghijklmnopqrstuvwxyz.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Add("inv_x.")
	f.Add(".")
	f.Add("inv_a.b.c")
	f.Add(strings.Repeat("inv_", 100))
	f.Fuzz(func(t *testing.T, tok string) {
		id, mac, err := workspace.ParseInvitationToken(tok)
		if err != nil {
			if id != "" || mac != "" {
				t.Fatal("parts returned with an error")
			}
			return
		}
		if id+"."+mac != tok || !strings.HasPrefix(id, "inv_") || len(mac) != 43 {
			t.Fatalf("bad split of %q: %q %q", tok, id, mac)
		}
	})
}

// FuzzParseAPIKey: API keys arrive in Authorization headers.
func FuzzParseAPIKey(f *testing.F) {
	f.Add("bsk_key_abcdefghijklmnopqrstuvwxyz_" + strings.Repeat("A", 43))
	f.Add("bsk_key__")
	f.Add("bsk_")
	f.Add("Bearer bsk_key_x")
	f.Fuzz(func(t *testing.T, key string) {
		id, sec, err := workspace.ParseAPIKey(key)
		if err != nil {
			return
		}
		if "bsk_"+id+"_"+sec != key || len(sec) != 43 || !strings.HasPrefix(id, "key_") {
			t.Fatalf("bad split of %q: %q %q", key, id, sec)
		}
	})
}

// FuzzCheckPassword: the policy never panics and never echoes the input.
func FuzzCheckPassword(f *testing.F) {
	for _, s := range []string{"", "a", "password", "correct horse battery staple", "\xff\xfe", "ééééééééééé", "1234567890"} {
		f.Add(s, "asha@example.com", "Asha Rao")
	}
	f.Fuzz(func(t *testing.T, pw, email, name string) {
		err := workspace.CheckPassword(secret.New(pw), 10, email, name)
		// Only inputs with characters the fixed messages never use can be
		// told apart from the messages' own words.
		if err != nil && len(pw) >= 4 && strings.ContainsAny(pw, "ABCDEGHIJKLMNOPQRSVWXYZ#%&*!@") && strings.Contains(err.Error(), pw) {
			t.Fatalf("error echoes the password: %v", err)
		}
	})
}

// FuzzAuthenticate: session cookies and bearer keys are attacker input.
func FuzzAuthenticate(f *testing.F) {
	e := workspacetest.NewEnv(f, memstore.New())
	f.Add("nds_" + strings.Repeat("A", 43))
	f.Add("")
	f.Add("nds_")
	f.Add("bsk_key_abcdefghijklmnopqrstuvwxyz_" + strings.Repeat("A", 43))
	f.Fuzz(func(t *testing.T, tok string) {
		ctx := context.Background()
		if p, err := e.Svc.Authenticate(ctx, secret.New(tok), workspacetest.UserIP); err == nil || p != nil {
			t.Fatalf("forged session accepted")
		}
		if p, err := e.Svc.AuthenticateAPIKey(ctx, secret.New(tok)); err == nil || p != nil {
			t.Fatalf("forged key accepted")
		}
	})
}

// FuzzBrandingForHost: the Host header picks the white label.
func FuzzBrandingForHost(f *testing.F) {
	e := workspacetest.NewEnv(f, memstore.New())
	u, _ := e.SignUp(f, "boss@agency.example", "")
	if _, err := e.Svc.CreateAgency(context.Background(), u.ID, workspace.Agency{Name: "A", Branding: workspace.Branding{Name: "B", Domain: "app.agency.example"}}); err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"app.agency.example", "APP.AGENCY.EXAMPLE:8443", "app.agency.example.", "[::1]:80", "", ":", "a..b", "xn--80ak6aa92e.example"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, host string) {
		b, id, ok, err := e.Svc.BrandingForHost(context.Background(), host)
		if err != nil {
			t.Fatal(err)
		}
		if ok != (id != "") || ok && b.Domain != "app.agency.example" {
			t.Fatalf("host %q resolved to %q %+v", host, id, b)
		}
	})
}
