package main

import (
	"bytes"
	"log/slog"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/whatsapp/whatsapptest"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// The logs (debug level included) carry no password, token, API key,
// phone number or message text, whatever the traffic.
func TestLogsHoldNoSecretsOrPersonalData(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	ta := newTestAppLog(t, slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	key := ta.sandbox.demoKey.Reveal()
	api := "/api/v1/workspaces/" + ta.sandbox.demoWS
	for _, text := range []string{"What is the fee for NEET?", "my card is 4111 1111 1111 1111, can I pay in bitcoin?"} {
		require.Equal(t, http.StatusAccepted, ta.do(t, "POST", "/sandbox/send", map[string]string{"channel": "whatsapp", "from": "919811100011", "name": "Secretive Sam", "text": text}, nil))
		ta.drain(t)
	}
	// Failures are logged too: a bad login, a bad key, a forged webhook.
	ta.do(t, "POST", "/api/v1/auth/login", map[string]string{"email": "sam@example.com", "password": "hunter2-very-secret"}, nil)
	ta.do(t, "GET", api+"/leads", nil, nil, "Authorization", "Bearer bsk_key_abc_supersecretpart")
	ta.do(t, "POST", api+"/channels", map[string]string{"kind": "whatsapp", "external_id": whatsapptest.PhoneNumberID, "waba_id": whatsapptest.WABAID, "token": "EAAG-live-token-value"}, nil, "Authorization", "Bearer "+key)
	ta.do(t, "POST", api+"/leads", map[string]string{"phone": "+919811100022", "email": "lead@example.com", "name": "Lead Person"}, nil, "Authorization", "Bearer "+key)
	logs := buf.String()
	require.NotEmpty(t, logs)
	for _, s := range []string{"919811100011", "9811100022", "Secretive Sam", "4111 1111", "bitcoin", "fee for NEET", "hunter2-very-secret",
		"sam@example.com", "supersecretpart", "EAAG-live-token-value", key, "lead@example.com", "Lead Person", "sandbox-wa-token"} {
		require.NotContains(t, logs, s)
	}
}
