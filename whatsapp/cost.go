package whatsapp

import (
	"errors"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// RateCard prices messages per recipient country and category, as the
// caller's contract with Meta (or a BSP) says. Prices are in micro-units of
// Currency (1 USD = 1_000_000), because per-message prices have more
// decimals than cents. Country "*" is the fallback.
type RateCard struct {
	Currency string
	// Rates maps an ISO 3166 country code ("IN", "US", "*") to the price of
	// each category.
	Rates map[string]map[Category]int64
}

// Cost is the estimate of one send.
type Cost struct {
	Currency string
	// Micros is the price in micro-units of Currency.
	Micros   int64
	Country  string
	Category Category
}

// ErrNoRate means the rate card has no price for the country and category.
var ErrNoRate = errors.New("whatsapp: no rate for this country and category")

// Country returns the ISO 3166 country of a recipient: from the phone
// number's country code, or the prefix of a BSUID ("US.…"); "" when unknown.
func Country(to Recipient) string {
	if to.bsuid != "" {
		cc, _, ok := strings.Cut(to.bsuid, ".")
		if ok && len(cc) == 2 {
			return cc
		}
		return ""
	}
	if to.phone == "" {
		return ""
	}
	num, err := phonenumbers.Parse("+"+to.phone, "")
	if err != nil {
		return ""
	}
	r := phonenumbers.GetRegionCodeForNumber(num)
	if r == "ZZ" {
		return ""
	}
	return r
}

// Estimate prices a send of category to the recipient. Free-form messages
// in the customer-service window are [CategoryService], usually free (rate 0
// or absent: absent service rates estimate to 0).
func (rc RateCard) Estimate(category Category, to Recipient) (Cost, error) {
	country := Country(to)
	c := Cost{Currency: rc.Currency, Country: country, Category: category}
	for _, k := range []string{country, "*"} {
		if k == "" {
			continue
		}
		if m, ok := rc.Rates[k]; ok {
			if v, ok := m[category]; ok {
				c.Micros = v
				return c, nil
			}
		}
	}
	if category == CategoryService {
		return c, nil
	}
	return c, ErrNoRate
}
