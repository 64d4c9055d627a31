package intake_test

import (
	"context"
	"fmt"

	"github.com/botsync/botsync/internal/intake"
)

// Accept a delivery before answering the webhook, then process it; a
// redelivery of the same key is acknowledged but not stored twice.
func Example() {
	ctx := context.Background()
	q, err := intake.New(intake.NewMemStore(), func(_ context.Context, j intake.Job) error {
		fmt.Printf("processing %s %s: %s\n", j.Kind, j.Key, j.Body)
		return nil
	})
	if err != nil {
		panic(err)
	}
	_, stored, _ := q.Accept(ctx, "meta", "wamid.1", []byte(`{"object":"whatsapp_business_account"}`))
	_, again, _ := q.Accept(ctx, "meta", "wamid.1", []byte(`{"object":"whatsapp_business_account"}`))
	fmt.Println("stored:", stored, "redelivery stored:", again)
	n, _ := q.RunOnce(ctx) // a server runs q.Run(ctx) in the background instead
	fmt.Println("processed:", n)
	// Output:
	// stored: true redelivery stored: false
	// processing meta wamid.1: {"object":"whatsapp_business_account"}
	// processed: 1
}
