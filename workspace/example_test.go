package workspace_test

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/botsync/botsync/privacy"
	privacymem "github.com/botsync/botsync/privacy/memstore"
	"github.com/botsync/botsync/secret"
	"github.com/botsync/botsync/vault"
	vaultmem "github.com/botsync/botsync/vault/memstore"
	"github.com/botsync/botsync/workspace"
	"github.com/botsync/botsync/workspace/memstore"
)

// Sign-up, two-factor enrolment, sign-in with a TOTP code, and a
// super-admin's impersonated action in the workspace's audit trail.
func Example() {
	ctx := context.Background()
	kr, _ := vault.NewKeyring([]byte("example-master-secret-32-bytes!!"))
	vlt, _ := vault.New(kr, vaultmem.New())
	auditStore := privacymem.New()
	audit := privacy.NewAuditLog(auditStore, nil)
	office := netip.MustParseAddr("10.0.0.5")
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) // a settable clock; time.Now in production
	svc, err := workspace.New(memstore.New(), audit, []byte("example-invitation-signing-key-32b"),
		workspace.WithClock(func() time.Time { return now }),
		workspace.WithSecrets(vlt),
		workspace.WithSuperAdminNetworks(netip.MustParsePrefix("10.0.0.0/8")),
		workspace.WithInsecureBcryptCostForTests(4), // production keeps the default cost 12
	)
	if err != nil {
		panic(err)
	}
	pw := secret.New("saffron mango lassi 2026")

	// 1. Sign-up: a user and their workspace.
	owner, ws, _ := svc.SignUp(ctx, workspace.SignUpRequest{Email: "asha@sarees.example", Name: "Asha",
		Password: pw, Workspace: workspace.Workspace{Name: "Asha Sarees"}})

	// 2. First sign-in: owners must enrol in two-factor sign-in.
	res, _ := svc.Login(ctx, workspace.LoginRequest{Email: "asha@sarees.example", Password: pw, IP: office})
	fmt.Println("enrolment required:", res.EnrollmentRequired)
	p, _ := svc.Authenticate(ctx, res.Token, office)
	uri, _ := svc.BeginTOTP(ctx, p) // show as a QR code
	key, _ := otp.NewKeyFromURL(uri.Reveal())
	code, _ := totp.GenerateCode(key.Secret(), now)
	recovery, _, _ := svc.ConfirmTOTP(ctx, p, secret.New(code))
	fmt.Println("recovery codes:", len(recovery))

	// 3. Sign-in with the second factor (a code from a later step: each
	// code is accepted once).
	now = now.Add(time.Minute)
	code, _ = totp.GenerateCode(key.Secret(), now)
	res, err = svc.Login(ctx, workspace.LoginRequest{Email: "asha@sarees.example", Password: pw,
		TOTPCode: secret.New(code), IP: office})
	fmt.Println("signed in:", err == nil, "second factor:", res.Session.SecondFactor)

	// 4. A super-admin impersonates the owner for a support ticket.
	root, _, _ := svc.SignUp(ctx, workspace.SignUpRequest{Email: "ops@platform.example", Name: "Ops", Password: pw})
	_ = svc.PromoteSuperAdmin(ctx, root.ID, "bootstrap")
	res, _ = svc.Login(ctx, workspace.LoginRequest{Email: "ops@platform.example", Password: pw, IP: office})
	admin, _ := svc.Authenticate(ctx, res.Token, office)
	uri, _ = svc.BeginTOTP(ctx, admin)
	rootKey, _ := otp.NewKeyFromURL(uri.Reveal())
	code, _ = totp.GenerateCode(rootKey.Secret(), now)
	_, adminTok, _ := svc.ConfirmTOTP(ctx, admin, secret.New(code))
	admin, _ = svc.Authenticate(ctx, adminTok, office)

	_, impTok, err := svc.Impersonate(ctx, admin, owner.ID, ws.ID, "ticket 4411: broadcast stuck")
	if err != nil {
		panic(err)
	}
	as, _ := svc.Authenticate(ctx, impTok, office)
	fmt.Println("impersonating:", as.Impersonating())
	if err := svc.Authorize(ctx, as, workspace.ActionBroadcastsSend, ws.ID); err == nil {
		_ = svc.Audit(ctx, as, ws.ID, "broadcast.retry", "bc_17")
	}

	entries, _ := auditStore.ListAudit(ctx, ws.ID, 0, 100)
	for _, e := range entries {
		fmt.Printf("%s actor=%t impersonator=%t\n", e.Action, e.Actor == owner.ID, e.Impersonator == root.ID)
	}
	// Output:
	// enrolment required: true
	// recovery codes: 10
	// signed in: true second factor: true
	// impersonating: true
	// workspace.create actor=true impersonator=false
	// impersonation.start actor=true impersonator=true
	// broadcast.retry actor=true impersonator=true
}
