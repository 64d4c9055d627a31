package billing

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// DocumentKind distinguishes tax invoices from credit notes.
type DocumentKind string

// Document kinds.
const (
	KindInvoice    DocumentKind = "tax_invoice"
	KindCreditNote DocumentKind = "credit_note"
)

// InvoiceLine is a line of a tax invoice: Quantity × UnitPrice less
// Discount is the taxable value.
type InvoiceLine struct {
	Description string `json:"description"`
	SAC         string `json:"sac"` // services accounting code; DefaultSAC when empty
	Quantity    int64  `json:"quantity"`
	Unit        string `json:"unit"` // unit quantity code, e.g. "MON" (months), "NOS"
	UnitPrice   Paise  `json:"unit_price"`
	Discount    Paise  `json:"discount,omitempty"`
	Gross       Paise  `json:"gross"`   // Quantity × UnitPrice
	Taxable     Paise  `json:"taxable"` // Gross − Discount
}

// TaxInvoice is a GST tax invoice or credit note carrying the particulars
// CGST Rule 46 (Rule 53 for credit notes) requires: the supplier's name,
// address and GSTIN; a consecutive serial number of at most 16 characters
// unique for the financial year; the date of issue; the recipient's name,
// address and GSTIN when registered; the SAC, description, quantity and
// unit of each service; the total and taxable value after discounts; the
// rate and amount of each tax; the place of supply with its state; whether
// tax is payable on reverse charge; and the supplier's signature (an
// authorised signatory, or the digital signature the e-invoice carries).
// Exports under LUT carry the endorsement Rule 46 requires.
type TaxInvoice struct {
	Number        string       `json:"number"`
	Series        string       `json:"series"`
	FinancialYear int          `json:"financial_year"` // the year it starts: 2025 = 2025-26
	Seq           int64        `json:"seq"`
	Kind          DocumentKind `json:"kind"`
	WorkspaceID   string       `json:"workspace_id"`
	Period        Period       `json:"period"`
	IssuedAt      time.Time    `json:"issued_at"`

	Supplier            Party      `json:"supplier"`
	Customer            Party      `json:"customer"`
	PlaceOfSupply       string     `json:"place_of_supply"` // state code, "96" for exports
	PlaceOfSupplyName   string     `json:"place_of_supply_name"`
	Supply              SupplyType `json:"supply"`
	ReverseCharge       bool       `json:"reverse_charge"`
	LUTReference        string     `json:"lut_reference,omitempty"`
	ExportEndorsement   string     `json:"export_endorsement,omitempty"`
	AuthorisedSignatory string     `json:"authorised_signatory"`

	Lines        []InvoiceLine `json:"lines"`
	Gross        Paise         `json:"gross"`
	Discount     Paise         `json:"discount"`
	Taxable      Paise         `json:"taxable"`
	Taxes        []TaxLine     `json:"taxes"`
	TaxTotal     Paise         `json:"tax_total"`
	RoundOff     int64         `json:"round_off"` // paise, may be negative
	Total        Paise         `json:"total"`
	TotalInWords string        `json:"total_in_words"`
	Currency     string        `json:"currency"`

	// Credit notes: the invoice they adjust and why.
	OriginalNumber   string    `json:"original_number,omitempty"`
	OriginalIssuedAt time.Time `json:"original_issued_at,omitzero"`
	Reason           string    `json:"reason,omitempty"`

	RazorpayPaymentID string `json:"razorpay_payment_id,omitempty"`
	RazorpayInvoiceID string `json:"razorpay_invoice_id,omitempty"`
	RazorpayRefundID  string `json:"razorpay_refund_id,omitempty"`

	// RetentionCategory is [RetentionCategory]; RetainUntil is the issue
	// date plus [RetentionYears] years, before which the record must not
	// be erased.
	RetentionCategory string    `json:"retention_category"`
	RetainUntil       time.Time `json:"retain_until"`
}

