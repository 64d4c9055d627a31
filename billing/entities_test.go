package billing_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/botsync/botsync/billing"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNotesJSON(t *testing.T) {
	t.Parallel()
	tests := map[string]billing.Notes{
		`[]`:                          nil,
		`null`:                        nil,
		`{}`:                          {},
		`{"a":"b"}`:                   {"a": "b"},
		`{"n":3,"ok":true,"s":"x y"}`: {"n": "3", "ok": "true", "s": "x y"},
	}
	for in, want := range tests {
		var n billing.Notes
		require.NoError(t, json.Unmarshal([]byte(in), &n), in)
		assert.Equal(t, want, n, in)
	}
	var n billing.Notes
	assert.Error(t, json.Unmarshal([]byte(`"text"`), &n))
	assert.Error(t, json.Unmarshal([]byte(`[1]`), &n))
}

func TestTimestampJSON(t *testing.T) {
	t.Parallel()
	var ts billing.Timestamp
	require.NoError(t, json.Unmarshal([]byte(`1567674606`), &ts))
	assert.Equal(t, time.Unix(1567674606, 0).UTC(), ts.Time)
	require.NoError(t, json.Unmarshal([]byte(`"1567674606"`), &ts))
	assert.Equal(t, int64(1567674606), ts.Unix())
	require.NoError(t, json.Unmarshal([]byte(`null`), &ts))
	assert.True(t, ts.IsZero())
	require.NoError(t, json.Unmarshal([]byte(`0`), &ts))
	assert.True(t, ts.IsZero())
	assert.Error(t, json.Unmarshal([]byte(`"soon"`), &ts))
	b, err := json.Marshal(billing.Unix(1567674606))
	require.NoError(t, err)
	assert.Equal(t, "1567674606", string(b))
	b, err = json.Marshal(billing.Timestamp{})
	require.NoError(t, err)
	assert.Equal(t, "null", string(b))
}
