package billing_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/botsync/botsync/billing"
	"github.com/botsync/botsync/billing/memstore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite golden files")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run with -update to create %s", path)
	assert.Equal(t, string(want), string(got))
}

const supplierGSTIN = "29AAGCB7383J1Z4"

var supplier = billing.Supplier{
	Party:     billing.Party{Name: "BotSync Technologies Pvt Ltd", Address: "12 MG Road, Bengaluru 560001", GSTIN: supplierGSTIN},
	Signatory: "A. Rao, Director",
}

// fixedClock returns a settable clock.
type fixedClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fixedClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fixedClock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

func newInvoicer(t *testing.T, s billing.InvoiceStore, sup billing.Supplier, now time.Time) (*billing.Invoicer, *fixedClock) {
	t.Helper()
	clk := &fixedClock{t: now}
	iv, err := billing.NewInvoicer(s, sup, billing.WithInvoiceClock(clk.Now))
	require.NoError(t, err)
	return iv, clk
}

func TestPlaceOfSupply(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		customer billing.Party
		place    string
		supply   billing.SupplyType
		wantErr  error
	}{
		{"registered same state", billing.Party{GSTIN: withCheck("29ABCDE1234F1Z")}, "29", billing.SupplyIntraState, nil},
		{"registered other state", billing.Party{GSTIN: "27AAPFU0939F1ZV", StateCode: "29"}, "27", billing.SupplyInterState, nil},
		{"unregistered with address state", billing.Party{StateCode: "07"}, "07", billing.SupplyInterState, nil},
		{"unregistered without address", billing.Party{}, "29", billing.SupplyIntraState, nil},
		{"outside India", billing.Party{Country: "US"}, "96", billing.SupplyExport, nil},
		{"country IN explicit", billing.Party{Country: "in", StateCode: "29"}, "29", billing.SupplyIntraState, nil},
		{"bad gstin", billing.Party{GSTIN: "27AAPFU0939F1ZW"}, "", "", billing.ErrGSTINCheckDigit},
		{"unknown state", billing.Party{StateCode: "77"}, "", "", billing.ErrPlaceOfSupply},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			place, supply, err := billing.PlaceOfSupply("29", tt.customer)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				require.ErrorIs(t, err, billing.ErrPlaceOfSupply)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.place, place)
			assert.Equal(t, tt.supply, supply)
		})
	}
}

func TestComputeTax(t *testing.T) {
	t.Parallel()
	intra := billing.ComputeTax(89900, billing.SupplyIntraState, "29", false)
	require.Len(t, intra, 2)
	assert.Equal(t, "CGST", intra[0].Name)
	assert.Equal(t, "SGST", intra[1].Name)
	assert.Equal(t, billing.Paise(8091), intra[0].Amount)
	assert.Equal(t, "9%", intra[0].Rate())

	ut := billing.ComputeTax(10000, billing.SupplyIntraState, "04", false)
	assert.Equal(t, "UTGST", ut[1].Name, "Chandigarh has no legislature")

	inter := billing.ComputeTax(12345, billing.SupplyInterState, "27", false)
	require.Len(t, inter, 1)
	assert.Equal(t, billing.Paise(2222), inter[0].Amount, "18% of 123.45 = 22.221, rounded half up")
	assert.Equal(t, billing.Paise(3), billing.ComputeTax(14, billing.SupplyInterState, "27", false)[0].Amount, "2.52 paise rounds up")

	lut := billing.ComputeTax(100000, billing.SupplyExport, "96", true)
	assert.Equal(t, billing.Paise(0), lut[0].Amount)
	assert.Equal(t, "0%", lut[0].Rate())
	noLUT := billing.ComputeTax(100000, billing.SupplyExport, "96", false)
	assert.Equal(t, billing.Paise(18000), noLUT[0].Amount, "without LUT an export pays IGST")
}

