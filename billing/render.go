package billing

import (
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
)

//go:embed templates/invoice.html
var templateFS embed.FS

var invoiceTemplate = template.Must(template.New("invoice.html").Funcs(template.FuncMap{
	"inc": func(i int) int { return i + 1 },
	"supply": func(s SupplyType) string {
		switch s {
		case SupplyIntraState:
			return "Intra-state"
		case SupplyInterState:
			return "Inter-state"
		}
		return "Export of services (zero-rated)"
	},
	"date":  func(inv TaxInvoice) string { return inv.IssuedAt.In(IST).Format("02 Jan 2006") },
	"fy":    FinancialYearLabel,
	"state": func(code string) string { n, _ := StateName(code); return n },
	"signed": func(p int64) string {
		if p < 0 {
			return "-" + Paise(-p).String()
		}
		return Paise(p).String()
	},
	"title": func(k DocumentKind) string {
		if k == KindCreditNote {
			return "Credit Note"
		}
		return "Tax Invoice"
	},
	"origDate": func(inv TaxInvoice) string { return inv.OriginalIssuedAt.In(IST).Format("02 Jan 2006") },
}).ParseFS(templateFS, "templates/invoice.html"))

// RenderHTML writes inv as a self-contained printable HTML page (A4, no
// external assets) carrying every Rule 46 particular.
func RenderHTML(w io.Writer, inv TaxInvoice) error {
	if err := invoiceTemplate.Execute(w, inv); err != nil {
		return fmt.Errorf("billing: render invoice: %w", err)
	}
	return nil
}

// RenderJSON writes inv as indented JSON (amounts in paise).
func RenderJSON(w io.Writer, inv TaxInvoice) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(inv); err != nil {
		return fmt.Errorf("billing: render invoice: %w", err)
	}
	return nil
}
