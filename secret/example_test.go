package secret_test

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/botsync/botsync/secret"
)

func Example() {
	tok := secret.New("EAAG-live-token")
	fmt.Println(tok)
	fmt.Printf("%#v\n", tok)

	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
	logger.Info("calling graph", "token", tok, "phone", secret.NewPII("+919812345678"))

	// Only the wire sees the value.
	header := "Bearer " + tok.Reveal()
	fmt.Println(len(header) > len("Bearer "))
	// Output:
	// [REDACTED]
	// secret.Value([REDACTED])
	// level=INFO msg="calling graph" token=[REDACTED] phone=[PII]
	// true
}

func ExampleWithFingerprint() {
	a := secret.New("key-one", secret.WithFingerprint())
	fmt.Println(a.String() != secret.Redacted, a.Fingerprint() != "")
	// Output: true true
}