func TestFinancialYear(t *testing.T) {
	t.Parallel()
	// 31 March 2026 23:59 IST is still FY 2025-26; 1 April 00:00 IST starts 2026-27,
	// even though it is 31 March in UTC.
	assert.Equal(t, 2025, billing.FinancialYearOf(time.Date(2026, 3, 31, 23, 59, 0, 0, billing.IST)))
	assert.Equal(t, 2026, billing.FinancialYearOf(time.Date(2026, 3, 31, 18, 30, 0, 0, time.UTC)))
	assert.Equal(t, 2025, billing.FinancialYearOf(time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)))
	assert.Equal(t, "2025-26", billing.FinancialYearLabel(2025))
	assert.Equal(t, "2099-00", billing.FinancialYearLabel(2099))
}

func TestFormatInvoiceNumber(t *testing.T) {
	t.Parallel()
	n, err := billing.FormatInvoiceNumber("INV", 2025, 42)
	require.NoError(t, err)
	assert.Equal(t, "INV/2526/00042", n)
	n, err = billing.FormatInvoiceNumber("BSAAS", 2025, 99999)
	require.NoError(t, err)
	assert.Equal(t, "BSAAS/2526/99999", n)
	assert.Len(t, n, billing.MaxInvoiceNumberLen)
	_, err = billing.FormatInvoiceNumber("BSAAS", 2025, 100000)
	assert.ErrorIs(t, err, billing.ErrInvoiceNumber, "a number over 16 characters")
	n, err = billing.FormatInvoiceNumber("INV", 2025, 1234567)
	require.NoError(t, err)
	assert.Equal(t, "INV/2526/1234567", n)
	for _, bad := range []string{"", "inv", "TOOLONG", "IN/V"} {
		_, err = billing.FormatInvoiceNumber(bad, 2025, 1)
		assert.ErrorIs(t, err, billing.ErrInvoiceNumber, bad)
	}
	_, err = billing.FormatInvoiceNumber("INV", 2025, 0)
	assert.ErrorIs(t, err, billing.ErrInvoiceNumber)
}

var april2026 = time.Date(2026, 5, 1, 10, 30, 0, 0, billing.IST)

func growthLines() []billing.InvoiceLine {
	return []billing.InvoiceLine{
		{Description: "BotSync Growth plan, April 2026", Quantity: 1, Unit: "MON", UnitPrice: 99900, Discount: 10000},
		{Description: "Extra seats", SAC: "998315", Quantity: 2, Unit: "NOS", UnitPrice: 19900},
	}
}

func TestInvoicerIssue(t *testing.T) {
	t.Parallel()
	period := billing.MonthPeriod(time.Date(2026, 4, 1, 0, 0, 0, 0, billing.IST))
	tests := []struct {
		name     string
		customer billing.Party
		lut      string
		taxes    []string
		taxTotal billing.Paise
		total    billing.Paise
		roundOff int64
		words    string
		endorse  bool
	}{
		// taxable = 99900-10000 + 2×19900 = 129700
		{"intra-state", billing.Party{Name: "Kaveri Foods", Address: "Mysuru", GSTIN: withCheck("29ABCDE1234F1Z")}, "",
			[]string{"CGST", "SGST"}, 23346, 153000, -46, "Rupees One Thousand Five Hundred Thirty Only", false},
		{"inter-state", billing.Party{Name: "Acme", Address: "Pune", GSTIN: "27AAPFU0939F1ZV"}, "",
			[]string{"IGST"}, 23346, 153000, -46, "Rupees One Thousand Five Hundred Thirty Only", false},
		{"export under LUT", billing.Party{Name: "Globex Inc", Address: "Austin, TX", Country: "US"}, "AD290426000123X",
			[]string{"IGST"}, 0, 129700, 0, "Rupees One Thousand Two Hundred Ninety Seven Only", true},
		{"export without LUT", billing.Party{Name: "Globex Inc", Address: "Austin, TX", Country: "US"}, "",
			[]string{"IGST"}, 23346, 153000, -46, "Rupees One Thousand Five Hundred Thirty Only", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sup := supplier
			sup.LUT = tt.lut
			iv, _ := newInvoicer(t, memstore.New(), sup, april2026)
			inv, err := iv.Issue(t.Context(), billing.InvoiceRequest{WorkspaceID: "ws_1", Customer: tt.customer, Period: period, Lines: growthLines()})
			require.NoError(t, err)
			assert.Equal(t, "INV/2627/00001", inv.Number)
			assert.Equal(t, billing.Paise(129700), inv.Taxable)
			assert.Equal(t, billing.Paise(10000), inv.Discount)
			assert.Equal(t, billing.Paise(139700), inv.Gross)
			var names []string
			for _, tx := range inv.Taxes {
				names = append(names, tx.Name)
			}
			assert.Equal(t, tt.taxes, names)
			assert.Equal(t, tt.taxTotal, inv.TaxTotal)
			assert.Equal(t, tt.roundOff, inv.RoundOff)
			assert.Equal(t, tt.total, inv.Total)
			assert.Equal(t, int64(inv.Taxable+inv.TaxTotal)+inv.RoundOff, int64(inv.Total), "round-off is a separate line that balances")
			assert.Zero(t, inv.Total%100, "totals are whole rupees")
			assert.Equal(t, tt.words, inv.TotalInWords)
			assert.Equal(t, tt.endorse, inv.ExportEndorsement != "")
			assert.Equal(t, billing.DefaultSAC, inv.Lines[0].SAC)
			assert.Equal(t, "998315", inv.Lines[1].SAC)
			assert.Equal(t, "29", inv.Supplier.StateCode)
		})
	}
}

