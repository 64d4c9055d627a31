package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/crm"
)

type sandboxState struct {
	Leads         []*crm.Lead `json:"leads"`
	Conversations []struct {
		crm.Conversation
		Messages []*crm.Message `json:"messages"`
	} `json:"conversations"`
}

func TestSandboxConversation(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	send := func(channel, from, text string) {
		var res map[string]int
		code := ta.do(t, http.MethodPost, "/sandbox/send", map[string]string{"channel": channel, "from": from, "name": "Priya", "text": text}, &res)
		require.Equal(t, http.StatusAccepted, code)
		require.Equal(t, http.StatusOK, res["webhook_status"], "the webhook was verified and stored")
		ta.drain(t)
	}
	send("whatsapp", "919876543210", "What is the fee for NEET?")
	send("whatsapp", "919876543210", "please send the brochure")
	send("whatsapp", "919876543210", "Can I pay in bitcoin?")

	var st sandboxState
	require.Equal(t, http.StatusOK, ta.do(t, http.MethodGet, "/sandbox/state", nil, &st))
	require.Len(t, st.Leads, 4, "three seeded leads and the new customer")
	require.Len(t, st.Conversations, 1)
	c := st.Conversations[0]
	require.True(t, c.Handoff, "the unknown question handed the conversation off")
	var out []string
	for _, m := range c.Messages {
		if m.Direction == crm.Outbound {
			out = append(out, m.Text)
		}
	}
	require.GreaterOrEqual(t, len(out), 2)
	require.Contains(t, out[0], "1,65,000", "answered from the knowledge base")
	require.Contains(t, out[1], "brochure", "keyword rule")
	require.Len(t, ta.sandbox.wa.Sent(), len(out), "every reply reached the fake Cloud API")
	var usage []struct {
		Metric string `json:"metric"`
		Used   int64  `json:"used"`
		Limit  int64  `json:"limit"`
	}
	require.Equal(t, http.StatusOK, ta.do(t, "GET", "/api/v1/workspaces/"+ta.sandbox.demoWS+"/billing/usage", nil, &usage, "Authorization", "Bearer "+ta.sandbox.demoKey.Reveal()))
	require.Equal(t, "messages", usage[0].Metric)
	require.EqualValues(t, len(out), usage[0].Used, "outbound messages are metered")
	require.EqualValues(t, 1000, usage[0].Limit)

	// The agent answers from the sandbox, then gives the conversation back.
	var m crm.Message
	require.Equal(t, http.StatusCreated, ta.do(t, http.MethodPost, "/sandbox/agent", map[string]any{"conversation_id": c.ID, "text": "We take UPI."}, &m))
	require.Equal(t, crm.ActorUser, m.Author.Kind)
	require.Equal(t, http.StatusOK, ta.do(t, http.MethodPost, "/sandbox/agent", map[string]any{"conversation_id": c.ID, "give_back": true}, nil))
	send("whatsapp", "919876543210", "Do you offer online classes?")
	require.Equal(t, http.StatusOK, ta.do(t, http.MethodGet, "/sandbox/state", nil, &st))
	last := st.Conversations[0].Messages[len(st.Conversations[0].Messages)-1]
	require.Equal(t, crm.ActorAI, last.Author.Kind, "the AI answers again after give-back")

	// Instagram DM and a comment.
	send("instagram", "5550001", "What are the weekend batch timings?")
	send("comment", "5550002", "what are the fees?")
	require.Equal(t, http.StatusOK, ta.do(t, http.MethodGet, "/sandbox/state", nil, &st))
	var igAnswers []string
	for _, c := range st.Conversations {
		if c.Channel == "instagram" {
			for _, m := range c.Messages {
				if m.Direction == crm.Outbound {
					igAnswers = append(igAnswers, strings.ToLower(m.Text))
				}
			}
		}
	}
	require.Contains(t, strings.Join(igAnswers, "|"), "saturday")
	require.NotEmpty(t, ta.sandbox.ig.Sent())
	require.Len(t, ta.sandbox.ig.PublicReplies(), 1, "comment-to-DM answered publicly once")
}

func TestSandboxPageAndBadInput(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	res, err := ta.srv.Client().Get(ta.srv.URL + "/sandbox")
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"))
	require.NotEmpty(t, res.Header.Get("X-Request-Id"))

	var e struct {
		Error APIError `json:"error"`
	}
	require.Equal(t, http.StatusBadRequest, ta.do(t, http.MethodPost, "/sandbox/send", map[string]string{"channel": "fax", "text": "hi"}, &e))
	require.Equal(t, "channel", e.Error.Field)
	require.Equal(t, http.StatusBadRequest, ta.do(t, http.MethodPost, "/sandbox/send", map[string]string{"channel": "whatsapp"}, &e))
	require.Equal(t, "text", e.Error.Field)
	require.Equal(t, http.StatusBadRequest, ta.do(t, http.MethodPost, "/sandbox/send", map[string]any{"channel": "whatsapp", "text": "x", "bogus": 1}, &e))
	require.Equal(t, "bogus", e.Error.Field)
}
