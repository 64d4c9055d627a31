package broadcast_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/whatsapp"
	"github.com/botsync/botsync/whatsapp/broadcast"
)

// FuzzParseCallbackData feeds webhook biz_opaque_callback_data (outside
// input) to the parser: it never panics, and what it accepts round-trips.
func FuzzParseCallbackData(f *testing.F) {
	for _, s := range []string{"bc1:c1:1", "bc1:abc:def:42", "bc1::1", "bc1:c:0", "bc1:c:-3", "bc1:c:99999999999999999999",
		"camp:1", "", "bc1:", "bc1:c:", "bc1:c:1x", "bc1:c: 1", "BC1:c:1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cid, seq, ok := broadcast.ParseCallbackData(s)
		if !ok {
			return
		}
		require.Positive(t, seq)
		require.NotEmpty(t, cid)
		if !strings.Contains(cid, ":") {
			assert.Equal(t, s, broadcast.CallbackData(cid, seq))
		}
	})
}

func TestCallbackData(t *testing.T) {
	t.Parallel()
	s := broadcast.CallbackData("6f1c", 12)
	assert.Equal(t, "bc1:6f1c:12", s)
	cid, seq, ok := broadcast.ParseCallbackData(s)
	assert.True(t, ok)
	assert.Equal(t, "6f1c", cid)
	assert.Equal(t, int64(12), seq)
	for _, bad := range []string{"camp:1", "bc1:x", "bc1::3", "bc1:x:0", "bc1:x:y"} {
		_, _, ok := broadcast.ParseCallbackData(bad)
		assert.False(t, ok, bad)
	}
}

func TestRecipientLogValueRedacts(t *testing.T) {
	t.Parallel()
	r := broadcast.Recipient{CampaignID: "c1", Seq: 3, To: "919876543210", Values: []string{"Asha"}, Status: broadcast.StatusPending}
	v := r.LogValue().String()
	assert.NotContains(t, v, "9876543210")
	assert.NotContains(t, v, "Asha")
	assert.Contains(t, v, "…10")
}

// FuzzRender feeds lead field values (outside input: imported CSVs, chat
// profiles) through parameter rendering: a value that renders always makes
// a message that validates.
func FuzzRender(f *testing.F) {
	for _, s := range []string{"Asha", "  Ravi \n Kumar\t", "a     b", "", "\r\n", "नमस्ते दुनिया", "x\u00a0\u00a0\u00a0\u00a0\u00a0y", strings.Repeat("z", 2000)} {
		f.Add(s)
	}
	spec := broadcast.TemplateSpec{Name: "batch_launch", Language: "en",
		HeaderText: &broadcast.ParamSpec{Field: "v"},
		Body:       []broadcast.ParamSpec{{Field: "v", Fallback: "there"}, {Field: "v", Name: "city"}},
		Buttons:    []broadcast.ButtonSpec{{SubType: "url", Index: 0, Param: broadcast.ParamSpec{Field: "v"}}}}
	spec.Body[0].Name = "first_name"
	f.Fuzz(func(t *testing.T, v string) {
		vals, ok := spec.Render(map[string]string{"v": v})
		if !ok {
			return
		}
		tpl, err := spec.Template(vals)
		require.NoError(t, err)
		for _, val := range vals {
			assert.NotContains(t, val, "\n")
			assert.NotContains(t, val, "\t")
			assert.NotContains(t, val, "     ")
		}
		// length limits may still reject it (planning skips those), never a panic
		_ = whatsapp.Message{To: whatsapp.Phone("+919876543210"), Content: tpl}.Validate()
	})
}
