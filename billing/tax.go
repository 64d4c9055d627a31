package billing

import (
	"errors"
	"fmt"
	"strings"
)

// DefaultSAC is the Services Accounting Code BotSync puts on its SaaS
// lines: 998314, "Information technology (IT) design and development
// services" (heading 9983, other professional, technical and business
// services), which covers software provided as a service under the GST
// scheme of classification. Some suppliers use 998315 (hosting and IT
// infrastructure provisioning) or 997331 (licensing the right to use
// software); set [InvoiceLine.SAC] to override per line. All are taxed at
// 18%.
const DefaultSAC = "998314"

// GSTRateBasisPoints is the GST rate on SaaS: 18% (1800 basis points),
// split 9% + 9% within a state.
const GSTRateBasisPoints = 1800

// SupplyType is how GST applies to an invoice.
type SupplyType string

// Supply types.
const (
	// SupplyIntraState: the place of supply is the supplier's state: CGST 9%
	// + SGST 9% (UTGST instead of SGST in union territories without a
	// legislature).
	SupplyIntraState SupplyType = "intra_state"
	// SupplyInterState: the place of supply is another state: IGST 18%.
	SupplyInterState SupplyType = "inter_state"
	// SupplyExport: the recipient is outside India: export of services,
	// zero-rated (IGST Act s.16). Under a Letter of Undertaking no tax is
	// charged; without one IGST 18% is charged and refunded later.
	SupplyExport SupplyType = "export"
)

// utWithoutLegislature are union territories whose intra-state tax is
// UTGST rather than SGST.
var utWithoutLegislature = map[string]bool{"04": true, "25": true, "26": true, "31": true, "35": true, "38": true, "97": true}

// Party is a supplier or recipient on an invoice.
type Party struct {
	Name      string `json:"name"`
	Address   string `json:"address"`
	StateCode string `json:"state_code,omitempty"` // GST state code, e.g. "29"; empty outside India
	Country   string `json:"country"`              // ISO 3166 alpha-2; "IN" for India
	GSTIN     string `json:"gstin,omitempty"`      // empty for unregistered recipients
}

// InIndia reports whether the party is in India (an empty country is
// taken as India).
func (p Party) InIndia() bool { return p.Country == "" || strings.EqualFold(p.Country, "IN") }

// ErrPlaceOfSupply reports a recipient whose place of supply cannot be
// determined.
var ErrPlaceOfSupply = errors.New("billing: cannot determine place of supply")

// PlaceOfSupply applies the IGST Act's place-of-supply rules for services
// to a SaaS supply and returns the place (a state code, or "96" — the GST
// Network's code for "Foreign Country" — for exports) and the supply type:
//
//   - Recipient outside India (s.13): export of services; place "96".
//   - Registered recipient (s.12(2)(a)): the state of their GSTIN.
//   - Unregistered recipient with an address on record (s.12(2)(b)(i)):
//     the state of that address.
//   - Otherwise (s.12(2)(b)(ii)): the supplier's location.
//
// The supply is intra-state when the place equals the supplier's state,
// inter-state otherwise (IGST Act ss.7-8).
func PlaceOfSupply(supplierState string, customer Party) (string, SupplyType, error) {
	if !customer.InIndia() {
		return "96", SupplyExport, nil
	}
	place := supplierState
	switch {
	case customer.GSTIN != "":
		if err := ValidateGSTIN(customer.GSTIN); err != nil {
			return "", "", fmt.Errorf("%w: customer gstin: %w", ErrPlaceOfSupply, err)
		}
		place = customer.GSTIN[:2]
	case customer.StateCode != "":
		if _, ok := stateNames[customer.StateCode]; !ok {
			return "", "", fmt.Errorf("%w: customer state_code %q is unknown", ErrPlaceOfSupply, customer.StateCode)
		}
		place = customer.StateCode
	}
	if place == supplierState {
		return place, SupplyIntraState, nil
	}
	return place, SupplyInterState, nil
}

// TaxLine is one tax on an invoice.
type TaxLine struct {
	Name    string `json:"name"`    // CGST, SGST, UTGST or IGST
	RateBP  int    `json:"rate_bp"` // basis points: 900 = 9%
	Taxable Paise  `json:"taxable"` // the value taxed
	Amount  Paise  `json:"amount"`  // rounded half up to the paisa
}

// Rate formats the rate as a percentage, e.g. "9%".
func (t TaxLine) Rate() string {
	if t.RateBP%100 == 0 {
		return fmt.Sprintf("%d%%", t.RateBP/100)
	}
	return fmt.Sprintf("%d.%02d%%", t.RateBP/100, t.RateBP%100)
}

// ComputeTax returns the taxes on taxable for a supply: CGST+SGST (or
// UTGST) at 9% each, IGST at 18%, or none for an export under LUT
// (withLUT); an export without LUT pays IGST 18%.
func ComputeTax(taxable Paise, supply SupplyType, placeOfSupply string, withLUT bool) []TaxLine {
	half := GSTRateBasisPoints / 2
	switch supply {
	case SupplyIntraState:
		state := "SGST"
		if utWithoutLegislature[placeOfSupply] {
			state = "UTGST"
		}
		return []TaxLine{
			{Name: "CGST", RateBP: half, Taxable: taxable, Amount: percentOf(taxable, half)},
			{Name: state, RateBP: half, Taxable: taxable, Amount: percentOf(taxable, half)},
		}
	case SupplyExport:
		if withLUT {
			return []TaxLine{{Name: "IGST", RateBP: 0, Taxable: taxable, Amount: 0}}
		}
	}
	return []TaxLine{{Name: "IGST", RateBP: GSTRateBasisPoints, Taxable: taxable, Amount: percentOf(taxable, GSTRateBasisPoints)}}
}

// percentOf returns p × bp / 10000 rounded half up.
func percentOf(p Paise, bp int) Paise {
	return Paise((int64(p)*int64(bp) + 5000) / 10000)
}

// roundToRupee returns the total rounded half up to a whole rupee and the
// (signed) paise added.
func roundToRupee(total Paise) (Paise, int64) {
	r := (int64(total) + 50) / 100 * 100
	return Paise(r), r - int64(total)
}
