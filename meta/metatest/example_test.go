package metatest_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/botsync/botsync/meta"
	"github.com/botsync/botsync/meta/metatest"
)

// Build exactly what Meta sends and check it the way a handler does.
func ExampleNewWebhookRequest() {
	body := metatest.Fixture("instagram/comment.json")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		if err := meta.VerifySignature([]byte("app-secret"), raw, r.Header.Get(meta.SignatureHeader)); err != nil {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		env, _ := meta.DecodeWebhook(raw)
		for ev := range env.Events() {
			fmt.Println(env.Object, ev.Field, ev.DedupKey)
		}
	}))
	defer srv.Close()

	res, err := http.DefaultClient.Do(metatest.NewWebhookRequest(srv.URL, []byte("app-secret"), body))
	if err != nil {
		panic(err)
	}
	res.Body.Close()
	fmt.Println(len(metatest.Fixtures()) >= 40)
	// Output:
	// instagram comments comment:17865799348012345
	// true
}
