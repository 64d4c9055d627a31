package billing

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Supplier is the business issuing invoices (the platform operator).
type Supplier struct {
	Party
	// LUT is the ARN of the Letter of Undertaking filed for the current
	// financial year, allowing exports without paying IGST. Empty means
	// exports are charged IGST 18%.
	LUT string
	// Signatory is the name printed as authorised signatory.
	Signatory string
}

// Invoicer issues GST tax invoices and credit notes, numbering them through
// an [InvoiceStore]. It is safe for concurrent use.
type Invoicer struct {
	store        InvoiceStore
	supplier     Supplier
	now          func() time.Time
	series       string
	creditSeries string
}

type invoicerConfig struct {
	now          func() time.Time
	series       string
	creditSeries string
}

// InvoicerOption configures an [Invoicer].
type InvoicerOption func(*invoicerConfig) error

// WithInvoiceClock sets the clock that dates invoices (default time.Now).
func WithInvoiceClock(now func() time.Time) InvoicerOption {
	return func(c *invoicerConfig) error {
		if now == nil {
			return errors.New("billing: clock: nil")
		}
		c.now = now
		return nil
	}
}

// WithSeries sets the invoice and credit note series (default "INV" and
// "CN"); see [FormatInvoiceNumber].
func WithSeries(invoices, creditNotes string) InvoicerOption {
	return func(c *invoicerConfig) error {
		if err := ValidateSeries(invoices); err != nil {
			return err
		}
		if err := ValidateSeries(creditNotes); err != nil {
			return err
		}
		if invoices == creditNotes {
			return fmt.Errorf("%w: invoices and credit notes need distinct series", ErrInvoiceNumber)
		}
		c.series, c.creditSeries = invoices, creditNotes
		return nil
	}
}

// NewInvoicer returns an invoicer for supplier, whose name, address and
// valid GSTIN are required (its state is the GSTIN's).
func NewInvoicer(store InvoiceStore, supplier Supplier, opts ...InvoicerOption) (*Invoicer, error) {
	if store == nil {
		return nil, errors.New("billing: invoicer: store is required")
	}
	if supplier.Name == "" || supplier.Address == "" {
		return nil, errors.New("billing: invoicer: supplier name and address are required")
	}
	if err := ValidateGSTIN(supplier.GSTIN); err != nil {
		return nil, fmt.Errorf("billing: invoicer: supplier gstin: %w", err)
	}
	supplier.StateCode = supplier.GSTIN[:2]
	supplier.Country = "IN"
	if supplier.Signatory == "" {
		supplier.Signatory = "Authorised Signatory"
	}
	cfg := invoicerConfig{now: time.Now, series: "INV", creditSeries: "CN"}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	return &Invoicer{store: store, supplier: supplier, now: cfg.now, series: cfg.series, creditSeries: cfg.creditSeries}, nil
}

// InvoiceRequest is what to invoice a workspace for.
type InvoiceRequest struct {
	WorkspaceID string
	Customer    Party
	// Period is the billing period invoiced; once invoiced it is closed
	// and a second invoice for it fails with [ErrPeriodClosed]. Leave it
	// zero for one-off invoices.
	Period            Period
	Lines             []InvoiceLine // Description, SAC, Quantity, Unit, UnitPrice, Discount
	RazorpayPaymentID string
	RazorpayInvoiceID string
}

// ExportEndorsement is the statement Rule 46 requires on an export invoice
// issued under a Letter of Undertaking.
const ExportEndorsement = "SUPPLY MEANT FOR EXPORT UNDER LETTER OF UNDERTAKING WITHOUT PAYMENT OF INTEGRATED TAX"

