package crm_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/botsync/botsync/crm"
)

func TestRedaction(t *testing.T) {
	t.Parallel()
	const phone, name = "+919812345678", "Priya Secretname"
	id := crm.Phone(phone)
	lead := &crm.Lead{ID: "l1", Name: name, Identities: []crm.Identity{id}}
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	log.Info("x", "lead", lead, "identity", id,
		"contact", crm.Contact{Identities: []crm.Identity{id}, Name: name},
		"call", crm.CallRecord{Number: phone, ContactName: name, At: time.Unix(0, 0)})
	out := buf.String() + fmt.Sprint(id) + fmt.Sprintf("%v", []crm.Identity{id})
	assert.NotContains(t, out, phone)
	assert.NotContains(t, out, name)
	assert.Contains(t, buf.String(), `"id":"l1"`)
	assert.Equal(t, "phone:[PII]", id.String())
}
