package main

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/billing"
)

func TestSupplierConfig(t *testing.T) {
	t.Parallel()
	c, err := LoadConfig(env(nil))
	require.NoError(t, err)
	require.Equal(t, sandboxSupplier, c.Supplier, "sandbox defaults")

	c, err = LoadConfig(env(map[string]string{"BOTSYNC_SUPPLIER_NAME": "Asha Software LLP", "BOTSYNC_SUPPLIER_ADDRESS": "4 FC Road, Pune",
		"BOTSYNC_SUPPLIER_GSTIN": "27aapfu0939f1zv", "BOTSYNC_SUPPLIER_STATE": "27", "BOTSYNC_SUPPLIER_LUT": "ad2703230001234", "BOTSYNC_SUPPLIER_SIGNATORY": "Asha Rao"}))
	require.NoError(t, err)
	require.Equal(t, billing.Supplier{Party: billing.Party{Name: "Asha Software LLP", Address: "4 FC Road, Pune", StateCode: "27", Country: "IN",
		GSTIN: "27AAPFU0939F1ZV"}, LUT: "AD2703230001234", Signatory: "Asha Rao"}, c.Supplier)

	full := map[string]string{"RAZORPAY_KEY_ID": "rzp_live_x", "RAZORPAY_KEY_SECRET": "s", "BOTSYNC_SUPPLIER_NAME": "Asha Software LLP",
		"BOTSYNC_SUPPLIER_ADDRESS": "4 FC Road, Pune", "BOTSYNC_SUPPLIER_GSTIN": "27AAPFU0939F1ZV"}
	_, err = LoadConfig(env(full))
	require.NoError(t, err, "real keys with a real supplier")
	without := func(k string) map[string]string {
		m := map[string]string{}
		for kk, v := range full {
			if kk != k {
				m[kk] = v
			}
		}
		return m
	}
	for name, tc := range map[string]struct {
		env   map[string]string
		field string
	}{
		"bad gstin":             {map[string]string{"BOTSYNC_SUPPLIER_GSTIN": "27AAPFU0939F1ZX"}, "BOTSYNC_SUPPLIER_GSTIN"},
		"unknown state":         {map[string]string{"BOTSYNC_SUPPLIER_STATE": "99"}, "BOTSYNC_SUPPLIER_STATE"},
		"state vs gstin":        {map[string]string{"BOTSYNC_SUPPLIER_GSTIN": "27AAPFU0939F1ZV", "BOTSYNC_SUPPLIER_STATE": "29"}, "BOTSYNC_SUPPLIER_STATE"},
		"bad lut":               {map[string]string{"BOTSYNC_SUPPLIER_LUT": "AD-27/0323"}, "BOTSYNC_SUPPLIER_LUT"},
		"name on two lines":     {map[string]string{"BOTSYNC_SUPPLIER_NAME": "A\nB"}, "BOTSYNC_SUPPLIER_NAME"},
		"real keys, no name":    {without("BOTSYNC_SUPPLIER_NAME"), "BOTSYNC_SUPPLIER_NAME"},
		"real keys, no address": {without("BOTSYNC_SUPPLIER_ADDRESS"), "BOTSYNC_SUPPLIER_ADDRESS"},
		"real keys, no gstin":   {without("BOTSYNC_SUPPLIER_GSTIN"), "BOTSYNC_SUPPLIER_GSTIN"},
	} {
		_, err := LoadConfig(env(tc.env))
		require.ErrorContains(t, err, tc.field, name)
	}
}

// The configured supplier is the one on the invoice.
func TestInvoiceNamesConfiguredSupplier(t *testing.T) {
	t.Parallel()
	sup := billing.Supplier{Party: billing.Party{Name: "Asha Software LLP", Address: "4 FC Road, Pune", StateCode: "27", Country: "IN", GSTIN: "27AAPFU0939F1ZV"},
		Signatory: "Asha Rao"}
	ta := newTestApp(t, func(c *Config) { c.Supplier = sup })
	api := "/api/v1/workspaces/" + ta.sandbox.demoWS
	key := []string{"Authorization", "Bearer " + ta.sandbox.demoKey.Reveal()}
	var order map[string]any
	require.Equal(t, http.StatusCreated, ta.do(t, "POST", api+"/billing/orders", map[string]string{"plan": "starter", "address": "1 Park Street, Kolkata", "state_code": "19"}, &order, key...))
	require.Equal(t, http.StatusOK, ta.do(t, "POST", "/sandbox/pay", map[string]any{"order_id": order["order_id"]}, nil))
	ta.drain(t)
	var invs []billing.TaxInvoice
	require.Equal(t, http.StatusOK, ta.do(t, "GET", api+"/billing/invoices", nil, &invs, key...))
	require.Len(t, invs, 1)
	require.Equal(t, sup.Name, invs[0].Supplier.Name)
	require.Equal(t, sup.GSTIN, invs[0].Supplier.GSTIN)
	require.Equal(t, "Asha Rao", invs[0].AuthorisedSignatory)
}
