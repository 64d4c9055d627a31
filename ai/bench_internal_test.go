package ai

import (
	"fmt"
	"testing"

	"github.com/botsync/botsync/secret"
)

func benchConversation() Conversation {
	c := Conversation{ID: "c1", Lead: Lead{
		Name:   secret.NewPII("Priya Sharma"),
		Phone:  secret.NewPII("+91 98765 43210"),
		Email:  secret.NewPII("priya.sharma@example.com"),
		Fields: []Field{{Name: "stage", Value: "hot"}, {Name: "city", Value: "Pune"}},
	}}
	for i := range 20 {
		if i%2 == 0 {
			c.Turns = append(c.Turns, Turn{Role: RoleUser, Text: fmt.Sprintf(
				"Hi, Priya here again (turn %d). You can reach me on 98765 43210 or priya.sharma@example.com; "+
					"is a cleaning on the 12th possible? My husband's number is +91 91234 56789.", i)})
		} else {
			c.Turns = append(c.Turns, Turn{Role: RoleAssistant, Text: "Thanks Priya! We have slots at 10:30 and 16:00. " +
				"Shall I book one? Our desk is on 020 2345 6789."})
		}
	}
	return c
}

// BenchmarkGatewayRedactRestore20Turns measures the Gateway's privacy path
// for one call: build the minimum context of a 20-turn conversation with
// every personal value replaced, then restore the placeholders in a reply.
func BenchmarkGatewayRedactRestore20Turns(b *testing.B) {
	r := NewRedactor([]byte("bench-key-bench-key-bench-key-32"))
	conv := benchConversation()
	sys := DefaultPrompts.Persona + "\n\n" + DefaultPrompts.Rules + "\n\nTask: " + DefaultPrompts.Reply
	passages := []Passage{{ID: "p1", Source: "faq", Text: "Cleaning takes 45 minutes and costs Rs 1500. Call 020 2345 6789."}}
	b.ReportAllocs()
	for b.Loop() {
		sess := r.Session("ws1/"+conv.ID, conv.Lead.known()...)
		built, err := buildContext(sess, contextSpec{
			system: sys, conv: conv, passages: passages, maxTurns: 20,
			leadFields: DefaultLeadFields, window: 16384, reserve: 1024,
		})
		if err != nil || len(built.messages) != 21 {
			b.Fatalf("build: %v (%d messages)", err, len(built.messages))
		}
		out := sess.Restore(built.messages[2].Content)
		if out != conv.Turns[1].Text {
			b.Fatalf("restore mismatch")
		}
	}
}
