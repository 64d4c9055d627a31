package main

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/privacy"
)

func TestPrivacyCasesAndAudit(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	api := "/api/v1/workspaces/" + ta.sandbox.demoWS
	key := []string{"Authorization", "Bearer " + ta.sandbox.demoKey.Reveal()}
	var e struct {
		Error APIError `json:"error"`
	}
	require.Equal(t, http.StatusCreated, ta.do(t, "POST", api+"/privacy/consents", map[string]any{"subject": "lead_1", "purpose": "marketing", "granted": true, "source": "whatsapp opt-in", "evidence": "wamid.1"}, nil, key...))
	require.Equal(t, http.StatusCreated, ta.do(t, "POST", api+"/privacy/grievances", map[string]string{"channel": "email", "reference": "TICKET-7"}, nil, key...))
	var inc privacy.Incident
	require.Equal(t, http.StatusCreated, ta.do(t, "POST", api+"/privacy/incidents", map[string]string{"title": "laptop lost"}, &inc, key...))
	require.NotEmpty(t, inc.Clocks, "breach clocks started")
	var clocks []privacy.Deadline
	require.Equal(t, http.StatusOK, ta.do(t, "GET", api+"/privacy/clocks", nil, &clocks, key...))
	require.NotEmpty(t, clocks)
	require.Equal(t, http.StatusBadRequest, ta.do(t, "POST", api+"/privacy/requests", map[string]any{"type": "erasure"}, &e, key...))
	require.Equal(t, "phones", e.Error.Field)
	require.Equal(t, http.StatusBadRequest, ta.do(t, "POST", api+"/privacy/requests", map[string]any{"type": "teleport", "phones": []string{"+919812345601"}}, &e, key...))
	require.Equal(t, "type", e.Error.Field)
	require.Equal(t, http.StatusBadRequest, ta.do(t, "POST", api+"/privacy/holds", map[string]string{"category": "crm"}, &e, key...), "reason required")
	var dsr privacy.Request
	require.Equal(t, http.StatusCreated, ta.do(t, "POST", api+"/privacy/requests", map[string]any{"type": "access", "phones": []string{"+919812345601"}}, &dsr, key...))
	var code map[string]string
	require.Equal(t, http.StatusOK, ta.do(t, "POST", api+"/privacy/requests/"+dsr.ID+"/code", nil, &code, key...))
	require.Equal(t, http.StatusBadRequest, ta.do(t, "POST", api+"/privacy/requests/"+dsr.ID+"/verify", map[string]string{"code": "000000x"}, &e, key...))
	require.Equal(t, "code", e.Error.Field)
	require.Equal(t, http.StatusNoContent, ta.do(t, "POST", api+"/privacy/requests/"+dsr.ID+"/verify", map[string]string{"code": code["code"]}, nil, key...))
	require.Equal(t, http.StatusConflict, ta.do(t, "GET", api+"/privacy/requests/"+dsr.ID+"/export", nil, &e, key...), "not processed yet")
	var open []privacy.Request
	require.Equal(t, http.StatusOK, ta.do(t, "GET", api+"/privacy/requests", nil, &open, key...))
	require.Len(t, open, 1)
	var audit Page[privacy.AuditEntry]
	require.Equal(t, http.StatusOK, ta.do(t, "GET", api+"/audit?limit=5", nil, &audit, key...))
	require.Len(t, audit.Items, 5)
	require.NotEmpty(t, audit.NextCursor)
	var more Page[privacy.AuditEntry]
	require.Equal(t, http.StatusOK, ta.do(t, "GET", api+"/audit?limit=5&cursor="+audit.NextCursor, nil, &more, key...))
	require.Greater(t, more.Items[0].Seq, audit.Items[4].Seq)
}
