package whatsapp_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/whatsapp"
)

func TestCostEstimate(t *testing.T) {
	t.Parallel()
	card := whatsapp.RateCard{Currency: "USD", Rates: map[string]map[whatsapp.Category]int64{
		"IN": {whatsapp.CategoryMarketing: 10700, whatsapp.CategoryUtility: 1400},
		"*":  {whatsapp.CategoryMarketing: 25000},
	}}
	c, err := card.Estimate(whatsapp.CategoryMarketing, whatsapp.Phone("+919876543210"))
	require.NoError(t, err)
	assert.Equal(t, whatsapp.Cost{Currency: "USD", Micros: 10700, Country: "IN", Category: whatsapp.CategoryMarketing}, c)
	c, err = card.Estimate(whatsapp.CategoryMarketing, whatsapp.BSUID("US.13491208655302741918"))
	require.NoError(t, err)
	assert.Equal(t, int64(25000), c.Micros)
	assert.Equal(t, "US", c.Country)
	c, err = card.Estimate(whatsapp.CategoryService, whatsapp.Phone("+16505551234"))
	require.NoError(t, err)
	assert.Equal(t, int64(0), c.Micros)
	_, err = card.Estimate(whatsapp.CategoryAuthentication, whatsapp.Phone("+16505551234"))
	assert.ErrorIs(t, err, whatsapp.ErrNoRate)
	assert.Equal(t, "GB", whatsapp.Country(whatsapp.Phone("+442079460000")))
	assert.Equal(t, "", whatsapp.Country(whatsapp.Recipient{}))
}
