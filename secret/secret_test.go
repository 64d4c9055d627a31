package secret_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/secret"
)

const raw = "EAAGtoken-very-secret-123"

type holder struct {
	Token secret.Value
	Phone secret.PII
	Ptr   *secret.Value
}

func TestNothingPrintsTheValue(t *testing.T) {
	t.Parallel()
	tok := secret.New(raw)
	fp := secret.New(raw, secret.WithFingerprint())
	pii := secret.NewPII(raw)
	h := holder{Token: tok, Phone: pii, Ptr: &fp}

	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10s", "%-10v", "%T"} {
		for _, v := range []any{tok, fp, pii, h, &h, []secret.Value{tok}, map[string]secret.PII{"k": pii}} {
			outs = append(outs, fmt.Sprintf(verb, v))
		}
	}
	outs = append(outs, fmt.Sprint(tok, pii), fmt.Sprintln(h), tok.String(), tok.GoString(), pii.GoString())

	for _, mk := range []func(*bytes.Buffer) slog.Handler{
		func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
		func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
	} {
		var buf bytes.Buffer
		l := slog.New(mk(&buf))
		l.Info("x", "token", tok, "fp", fp, "pii", pii, "holder", h, slog.Any("any", tok), slog.Group("g", "p", pii))
		outs = append(outs, buf.String())
	}
	js, err := json.Marshal(h)
	require.NoError(t, err)
	outs = append(outs, string(js))
	txt, err := tok.MarshalText()
	require.NoError(t, err)
	outs = append(outs, string(txt))

	for _, o := range outs {
		assert.NotContains(t, o, raw)
		assert.NotContains(t, o, "very-secret")
		assert.NotContains(t, strings.ToLower(o), strings.ToLower(fmt.Sprintf("%x", raw)))
	}
	assert.Contains(t, fmt.Sprint(fp), "sha256:"+fp.Fingerprint())
	assert.Equal(t, raw, tok.Reveal())
	assert.Equal(t, raw, pii.Reveal())
}

func TestRoundTripAndHelpers(t *testing.T) {
	t.Parallel()
	var v struct {
		K secret.Value `json:"k"`
		P secret.PII   `json:"p"`
	}
	require.NoError(t, json.Unmarshal([]byte(`{"k":"abc","p":"+919812345678"}`), &v))
	assert.Equal(t, "abc", v.K.Reveal())
	assert.Equal(t, "+919812345678", v.P.Reveal())
	require.Error(t, json.Unmarshal([]byte(`{"k":12}`), &v))

	assert.True(t, secret.Value{}.IsZero())
	assert.Equal(t, "", secret.Value{}.Fingerprint())
	assert.True(t, secret.New("a").Equal(secret.New("a")))
	assert.False(t, secret.New("a").Equal(secret.New("b")))
	assert.Equal(t, 3, secret.FromBytes([]byte("abc")).Len())
	assert.Equal(t, []byte("abc"), secret.New("abc").RevealBytes())
	assert.Len(t, secret.New("x").Fingerprint(), 8)
	var tv secret.Value
	require.NoError(t, tv.UnmarshalText([]byte("t")))
	assert.Equal(t, "t", tv.Reveal())
}

func TestErrorsDoNotLeak(t *testing.T) {
	t.Parallel()
	err := fmt.Errorf("call failed with token %v and %s", secret.New(raw), secret.NewPII(raw))
	assert.NotContains(t, err.Error(), raw)
}
