package instagramtest_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/botsync/botsync/instagram"
	"github.com/botsync/botsync/instagram/instagramtest"
)

type exampleTB struct {
	testing.TB
	cleanups []func()
}

func (e *exampleTB) Helper()                           {}
func (e *exampleTB) Cleanup(f func())                  { e.cleanups = append(e.cleanups, f) }
func (e *exampleTB) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

// The fake records what the real client sent, per host.
func Example() {
	tb := &exampleTB{}
	defer func() {
		for _, f := range tb.cleanups {
			f()
		}
	}()
	f := instagramtest.New(tb) // in a test: instagramtest.New(t)
	c := f.Client(tb, instagram.Messenger, "107656651234567")
	_, err := c.SendText(context.Background(), instagram.Thread{UserID: "6783451234567890", LastUserMessage: time.Now()}, "Yes, we deliver to Pune.")
	if err != nil {
		panic(err)
	}
	for _, s := range f.Sent() {
		fmt.Println(s.Host, s.RecipientID, s.Message.Text)
	}
	// Output:
	// graph.facebook.com 6783451234567890 Yes, we deliver to Pune.
}
