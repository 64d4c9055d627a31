// Command receive-webhooks serves Meta's webhook endpoint: the GET
// verification handshake and signed POSTs verified on the raw bytes, then
// decodes WhatsApp events.
//
//	META_APP_SECRET=… META_VERIFY_TOKEN=… go run ./examples/receive-webhooks   # listens on ADDR (default :8081)
//	go run ./examples/receive-webhooks                                         # demo: posts a signed sample to itself
package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/botsync/botsync/internal/fakerun"
	"github.com/botsync/botsync/meta"
	"github.com/botsync/botsync/secret"
	"github.com/botsync/botsync/whatsapp"
	"github.com/botsync/botsync/whatsapp/whatsapptest"
)

func main() {
	if err := run(context.Background(), os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "receive-webhooks:", err)
		os.Exit(1)
	}
}

// handler verifies deliveries and prints the inbound messages. A real
// service stores the body and queues it before answering (see
// examples/server); printing stands in for that here.
func handler(appSecret, verifyToken secret.Value, out io.Writer) (http.Handler, error) {
	return meta.NewWebhookHandler(meta.WebhookSinkFunc(func(_ context.Context, d meta.Delivery) error {
		events, err := whatsapp.Decode(d.Body)
		if err != nil {
			return nil // not WhatsApp: acknowledged and ignored
		}
		for _, ev := range events {
			if ev.Messages == nil {
				continue
			}
			for _, m := range ev.Messages.Messages {
				if m.Text != nil {
					fmt.Fprintf(out, "message %s (%s): %q\n", m.ID, m.Type, m.Text.Body)
				}
			}
		}
		return nil
	}), meta.WithAppSecrets(appSecret), meta.WithVerifyToken(verifyToken))
}

func run(ctx context.Context, getenv func(string) string, out io.Writer) error {
	if sec := getenv("META_APP_SECRET"); sec != "" {
		h, err := handler(secret.New(sec), secret.New(getenv("META_VERIFY_TOKEN")), out)
		if err != nil {
			return err
		}
		addr := getenv("ADDR")
		if addr == "" {
			addr = "127.0.0.1:8081"
		}
		fmt.Fprintln(out, "listening on", addr, "— point your app's webhook at /webhooks/meta")
		mux := http.NewServeMux()
		mux.Handle("/webhooks/meta", h)
		return http.ListenAndServe(addr, mux)
	}
	// Demo: a fake Cloud API builds and signs an inbound message.
	tb := fakerun.New(nil)
	defer tb.Close()
	fake := whatsapptest.New(tb)
	h, err := handler(fake.AppSecret(), secret.New("verify-me"), out)
	if err != nil {
		return err
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	res, err := http.Get(srv.URL + "?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=42")
	if err != nil {
		return err
	}
	challenge, _ := io.ReadAll(res.Body)
	res.Body.Close()
	fmt.Fprintf(out, "handshake: %d %s\n", res.StatusCode, challenge)
	body := fake.InboundText("919876543210", "", "Asha", "Is the NEET batch full?")
	res, err = http.DefaultClient.Do(fake.WebhookRequest(srv.URL, body))
	if err != nil {
		return err
	}
	res.Body.Close()
	fmt.Fprintln(out, "signed delivery:", res.StatusCode)
	forged, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL, bytes.NewReader(body))
	forged.Header.Set(meta.SignatureHeader, "sha256=00")
	res, err = http.DefaultClient.Do(forged)
	if err != nil {
		return err
	}
	res.Body.Close()
	fmt.Fprintln(out, "forged delivery:", res.StatusCode)
	return nil
}
