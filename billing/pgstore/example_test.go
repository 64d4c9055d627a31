package pgstore_test

import (
	"context"
	"fmt"
	"os"

	"github.com/botsync/botsync/billing"
	"github.com/botsync/botsync/billing/pgstore"
	"github.com/botsync/botsync/secret"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Example wires the PostgreSQL store into the webhook handler. (It needs a
// database, so it is compiled but not run.)
func Example() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		panic(err)
	}
	defer pool.Close()
	if err := pgstore.Migrate(ctx, pool); err != nil {
		panic(err)
	}
	store := pgstore.New(pool)
	tracker, _ := billing.NewSubscriptionTracker(store, nil)
	h, err := billing.NewWebhookHandler(secret.New(os.Getenv("RAZORPAY_WEBHOOK_SECRET")), store, tracker)
	fmt.Println(h != nil, err)
}