// Build computes an invoice (lines, place of supply, taxes, round-off,
// words) dated now, without numbering or storing it.
func (iv *Invoicer) Build(req InvoiceRequest) (TaxInvoice, error) {
	if req.WorkspaceID == "" {
		return TaxInvoice{}, errors.New("billing: invoice: workspace_id is required")
	}
	if req.Customer.Name == "" || req.Customer.Address == "" {
		return TaxInvoice{}, errors.New("billing: invoice: customer name and address are required")
	}
	if !req.Period.IsZero() && !req.Period.End.After(req.Period.Start) {
		return TaxInvoice{}, errors.New("billing: invoice: period end must be after its start")
	}
	if len(req.Lines) == 0 {
		return TaxInvoice{}, errors.New("billing: invoice: at least one line is required")
	}
	now := iv.now()
	inv := TaxInvoice{
		Series: iv.series, Kind: KindInvoice, WorkspaceID: req.WorkspaceID, Period: req.Period,
		IssuedAt: now, FinancialYear: FinancialYearOf(now), Supplier: iv.supplier.Party,
		Customer: req.Customer, AuthorisedSignatory: iv.supplier.Signatory, Currency: "INR",
		RazorpayPaymentID: req.RazorpayPaymentID, RazorpayInvoiceID: req.RazorpayInvoiceID,
	}
	for i, l := range req.Lines {
		if l.Description == "" {
			return TaxInvoice{}, fmt.Errorf("billing: invoice: lines[%d].description is required", i)
		}
		if l.SAC == "" {
			l.SAC = DefaultSAC
		}
		if !sacValid(l.SAC) {
			return TaxInvoice{}, fmt.Errorf("billing: invoice: lines[%d].sac must be 6 digits starting 99", i)
		}
		if l.Quantity <= 0 {
			return TaxInvoice{}, fmt.Errorf("billing: invoice: lines[%d].quantity must be positive", i)
		}
		if l.UnitPrice < 0 || l.Discount < 0 {
			return TaxInvoice{}, fmt.Errorf("billing: invoice: lines[%d]: %w: negative price or discount", i, ErrInvalidAmount)
		}
		if l.Unit == "" {
			l.Unit = "NOS"
		}
		l.Gross = Paise(l.Quantity) * l.UnitPrice
		if l.Discount > l.Gross {
			return TaxInvoice{}, fmt.Errorf("billing: invoice: lines[%d].discount exceeds the line value", i)
		}
		l.Taxable = l.Gross - l.Discount
		inv.Lines = append(inv.Lines, l)
	}
	if err := iv.settle(&inv); err != nil {
		return TaxInvoice{}, err
	}
	inv.stampRetention()
	return inv, nil
}

// settle fills place of supply, taxes and totals from inv.Lines.
func (iv *Invoicer) settle(inv *TaxInvoice) error {
	place, supply, err := PlaceOfSupply(iv.supplier.StateCode, inv.Customer)
	if err != nil {
		return fmt.Errorf("billing: invoice: %w", err)
	}
	inv.PlaceOfSupply, inv.Supply = place, supply
	if inv.Customer.InIndia() {
		inv.Customer.Country = "IN"
		if inv.Customer.GSTIN != "" {
			inv.Customer.StateCode = inv.Customer.GSTIN[:2]
		}
	}
	if supply == SupplyExport {
		inv.PlaceOfSupplyName = "Outside India (" + inv.Customer.Country + ")"
		if iv.supplier.LUT != "" {
			inv.LUTReference = iv.supplier.LUT
			inv.ExportEndorsement = ExportEndorsement
		}
	} else {
		inv.PlaceOfSupplyName, _ = StateName(place)
	}
	inv.Gross, inv.Discount, inv.Taxable = 0, 0, 0
	for _, l := range inv.Lines {
		inv.Gross += l.Gross
		inv.Discount += l.Discount
		inv.Taxable += l.Taxable
	}
	inv.Taxes = ComputeTax(inv.Taxable, supply, place, inv.LUTReference != "")
	inv.TaxTotal = 0
	for _, t := range inv.Taxes {
		inv.TaxTotal += t.Amount
	}
	inv.Total, inv.RoundOff = roundToRupee(inv.Taxable + inv.TaxTotal)
	inv.TotalInWords = RupeesInWords(inv.Total)
	return nil
}

// Issue builds, numbers and stores an invoice.
func (iv *Invoicer) Issue(ctx context.Context, req InvoiceRequest) (TaxInvoice, error) {
	inv, err := iv.Build(req)
	if err != nil {
		return TaxInvoice{}, err
	}
	out, err := iv.store.CreateInvoice(ctx, inv)
	if err != nil {
		return TaxInvoice{}, fmt.Errorf("billing: issue invoice: %w", err)
	}
	return out, nil
}

// Credit note errors.
var (
	// ErrCreditExceedsInvoice reports a credit note larger than what
	// remains of its invoice.
	ErrCreditExceedsInvoice = errors.New("billing: credit note exceeds the invoice's remaining value")
	// ErrCreditNoteTooLate reports a credit note issued after the limit of
	// CGST Act s.34(2): 30 November following the end of the financial
	// year of the invoice.
	ErrCreditNoteTooLate = errors.New("billing: credit note after 30 November following the invoice's financial year")
)

// CreditNoteDeadline is the last moment a credit note may be issued against
// an invoice of financial year fy (CGST Act s.34(2)): the end of 30 November
// after the year closes, IST.
func CreditNoteDeadline(fy int) time.Time {
	return time.Date(fy+1, time.December, 1, 0, 0, 0, 0, IST)
}