// stampRetention sets the retention fields from IssuedAt.
func (inv *TaxInvoice) stampRetention() {
	inv.RetentionCategory = RetentionCategory
	inv.RetainUntil = inv.IssuedAt.AddDate(RetentionYears, 0, 0)
}

// FinancialYearOf returns the Indian financial year (April to March, IST)
// containing t, as the calendar year it starts in.
func FinancialYearOf(t time.Time) int {
	t = t.In(IST)
	if t.Month() >= time.April {
		return t.Year()
	}
	return t.Year() - 1
}

// FinancialYearLabel formats a financial year as "2025-26".
func FinancialYearLabel(fy int) string { return fmt.Sprintf("%d-%02d", fy, (fy+1)%100) }

// ErrInvoiceNumber reports a series or sequence that cannot make a valid
// invoice number.
var ErrInvoiceNumber = errors.New("billing: invalid invoice number")

// MaxInvoiceNumberLen is CGST Rule 46(b)'s limit on serial numbers.
const MaxInvoiceNumberLen = 16

// ValidateSeries checks an invoice series prefix: 1 to 5 characters of
// A-Z, 0-9.
func ValidateSeries(series string) error {
	if len(series) < 1 || len(series) > 5 {
		return fmt.Errorf("%w: series must be 1 to 5 characters", ErrInvoiceNumber)
	}
	for i := 0; i < len(series); i++ {
		c := series[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return fmt.Errorf("%w: series may contain only A-Z and 0-9", ErrInvoiceNumber)
		}
	}
	return nil
}

// FormatInvoiceNumber builds "SERIES/YYYY/NNNNN": the series, the financial
// year's two two-digit years ("2526" for 2025-26) and the sequence padded
// to five digits, e.g. "INV/2526/00042" — consecutive, unique per series and
// financial year, and at most 16 characters (Rule 46(b)); a sequence too
// long to fit is an error.
func FormatInvoiceNumber(series string, fy int, seq int64) (string, error) {
	if err := ValidateSeries(series); err != nil {
		return "", err
	}
	if seq < 1 {
		return "", fmt.Errorf("%w: sequence must be positive", ErrInvoiceNumber)
	}
	if fy < 2000 || fy > 9998 {
		return "", fmt.Errorf("%w: financial year out of range", ErrInvoiceNumber)
	}
	s := fmt.Sprintf("%s/%02d%02d/%05d", series, fy%100, (fy+1)%100, seq)
	if len(s) > MaxInvoiceNumberLen {
		return "", fmt.Errorf("%w: series %s exhausted for %s (more than 16 characters)", ErrInvoiceNumber, series, FinancialYearLabel(fy))
	}
	return s, nil
}

// NumberInvoice sets inv's Seq and Number for its Series and FinancialYear.
// Stores call it inside the transaction that allocates seq.
func NumberInvoice(inv *TaxInvoice, seq int64) error {
	n, err := FormatInvoiceNumber(inv.Series, inv.FinancialYear, seq)
	if err != nil {
		return err
	}
	inv.Seq, inv.Number = seq, n
	return nil
}

// ValidateForStore checks what a store needs before numbering inv.
func (inv *TaxInvoice) ValidateForStore() error {
	switch {
	case inv.WorkspaceID == "":
		return errors.New("billing: invoice: workspace_id is required")
	case inv.Kind != KindInvoice && inv.Kind != KindCreditNote:
		return errors.New("billing: invoice: kind must be tax_invoice or credit_note")
	case inv.IssuedAt.IsZero():
		return errors.New("billing: invoice: issued_at is required")
	case inv.FinancialYear != FinancialYearOf(inv.IssuedAt):
		return errors.New("billing: invoice: financial_year does not match issued_at")
	}
	return ValidateSeries(inv.Series)
}

// sacValid reports whether s looks like a SAC (6 digits starting 99).
func sacValid(s string) bool {
	if len(s) != 6 || s[:2] != "99" {
		return false
	}
	_, err := strconv.Atoi(s)
	return err == nil
}
