package privacytest_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/botsync/botsync/privacy"
	"github.com/botsync/botsync/privacy/privacytest"
)

func TestMemorySinkPassesSuite(t *testing.T) {
	t.Parallel()
	privacytest.TestSink(t, func(t *testing.T) privacytest.Fixture {
		s := privacytest.NewMemorySink("mem", privacy.CategoryLeadConversation)
		return privacytest.Fixture{
			Sink:     s,
			Category: privacy.CategoryLeadConversation,
			Seed: func(_ context.Context, ids privacy.Identifiers, c privacy.Category, created time.Time) (string, error) {
				s.Add(ids.WorkspaceID, ids, c, created, "hello")
				return ids.SubjectIDs[0], nil
			},
		}
	})
}

func ExampleTestSink() {
	// In a _test.go file of the package that owns the data:
	//
	//	func TestMySink(t *testing.T) {
	//		privacytest.TestSink(t, func(t *testing.T) privacytest.Fixture { ... })
	//	}
	s := privacytest.NewMemorySink("crm", privacy.CategoryLeadConversation)
	s.Add("ws", privacy.Identifiers{WorkspaceID: "ws", SubjectIDs: []string{"lead-1"}}, privacy.CategoryLeadConversation, time.Now(), "note")
	recs, _ := s.Export(context.Background(), privacy.Identifiers{WorkspaceID: "ws", SubjectIDs: []string{"lead-1"}})
	fmt.Println(len(recs), recs[0].Sink, recs[0].Category)
	// Output: 1 crm lead_conversation
}
