package billing

import "strings"

var (
	ones = []string{"", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten",
		"Eleven", "Twelve", "Thirteen", "Fourteen", "Fifteen", "Sixteen", "Seventeen", "Eighteen", "Nineteen"}
	tens = []string{"", "", "Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety"}
)

// RupeesInWords writes an amount the way Indian invoices do, with the
// Indian numbering system (thousand, lakh, crore):
// 12345678 paise → "Rupees One Lakh Twenty Three Thousand Four Hundred
// Fifty Six and Seventy Eight Paise Only".
func RupeesInWords(p Paise) string {
	neg := p < 0
	if neg {
		p = -p
	}
	r, ps := int64(p)/100, int64(p)%100
	var b strings.Builder
	if neg {
		b.WriteString("Minus ")
	}
	b.WriteString("Rupees ")
	if r == 0 {
		b.WriteString("Zero")
	} else {
		b.WriteString(indianWords(r))
	}
	if ps > 0 {
		b.WriteString(" and ")
		b.WriteString(below100(ps))
		b.WriteString(" Paise")
	}
	b.WriteString(" Only")
	return b.String()
}

// indianWords spells n > 0: crores, then lakhs, thousands, hundreds.
func indianWords(n int64) string {
	var parts []string
	if n >= 10000000 {
		parts = append(parts, indianWords(n/10000000), "Crore")
		n %= 10000000
	}
	if n >= 100000 {
		parts = append(parts, below100(n/100000), "Lakh")
		n %= 100000
	}
	if n >= 1000 {
		parts = append(parts, below100(n/1000), "Thousand")
		n %= 1000
	}
	if n >= 100 {
		parts = append(parts, ones[n/100], "Hundred")
		n %= 100
	}
	if n > 0 {
		parts = append(parts, below100(n))
	}
	return strings.Join(parts, " ")
}

func below100(n int64) string {
	if n < 20 {
		return ones[n]
	}
	if n%10 == 0 {
		return tens[n/10]
	}
	return tens[n/10] + " " + ones[n%10]
}
