// Package workspace is the platform's tenancy and access layer: workspaces
// and agencies, members and roles, sign-in with bcrypt passwords and TOTP
// two-factor, sessions, API keys, super-admin impersonation, kill switches
// and the Meta channel connections that route webhooks to a workspace.
//
//	svc, err := workspace.New(pgstore.New(pool), auditLog, signingKey,
//		workspace.WithSecrets(vlt),                         // *vault.Vault: TOTP secrets, channel tokens
//		workspace.WithSuperAdminNetworks(netip.MustParsePrefix("10.0.0.0/8")))
//	u, w, err := svc.SignUp(ctx, workspace.SignUpRequest{Email: email, Name: name,
//		Password: secret.New(pw), Workspace: workspace.Workspace{Name: "Asha Sarees"}})
//	res, err := svc.Login(ctx, workspace.LoginRequest{Email: email, Password: secret.New(pw), IP: ip})
//	http.SetCookie(w, workspace.SessionCookie(res.Token, res.Session.ExpiresAt))
//
//	// every request:
//	tok, _ := workspace.SessionToken(r)
//	p, err := svc.Authenticate(ctx, tok, clientIP)
//	err = svc.Authorize(ctx, p, workspace.ActionConversationsReply, workspaceID)
//	err = svc.Audit(ctx, p, workspaceID, "conversation.reply", conversationID)
//
//	// every send:
//	if err := svc.CheckSend(workspaceID); err != nil { … } // errors.Is(err, workspace.ErrPaused)
//
// # Roles and permissions
//
// A [Membership] gives a user one [Role] in a workspace: owner, admin,
// agent or viewer. Super-admins ([User.SuperAdmin]) are platform-wide.
// [Allowed] is the permission matrix; [Service.Can] applies it to a user
// and a workspace, reading memberships on every call so removals and
// demotions take effect on live sessions at once. Agency staff (members of
// an [Agency]) reach the agency's client workspaces with their agency role
// (agency owners act as admins) and switch into them with
// [Service.SwitchWorkspace], which is audited in the client's trail.
//
// # Sign-in
//
// Passwords are checked against a policy ([CheckPassword]) and hashed with
// bcrypt at cost 12 or more ([WithBcryptCost]); tests lower it only with
// [WithInsecureBcryptCostForTests]. [Service.Login] applies a per-address
// token bucket (golang.org/x/time/rate) in each instance and
// storage-backed failure counters per account and per address shared by
// all instances, with lockout, and audits every outcome. Owners, admins and
// super-admins must enrol in TOTP ([Service.BeginTOTP],
// [Service.ConfirmTOTP]); until they do, [Service.Authorize] answers
// [ErrEnrollmentRequired]. Recovery codes are stored as SHA-256 hashes and
// work once.
//
// # Sessions
//
// A session token is 256 random bits; only its SHA-256 is stored
// ([HashToken]). It travels in the cookie [CookieName] (HttpOnly, Secure,
// SameSite=Lax). Sessions expire when idle and absolutely, rotate on every
// privilege change (second factor passed, workspace switched) and can be
// listed and revoked. [Service.Authenticate] needs one store read
// ([Store.LookupSession]) and [Service.Authorize] none for the current
// workspace.
//
// # Impersonation
//
// [Service.Impersonate] lets a super-admin (from an allowed network, with
// a second factor) act as a user. The impersonation session hangs off the
// admin's session: revoking, rotating or expiring that ends it. It is
// time-limited, marked ([Principal.Impersonating]) and every action a
// handler audits with [Service.Audit] carries both identities in the
// privacy audit trail.
//
// # Kill switches
//
// [Service.SetKillSwitch] pauses sends, webhook processing or AI for one
// workspace or all ([GlobalScope]), audited with a reason.
// [Service.Paused] and [Service.CheckSend] read an atomic snapshot (a few
// nanoseconds, no allocation); [Gate] holds paused webhook events and
// processes them in order on resume.
//
// # Channel connections
//
// [Service.Connect] links a WhatsApp number, Instagram account or Facebook
// Page; its token goes to the vault only. [Service.Route] is the registry
// the bot uses to find a webhook's workspace; [Service.CheckHealth],
// [Service.RefreshInstagramTokens], [Service.Disconnect] and
// [Service.Deauthorize] (for meta.DeauthorizeHandler) keep them healthy.
//
// # Errors and concurrency
//
// Errors match the package's sentinels ([ErrNotFound], [ErrForbidden],
// [ErrUnauthenticated], [ErrLocked], …) with errors.Is and never contain
// passwords, tokens, codes or e-mail addresses. A [Service] is safe for
// concurrent use; so are the stores in workspace/memstore and
// workspace/pgstore, which pass the conformance suite in
// workspace/workspacetest.
package workspace