// CreditNote issues a credit note against a tax invoice for a refund of
// amount (tax included). A refund of the whole invoice reverses every
// line; a partial one credits amount × 100/118 as value and the rest as tax
// in the invoice's split, the round-off making the note total exactly
// amount. Credit notes never exceed what is left of the invoice; issue
// credit notes against one invoice one at a time (the check reads the
// notes already issued).
func (iv *Invoicer) CreditNote(ctx context.Context, workspaceID, invoiceNumber string, amount Paise, reason, refundID string) (TaxInvoice, error) {
	if err := checkAmount("amount", amount); err != nil {
		return TaxInvoice{}, fmt.Errorf("billing: credit note: %w", err)
	}
	if reason == "" {
		return TaxInvoice{}, errors.New("billing: credit note: reason is required")
	}
	orig, err := iv.store.Invoice(ctx, workspaceID, invoiceNumber)
	if err != nil {
		return TaxInvoice{}, fmt.Errorf("billing: credit note: %w", err)
	}
	if orig.Kind != KindInvoice {
		return TaxInvoice{}, errors.New("billing: credit note: can only credit a tax invoice")
	}
	now := iv.now()
	if !now.Before(CreditNoteDeadline(orig.FinancialYear)) {
		return TaxInvoice{}, fmt.Errorf("%w (%s)", ErrCreditNoteTooLate, FinancialYearLabel(orig.FinancialYear))
	}
	all, err := iv.store.Invoices(ctx, workspaceID)
	if err != nil {
		return TaxInvoice{}, fmt.Errorf("billing: credit note: %w", err)
	}
	var credited Paise
	for _, d := range all {
		if d.Kind == KindCreditNote && d.OriginalNumber == orig.Number {
			credited += d.Total
		}
	}
	if credited+amount > orig.Total {
		return TaxInvoice{}, fmt.Errorf("%w: %s of %s already credited", ErrCreditExceedsInvoice, credited, orig.Total)
	}
	cn := TaxInvoice{
		Series: iv.creditSeries, Kind: KindCreditNote, WorkspaceID: workspaceID, IssuedAt: now,
		FinancialYear: FinancialYearOf(now), Supplier: orig.Supplier, Customer: orig.Customer,
		AuthorisedSignatory: orig.AuthorisedSignatory, Currency: orig.Currency,
		OriginalNumber: orig.Number, OriginalIssuedAt: orig.IssuedAt, Reason: reason,
		RazorpayPaymentID: orig.RazorpayPaymentID, RazorpayRefundID: refundID,
		PlaceOfSupply: orig.PlaceOfSupply, PlaceOfSupplyName: orig.PlaceOfSupplyName, Supply: orig.Supply,
		LUTReference: orig.LUTReference, ExportEndorsement: orig.ExportEndorsement,
	}
	if credited == 0 && amount == orig.Total {
		cn.Lines = append([]InvoiceLine(nil), orig.Lines...)
		cn.Gross, cn.Discount, cn.Taxable = orig.Gross, orig.Discount, orig.Taxable
		cn.Taxes = append([]TaxLine(nil), orig.Taxes...)
		cn.TaxTotal, cn.RoundOff, cn.Total = orig.TaxTotal, orig.RoundOff, orig.Total
	} else {
		rate := 0
		for _, t := range orig.Taxes {
			rate += t.RateBP
		}
		taxable := Paise((int64(amount)*10000 + int64(10000+rate)/2) / int64(10000+rate))
		sac := DefaultSAC
		if len(orig.Lines) > 0 {
			sac = orig.Lines[0].SAC
		}
		cn.Lines = []InvoiceLine{{Description: "Refund against invoice " + orig.Number, SAC: sac, Quantity: 1,
			Unit: "NOS", UnitPrice: taxable, Gross: taxable, Taxable: taxable}}
		cn.Gross, cn.Taxable = taxable, taxable
		cn.Taxes = ComputeTax(taxable, orig.Supply, orig.PlaceOfSupply, orig.LUTReference != "")
		for _, t := range cn.Taxes {
			cn.TaxTotal += t.Amount
		}
		cn.Total = amount
		cn.RoundOff = int64(amount) - int64(taxable+cn.TaxTotal)
	}
	cn.TotalInWords = RupeesInWords(cn.Total)
	cn.stampRetention()
	out, err := iv.store.CreateInvoice(ctx, cn)
	if err != nil {
		return TaxInvoice{}, fmt.Errorf("billing: credit note: %w", err)
	}
	return out, nil
}
