package pgintake_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/botsync/botsync/internal/intake/pgintake"
)

// Store a verified webhook with its dedup key; a redelivery is stored once.
func Example() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	if err := pgintake.Migrate(ctx, pool); err != nil {
		log.Fatal(err)
	}
	st := pgintake.New(pool)
	body := []byte(`{"object":"page","entry":[]}`)
	_, fresh, _ := st.Put(ctx, "meta", "mid:m_1", body, time.Now())
	_, again, _ := st.Put(ctx, "meta", "mid:m_1", body, time.Now())
	fmt.Println(fresh, again) // true false
}
