package workspace_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/privacy"
	privacymem "github.com/botsync/botsync/privacy/memstore"
	"github.com/botsync/botsync/secret"
	"github.com/botsync/botsync/vault"
	vaultmem "github.com/botsync/botsync/vault/memstore"
	"github.com/botsync/botsync/vault/vaulttest"
	"github.com/botsync/botsync/workspace"
	"github.com/botsync/botsync/workspace/memstore"
	"github.com/botsync/botsync/workspace/workspacetest"
)

// TestTOTPWindowSynctest runs the service on the real clock inside a
// synctest bubble: time.Sleep advances the bubble's fake time instantly,
// so the test walks codes through the validity window (their own
// 30-second step plus one step of skew either side) and checks that a
// code is never accepted twice, without waiting.
func TestTOTPWindowSynctest(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		vlt, err := vault.New(vaulttest.Keyring(t), vaultmem.New())
		require.NoError(t, err)
		svc, err := workspace.New(memstore.New(), privacy.NewAuditLog(privacymem.New(), nil), workspacetest.SigningKey,
			workspace.WithSecrets(vlt), workspace.WithInsecureBcryptCostForTests(4))
		require.NoError(t, err)
		_, _, err = svc.SignUp(ctx, workspace.SignUpRequest{Email: "a@example.com", Name: "A", Password: workspacetest.Password,
			Workspace: workspace.Workspace{Name: "Shop"}})
		require.NoError(t, err)
		login := func(code string) error {
			req := workspace.LoginRequest{Email: "a@example.com", Password: workspacetest.Password, IP: workspacetest.UserIP}
			if code != "" {
				req.TOTPCode = secret.New(code)
			}
			res, err := svc.Login(ctx, req)
			if err == nil {
				_, err = svc.Authenticate(ctx, res.Token, workspacetest.UserIP)
			}
			return err
		}
		res, err := svc.Login(ctx, workspace.LoginRequest{Email: "a@example.com", Password: workspacetest.Password, IP: workspacetest.UserIP})
		require.NoError(t, err)
		p, err := svc.Authenticate(ctx, res.Token, workspacetest.UserIP)
		require.NoError(t, err)
		uri, err := svc.BeginTOTP(ctx, p)
		require.NoError(t, err)
		key, err := otp.NewKeyFromURL(uri.Reveal())
		require.NoError(t, err)
		require.Equal(t, "NexusDesk", key.Issuer())
		code, err := totp.GenerateCode(key.Secret(), time.Now())
		require.NoError(t, err)
		_, _, err = svc.ConfirmTOTP(ctx, p, secret.New("000000"))
		require.ErrorIs(t, err, workspace.ErrUnauthenticated)
		_, _, err = svc.ConfirmTOTP(ctx, p, secret.New(code))
		require.NoError(t, err)

		// Leave the enrolment's step behind, then align to the start of a
		// step N.
		time.Sleep(90 * time.Second)
		time.Sleep(time.Duration(30-time.Now().Unix()%30) * time.Second)
		codeAt := func(d time.Duration) string {
			c, err := totp.GenerateCode(key.Secret(), time.Now().Add(d))
			require.NoError(t, err)
			return c
		}
		require.ErrorIs(t, login(codeAt(-60*time.Second)), workspace.ErrUnauthenticated, "step N-2: too old")
		require.NoError(t, login(codeAt(-30*time.Second)), "step N-1: within the skew")
		now := codeAt(0)
		require.NoError(t, login(now), "step N")
		require.ErrorIs(t, login(now), workspace.ErrUnauthenticated, "a code is accepted once")
		time.Sleep(59 * time.Second) // the end of step N+1
		next := codeAt(30 * time.Second)
		require.NoError(t, login(next), "step N+2: within the skew")
		time.Sleep(2 * time.Second) // step N+2
		require.ErrorIs(t, login(next), workspace.ErrUnauthenticated, "replayed in its own step")
		require.ErrorIs(t, login(""), workspace.ErrSecondFactorRequired)
	})
}
