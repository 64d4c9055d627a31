package ai

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSchemaValidate(t *testing.T) {
	t.Parallel()
	s := object(map[string]*schema{
		"label": enum("", "buy", "support"),
		"score": number("integer", "", 0, 100),
		"conf":  number("number", "", 0, 1),
		"tags":  array(str(""), ""),
		"ok":    {Type: "boolean"},
	})
	tests := []struct {
		name string
		in   string
		err  string // "" when valid
	}{
		{"valid", `{"label":"buy","score":70,"conf":0.5,"tags":["a"],"ok":true}`, ""},
		{"valid in fences of space", " \n{\"label\":\"buy\",\"score\":0,\"conf\":1,\"tags\":[],\"ok\":false}\n", ""},
		{"not json", `label: buy`, "not JSON"},
		{"trailing", `{"label":"buy","score":1,"conf":0,"tags":[],"ok":true} {}`, "trailing"},
		{"array top", `[]`, "$: want an object"},
		{"missing", `{"label":"buy","score":1,"conf":0,"tags":[]}`, `missing required field "ok"`},
		{"extra", `{"label":"buy","score":1,"conf":0,"tags":[],"ok":true,"x":1}`, `unexpected field "x"`},
		{"enum", `{"label":"sell","score":1,"conf":0,"tags":[],"ok":true}`, "$.label: value not in the allowed set"},
		{"integer", `{"label":"buy","score":1.5,"conf":0,"tags":[],"ok":true}`, "$.score: want an integer"},
		{"max", `{"label":"buy","score":101,"conf":0,"tags":[],"ok":true}`, "$.score: above maximum 100"},
		{"min", `{"label":"buy","score":1,"conf":-0.1,"tags":[],"ok":true}`, "$.conf: below minimum 0"},
		{"item", `{"label":"buy","score":1,"conf":0,"tags":[1],"ok":true}`, "$.tags[0]: want a string"},
		{"bool", `{"label":"buy","score":1,"conf":0,"tags":[],"ok":"yes"}`, "$.ok: want a boolean"},
		{"string", `{"label":3,"score":1,"conf":0,"tags":[],"ok":true}`, "$.label: want a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out map[string]any
			err := s.decode(tt.in, &out)
			if tt.err == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrInvalidOutput)
			assert.Contains(t, err.Error(), tt.err)
		})
	}
	var raw map[string]any
	require.NoError(t, json.Unmarshal(s.raw(), &raw))
	assert.Equal(t, false, raw["additionalProperties"])
	assert.Equal(t, []any{"conf", "label", "ok", "score", "tags"}, raw["required"])
}

func FuzzTaskOutput(f *testing.F) {
	for _, s := range []string{
		`{"decision":"send","text":"hi","reason":"","citations":["p1"]}`,
		`{"decision":"nope"}`, `[]`, `null`, `{"score":1e400}`, `{"text":"\ud800"}`, `{`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var reply struct {
			Decision  string   `json:"decision"`
			Text      string   `json:"text"`
			Citations []string `json:"citations"`
		}
		if err := replySchema.decode(in, &reply); err == nil {
			switch reply.Decision {
			case "send", "needs_human", "no_answer":
			default:
				t.Fatalf("decision %q passed validation", reply.Decision)
			}
		}
		var score struct {
			Score int `json:"score"`
		}
		if err := scoreSchema.decode(in, &score); err == nil && (score.Score < 0 || score.Score > 100) {
			t.Fatalf("score %d passed validation", score.Score)
		}
	})
}