func TestInvoicerErrors(t *testing.T) {
	t.Parallel()
	store := memstore.New()
	iv, _ := newInvoicer(t, store, supplier, april2026)
	good := billing.InvoiceRequest{WorkspaceID: "ws_1", Customer: billing.Party{Name: "Acme", Address: "Pune", GSTIN: "27AAPFU0939F1ZV"},
		Period: billing.MonthPeriod(time.Date(2026, 4, 1, 0, 0, 0, 0, billing.IST)), Lines: growthLines()}
	tests := []struct {
		name   string
		mutate func(*billing.InvoiceRequest)
		want   string
	}{
		{"no workspace", func(r *billing.InvoiceRequest) { r.WorkspaceID = "" }, "workspace_id"},
		{"no customer name", func(r *billing.InvoiceRequest) { r.Customer.Name = "" }, "customer name"},
		{"no lines", func(r *billing.InvoiceRequest) { r.Lines = nil }, "at least one line"},
		{"zero quantity", func(r *billing.InvoiceRequest) { r.Lines = []billing.InvoiceLine{{Description: "x", UnitPrice: 1}} }, "lines[0].quantity"},
		{"negative price", func(r *billing.InvoiceRequest) {
			r.Lines = []billing.InvoiceLine{{Description: "x", Quantity: 1, UnitPrice: -1}}
		}, "negative price"},
		{"discount too big", func(r *billing.InvoiceRequest) {
			r.Lines = []billing.InvoiceLine{{Description: "x", Quantity: 1, UnitPrice: 100, Discount: 101}}
		}, "lines[0].discount"},
		{"bad sac", func(r *billing.InvoiceRequest) {
			r.Lines = []billing.InvoiceLine{{Description: "x", SAC: "8471", Quantity: 1, UnitPrice: 100}}
		}, "lines[0].sac"},
		{"bad customer gstin", func(r *billing.InvoiceRequest) { r.Customer.GSTIN = "27AAPFU0939F1ZW" }, "check digit"},
		{"inverted period", func(r *billing.InvoiceRequest) { r.Period.Start, r.Period.End = r.Period.End, r.Period.Start }, "period"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := good
			tt.mutate(&req)
			_, err := iv.Issue(t.Context(), req)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	first, err := iv.Issue(t.Context(), good)
	require.NoError(t, err)
	assert.Equal(t, "INV/2627/00001", first.Number, "rejected requests consumed no number")
	_, err = iv.Issue(t.Context(), good)
	require.ErrorIs(t, err, billing.ErrPeriodClosed, "an invoice for a closed period")

	_, err = billing.NewInvoicer(store, billing.Supplier{Party: billing.Party{Name: "x", Address: "y", GSTIN: "bad"}})
	assert.ErrorIs(t, err, billing.ErrInvalidGSTIN)
	_, err = billing.NewInvoicer(store, supplier, billing.WithSeries("INV", "INV"))
	assert.ErrorIs(t, err, billing.ErrInvoiceNumber)
}

func TestCreditNotes(t *testing.T) {
	t.Parallel()
	store := memstore.New()
	iv, clk := newInvoicer(t, store, supplier, april2026)
	inv, err := iv.Issue(t.Context(), billing.InvoiceRequest{WorkspaceID: "ws_1",
		Customer: billing.Party{Name: "Acme", Address: "Pune", GSTIN: "27AAPFU0939F1ZV"}, Lines: growthLines()})
	require.NoError(t, err)
	clk.Set(april2026.AddDate(0, 0, 3))

	// Partial refund of ₹500 (tax included).
	cn, err := iv.CreditNote(t.Context(), "ws_1", inv.Number, 50000, "partial refund: seats removed", "rfnd_1")
	require.NoError(t, err)
	assert.Equal(t, "CN/2627/00001", cn.Number)
	assert.Equal(t, billing.KindCreditNote, cn.Kind)
	assert.Equal(t, inv.Number, cn.OriginalNumber)
	assert.Equal(t, billing.Paise(50000), cn.Total)
	assert.Equal(t, billing.Paise(42373), cn.Taxable, "500 × 100/118")
	assert.Equal(t, billing.Paise(7627), cn.TaxTotal)
	assert.Equal(t, int64(cn.Taxable+cn.TaxTotal)+cn.RoundOff, int64(cn.Total))
	assert.Equal(t, "IGST", cn.Taxes[0].Name)
	assert.Equal(t, "rfnd_1", cn.RazorpayRefundID)

	_, err = iv.CreditNote(t.Context(), "ws_1", inv.Number, inv.Total, "too much", "rfnd_2")
	require.ErrorIs(t, err, billing.ErrCreditExceedsInvoice)
	rest, err := iv.CreditNote(t.Context(), "ws_1", inv.Number, inv.Total-50000, "cancel the rest", "rfnd_3")
	require.NoError(t, err)
	assert.Equal(t, "CN/2627/00002", rest.Number)

	_, err = iv.CreditNote(t.Context(), "ws_1", "INV/2627/09999", 100, "x", "")
	require.ErrorIs(t, err, billing.ErrNotFound)
	_, err = iv.CreditNote(t.Context(), "ws_2", inv.Number, 100, "x", "")
	require.ErrorIs(t, err, billing.ErrNotFound, "another workspace's invoice")
	_, err = iv.CreditNote(t.Context(), "ws_1", cn.Number, 100, "x", "")
	require.Error(t, err, "a credit note is not credited")
	_, err = iv.CreditNote(t.Context(), "ws_1", inv.Number, -1, "x", "")
	require.ErrorIs(t, err, billing.ErrInvalidAmount)

	// A full refund reverses the invoice line for line.
	inv2, err := iv.Issue(t.Context(), billing.InvoiceRequest{WorkspaceID: "ws_1",
		Customer: billing.Party{Name: "Acme", Address: "Pune", GSTIN: "27AAPFU0939F1ZV"}, Lines: growthLines()})
	require.NoError(t, err)
	full, err := iv.CreditNote(t.Context(), "ws_1", inv2.Number, inv2.Total, "full refund", "rfnd_4")
	require.NoError(t, err)
	assert.Equal(t, inv2.Lines, full.Lines)
	assert.Equal(t, inv2.Taxes, full.Taxes)
	assert.Equal(t, inv2.RoundOff, full.RoundOff)

	// CGST s.34(2): no credit note after 30 November of the next year.
	inv3, err := iv.Issue(t.Context(), billing.InvoiceRequest{WorkspaceID: "ws_1",
		Customer: billing.Party{Name: "Acme", Address: "Pune", GSTIN: "27AAPFU0939F1ZV"}, Lines: growthLines()})
	require.NoError(t, err)
	clk.Set(time.Date(2027, 11, 30, 23, 59, 0, 0, billing.IST))
	late, err := iv.CreditNote(t.Context(), "ws_1", inv3.Number, 100, "late but in time", "")
	require.NoError(t, err)
	assert.Equal(t, "CN/2728/00001", late.Number, "numbered in the credit note's own financial year")
	clk.Set(time.Date(2027, 12, 1, 0, 0, 0, 0, billing.IST))
	_, err = iv.CreditNote(t.Context(), "ws_1", inv3.Number, 100, "too late", "")
	require.ErrorIs(t, err, billing.ErrCreditNoteTooLate)
}

func TestRender(t *testing.T) {
	t.Parallel()
	sup := supplier
	iv, clk := newInvoicer(t, memstore.New(), sup, april2026)
	inv, err := iv.Issue(t.Context(), billing.InvoiceRequest{WorkspaceID: "ws_1",
		Customer: billing.Party{Name: "Acme <Pvt> Ltd", Address: "Pune", GSTIN: "27AAPFU0939F1ZV"},
		Period:   billing.MonthPeriod(time.Date(2026, 4, 1, 0, 0, 0, 0, billing.IST)), Lines: growthLines(), RazorpayPaymentID: "pay_1"})
	require.NoError(t, err)
	var html bytes.Buffer
	require.NoError(t, billing.RenderHTML(&html, inv))
	golden(t, "invoice.html.golden", html.Bytes())
	for _, want := range []string{"Tax Invoice", "INV/2627/00001", "01 May 2026", supplierGSTIN, "27AAPFU0939F1ZV",
		"Maharashtra (27)", "998314", "IGST @ 18%", "Round-off", "Rupees One Thousand Five Hundred Thirty Only",
		"Reverse charge</th><td>No", "A. Rao, Director", "Acme &lt;Pvt&gt; Ltd"} {
		assert.Contains(t, html.String(), want)
	}
	var js bytes.Buffer
	require.NoError(t, billing.RenderJSON(&js, inv))
	golden(t, "invoice.json.golden", js.Bytes())

	clk.Set(april2026.AddDate(0, 0, 1))
	cn, err := iv.CreditNote(t.Context(), "ws_1", inv.Number, 10000, "goodwill", "rfnd_1")
	require.NoError(t, err)
	html.Reset()
	require.NoError(t, billing.RenderHTML(&html, cn))
	golden(t, "credit_note.html.golden", html.Bytes())
	assert.True(t, strings.Contains(html.String(), "Against invoice</th><td>INV/2627/00001 dated 01 May 2026"))
}

func TestInvoiceRetention(t *testing.T) {
	t.Parallel()
	iv, _ := newInvoicer(t, memstore.New(), supplier, april2026)
	inv, err := iv.Issue(t.Context(), billing.InvoiceRequest{WorkspaceID: "ws_1",
		Customer: billing.Party{Name: "Acme", Address: "Pune"}, Lines: growthLines()})
	require.NoError(t, err)
	assert.Equal(t, billing.RetentionCategory, inv.RetentionCategory)
	assert.True(t, inv.RetainUntil.Equal(april2026.AddDate(8, 0, 0)))
	assert.GreaterOrEqual(t, billing.RetentionPeriod, 8*365*24*time.Hour)
	assert.Equal(t, billing.SupplyIntraState, inv.Supply, "an unregistered customer without a state is taxed at the supplier's location")
}

func TestInvoicerSeries(t *testing.T) {
	t.Parallel()
	store := memstore.New()
	clk := &fixedClock{t: april2026}
	iv, err := billing.NewInvoicer(store, supplier, billing.WithInvoiceClock(clk.Now), billing.WithSeries("BS", "BSCN"))
	require.NoError(t, err)
	inv, err := iv.Issue(t.Context(), billing.InvoiceRequest{WorkspaceID: "ws_1", Customer: billing.Party{Name: "A", Address: "B"}, Lines: growthLines()})
	require.NoError(t, err)
	assert.Equal(t, "BS/2627/00001", inv.Number)
	cn, err := iv.CreditNote(t.Context(), "ws_1", inv.Number, 100, "goodwill", "")
	require.NoError(t, err)
	assert.Equal(t, "BSCN/2627/00001", cn.Number)
	_, err = billing.NewInvoicer(store, supplier, billing.WithSeries("bad series", "CN"))
	assert.ErrorIs(t, err, billing.ErrInvoiceNumber)
	_, err = billing.NewInvoicer(nil, supplier)
	assert.Error(t, err)
	_, err = billing.NewInvoicer(store, billing.Supplier{Party: billing.Party{GSTIN: supplierGSTIN}})
	assert.ErrorContains(t, err, "name and address")
}
