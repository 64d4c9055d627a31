package meta_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/botsync/botsync/meta"
	"github.com/botsync/botsync/meta/metatest"
	"github.com/botsync/botsync/secret"
)

// A webhook endpoint: verify, store, answer; decode later in a worker.
func ExampleNewWebhookHandler() {
	stored := make(chan []byte, 1)
	h, err := meta.NewWebhookHandler(
		meta.WebhookSinkFunc(func(_ context.Context, d meta.Delivery) error {
			stored <- d.Body // a real sink writes to a durable queue
			return nil
		}),
		meta.WithAppSecrets(secret.New("app-secret")),
		meta.WithVerifyToken(secret.New("my-verify-token")),
	)
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	body := metatest.Fixture("whatsapp/text_message.json")
	res, err := http.DefaultClient.Do(metatest.NewWebhookRequest(srv.URL, []byte("app-secret"), body))
	if err != nil {
		panic(err)
	}
	res.Body.Close()
	fmt.Println(res.StatusCode)

	// The worker side.
	env, err := meta.DecodeWebhook(<-stored)
	if err != nil {
		panic(err)
	}
	for ev := range env.Events() {
		fmt.Println(env.Object, ev.Field, ev.DedupKey)
	}
	// Output:
	// 200
	// whatsapp_business_account messages wa|msg:wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=
}

func ExampleVerifySignature() {
	body := []byte(`{"object":"page","entry":[]}`)
	header := metatest.Sign([]byte("app-secret"), body) // what Meta sends
	fmt.Println(meta.VerifySignature([]byte("app-secret"), body, header))
	fmt.Println(meta.VerifySignature([]byte("wrong"), body, header))
	// Output:
	// <nil>
	// meta: invalid webhook signature: mismatch
}

func ExampleParseSignedRequest() {
	// Meta posts signed_request to the data-deletion callback.
	p := meta.SignedRequestParser{} // real clock
	sr := metatest.SignedRequest([]byte("app-secret"), map[string]any{
		"algorithm": "HMAC-SHA256", "issued_at": nowUnix(), "user_id": "218471",
	})
	req, err := p.Parse([]byte("app-secret"), sr)
	if err != nil {
		panic(err)
	}
	fmt.Println(req.UserID)
	// Output: 218471
}

func nowUnix() int64 { return time.Now().Unix() }
