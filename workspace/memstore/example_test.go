package memstore_test

import (
	"context"
	"fmt"
	"log"

	"github.com/botsync/botsync/privacy"
	privacymem "github.com/botsync/botsync/privacy/memstore"
	"github.com/botsync/botsync/secret"
	"github.com/botsync/botsync/workspace"
	"github.com/botsync/botsync/workspace/memstore"
)

// A development server's workspace service, entirely in memory.
func Example() {
	ctx := context.Background()
	audit := privacy.NewAuditLog(privacymem.New(), nil)
	svc, err := workspace.New(memstore.New(), audit, []byte("dev-invitation-signing-key-32-bytes"),
		workspace.WithInsecureBcryptCostForTests(4))
	if err != nil {
		log.Fatal(err)
	}
	_, w, err := svc.SignUp(ctx, workspace.SignUpRequest{Email: "dev@example.com", Name: "Dev",
		Password: secret.New("local development only 1"), Workspace: workspace.Workspace{Name: "Dev Shop"}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(w.Status, w.TimeZone, w.PhoneRegion)
	// Output: active Asia/Kolkata IN
}
