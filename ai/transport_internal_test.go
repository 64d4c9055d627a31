package ai

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"7", 7 * time.Second},
		{"0", 0},
		{"-3", 0},
		{"soon", 0},
		{"Fri, 27 Nov 2026 09:00:30 GMT", 30 * time.Second},
		{"Fri, 27 Nov 2026 08:00:00 GMT", 0},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, parseRetryAfter(tt.in, now), tt.in)
	}
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"", "1", "-1", "99999999999999999999", "Fri, 27 Nov 2026 09:00:30 GMT", "Monday"} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		if d := parseRetryAfter(s, now); d < 0 {
			t.Fatalf("negative delay %v for %q", d, s)
		}
	})
}

func TestApplyPatch(t *testing.T) {
	t.Parallel()
	out, err := applyPatch([]byte(`{"model":"m","temperature":0.5}`), bodyPatch{"temperature": 0.0, "models": []string{"a"}})
	assert.NoError(t, err)
	assert.JSONEq(t, `{"model":"m","temperature":0,"models":["a"]}`, string(out))
	_, err = applyPatch([]byte(`not json`), bodyPatch{"x": 1})
	assert.Error(t, err)
}
