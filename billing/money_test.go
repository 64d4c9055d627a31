package billing_test

import (
	"encoding/json"
	"testing"

	"github.com/botsync/botsync/billing"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPaiseJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    billing.Paise
		wantErr bool
	}{
		{`49900`, 49900, false},
		{`"49900"`, 49900, false},
		{`100.00`, 100, false},
		{`null`, 0, false},
		{`0`, 0, false},
		{`-1`, 0, true},
		{`100.5`, 0, true},
		{`1e3`, 0, true},
		{`"abc"`, 0, true},
		{`""`, 0, true},
		{`99999999999999999999`, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var p billing.Paise
			err := json.Unmarshal([]byte(tt.in), &p)
			if tt.wantErr {
				require.Error(t, err)
				assert.ErrorIs(t, err, billing.ErrInvalidAmount)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, p)
		})
	}
}

func TestParseRupees(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]billing.Paise{"499": 49900, "499.5": 49950, "499.05": 49905, "0.01": 1, ".5": 50, "1180": 118000} {
		got, err := billing.ParseRupees(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "-1", "1.001", "1,000", "abc", "1.2.3", "99999999999999999999"} {
		_, err := billing.ParseRupees(in)
		assert.ErrorIs(t, err, billing.ErrInvalidAmount, in)
	}
	assert.Equal(t, "1179.00", billing.Paise(117900).String())
	assert.Equal(t, "-0.18", billing.Paise(-18).String())
	assert.EqualValues(t, 1179, billing.Paise(117999).Rupees())
}

func TestRupeesInWords(t *testing.T) {
	t.Parallel()
	tests := map[billing.Paise]string{
		0:             "Rupees Zero Only",
		100:           "Rupees One Only",
		1500:          "Rupees Fifteen Only",
		117900:        "Rupees One Thousand One Hundred Seventy Nine Only",
		10000000:      "Rupees One Lakh Only",
		12345678:      "Rupees One Lakh Twenty Three Thousand Four Hundred Fifty Six and Seventy Eight Paise Only",
		1000000000:    "Rupees One Crore Only",
		123456789000:  "Rupees One Hundred Twenty Three Crore Forty Five Lakh Sixty Seven Thousand Eight Hundred Ninety Only",
		2000000000000: "Rupees Two Thousand Crore Only",
		-5000:         "Minus Rupees Fifty Only",
	}
	for p, want := range tests {
		assert.Equal(t, want, billing.RupeesInWords(p), p.String())
	}
}
