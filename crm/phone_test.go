package crm_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/crm"
)

func TestNormalizePhone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw, region, want string
	}{
		{"+91 98765 43210", "", "+919876543210"},
		{"098765 43210", "IN", "+919876543210"},
		{"98765-43210", "in", "+919876543210"},
		{"919876543210", "", "+919876543210"}, // a wa_id
		{"(415) 555-2671", "US", "+14155552671"},
		{"+1 415 555 2671", "IN", "+14155552671"},
		// Brazil: the ninth digit is added to mobiles written without it.
		{"+55 11 98765-4321", "", "+5511987654321"},
		{"+55 11 8765-4321", "", "+5511987654321"},
		{"551187654321", "", "+5511987654321"},
		{"(11) 8765-4321", "BR", "+5511987654321"},
		{"+55 11 3333-4444", "", "+551133334444"}, // landline: unchanged
		// Mexico: +52 1 … and +52 … are one number.
		{"+52 1 55 1234 5678", "", "+525512345678"},
		{"+52 55 1234 5678", "", "+525512345678"},
		{"5215512345678", "", "+525512345678"},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			t.Parallel()
			got, err := crm.NormalizePhone(tt.raw, tt.region)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestNormalizePhoneErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw, region, field string
	}{
		{"", "IN", "phone"},
		{"   ", "IN", "phone"},
		{"12", "IN", "phone"},
		{"98765 43210", "", "phone"}, // national without a region
		{"call me", "IN", "phone"},
		{"+91 98765 43210 ext 5", "IN", "phone"},
		{strings.Repeat("9", 100), "IN", "phone"},
		{"+919876543210", "XX", "region"},
	}
	for _, tt := range tests {
		_, err := crm.NormalizePhone(tt.raw, tt.region)
		var ve *crm.ValidationError
		require.ErrorAs(t, err, &ve, tt.raw)
		assert.Equal(t, tt.field, ve.Field)
		assert.ErrorIs(t, err, crm.ErrInvalid)
		if len(tt.raw) > 4 {
			assert.NotContains(t, err.Error(), strings.TrimSpace(tt.raw), "errors never carry the number")
		}
	}
}

func TestNormalizeEmail(t *testing.T) {
	t.Parallel()
	got, err := crm.NormalizeEmail("  Asha.K@Example.CO.in ")
	require.NoError(t, err)
	assert.Equal(t, "asha.k@example.co.in", got)
	for _, bad := range []string{"", "asha", "@example.com", "asha@", "asha@example", "a@b@c.com", "a b@c.com", "asha@.com", "asha@x..com", "a,b@c.com"} {
		_, err := crm.NormalizeEmail(bad)
		var ve *crm.ValidationError
		require.ErrorAs(t, err, &ve, bad)
		assert.Equal(t, "email", ve.Field)
		if bad != "" {
			assert.NotContains(t, err.Error(), bad)
		}
	}
}

func TestNormalizeIdentity(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   crm.Identity
		want crm.Identity
		err  string // field of the validation error
	}{
		{in: crm.WAID("+55 11 87654321"), err: "wa_id"},
		{in: crm.WAID("551187654321"), want: crm.Identity{Kind: crm.KindWAID, Value: "5511987654321"}},
		{in: crm.WAID("abc"), err: "wa_id"},
		{in: crm.Identity{Kind: crm.KindIGSID, Value: " 17841400 "}, want: crm.Identity{Kind: crm.KindIGSID, Value: "17841400"}},
		{in: crm.Identity{Kind: crm.KindPSID, Value: ""}, err: "psid"},
		{in: crm.Identity{Kind: crm.KindBSUID, Value: "a b"}, err: "bsuid"},
		{in: crm.Identity{Kind: crm.KindBSUID, Value: strings.Repeat("x", 200)}, err: "bsuid"},
		{in: crm.Identity{Kind: "fax", Value: "1"}, err: "identity.kind"},
		{in: crm.Email("A@B.CO"), want: crm.Identity{Kind: crm.KindEmail, Value: "a@b.co"}},
		{in: crm.Phone("09876543210"), want: crm.Identity{Kind: crm.KindPhone, Value: "+919876543210"}},
	}
	for _, tt := range tests {
		got, err := crm.NormalizeIdentity(tt.in, "IN")
		if tt.err != "" {
			var ve *crm.ValidationError
			require.ErrorAs(t, err, &ve, tt.in.Kind)
			assert.Equal(t, tt.err, ve.Field)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, tt.want, got)
	}
	assert.True(t, crm.KindPSID.Valid())
	assert.False(t, crm.IdentityKind("fax").Valid())
}

func TestCanonicalValue(t *testing.T) {
	t.Parallel()
	enum := crm.FieldDef{Key: "course", Type: crm.FieldEnum, Options: []string{"MBA", "BBA"}}
	tests := []struct {
		def       crm.FieldDef
		in, want  string
		wantError bool
	}{
		{crm.FieldDef{Key: "n", Type: crm.FieldNumber}, "007.50", "7.5", false},
		{crm.FieldDef{Key: "n", Type: crm.FieldNumber}, "1e20", "", true},
		{crm.FieldDef{Key: "n", Type: crm.FieldNumber}, "NaN", "", true},
		{crm.FieldDef{Key: "d", Type: crm.FieldDate}, "2026-02-28", "2026-02-28", false},
		{crm.FieldDef{Key: "d", Type: crm.FieldDate}, "2026-02-28T23:30:00-05:00", "2026-03-01", false},
		{crm.FieldDef{Key: "d", Type: crm.FieldDate}, "2026-02-30", "", true},
		{crm.FieldDef{Key: "b", Type: crm.FieldBoolean}, "YES", "true", false},
		{crm.FieldDef{Key: "b", Type: crm.FieldBoolean}, "0", "false", false},
		{crm.FieldDef{Key: "b", Type: crm.FieldBoolean}, "maybe", "", true},
		{enum, "bba", "BBA", false},
		{enum, "PhD", "", true},
		{crm.FieldDef{Key: "t", Type: crm.FieldText}, strings.Repeat("x", 3000), "", true},
		{crm.FieldDef{Key: "t", Type: crm.FieldText}, "", "", false},
		{crm.FieldDef{Key: "t", Type: "money"}, "1", "", true},
	}
	for _, tt := range tests {
		got, err := crm.CanonicalValue(tt.def, tt.in)
		if tt.wantError {
			var ve *crm.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, "custom."+tt.def.Key, ve.Field)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, tt.want, got)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	ie := &crm.ImportError{Rows: []*crm.RowError{
		{Row: 2, Err: &crm.ValidationError{Field: "phone", Reason: "not a valid phone number"}},
		{Row: 5, Err: crm.ErrConflict},
	}}
	assert.Equal(t, "crm: import rejected: row 2: crm: invalid phone: not a valid phone number (and 1 more bad rows)", ie.Error())
	assert.ErrorIs(t, ie, crm.ErrInvalid)
	assert.ErrorIs(t, ie, crm.ErrConflict)
	assert.False(t, errors.Is(ie, crm.ErrNotFound))
	ice := &crm.IdentityConflictError{Identities: []crm.Identity{crm.Phone("+919876543210")}}
	assert.ErrorIs(t, ice, crm.ErrConflict)
	assert.NotContains(t, ice.Error(), "9876543210")
}

func TestMessageStatusAdvance(t *testing.T) {
	t.Parallel()
	assert.True(t, crm.MessagePending.Advance(crm.MessageSent))
	assert.True(t, crm.MessageSent.Advance(crm.MessageRead))
	assert.False(t, crm.MessageRead.Advance(crm.MessageDelivered))
	assert.True(t, crm.MessageDelivered.Advance(crm.MessageFailed))
	assert.False(t, crm.MessageFailed.Advance(crm.MessageRead))
	assert.False(t, crm.MessageReceived.Advance(crm.MessageRead))
	assert.Zero(t, crm.MessageStatus("bogus").Rank())
}

func TestMemCalendar(t *testing.T) {
	t.Parallel()
	var cal crm.MemCalendar
	ctx := t.Context()
	base := mustTime(t, "2026-03-01T10:00:00Z")
	id, err := cal.Create(ctx, crm.Interval{Start: base, End: base.Add(hour)}, "a")
	require.NoError(t, err)
	_, err = cal.Create(ctx, crm.Interval{Start: base.Add(hour / 2), End: base.Add(2 * hour)}, "b")
	assert.ErrorIs(t, err, crm.ErrSlotTaken)
	_, err = cal.Create(ctx, crm.Interval{Start: base.Add(hour), End: base.Add(2 * hour)}, "adjacent")
	require.NoError(t, err, "touching intervals do not overlap")
	busy, err := cal.FreeBusy(ctx, base, base.Add(3*hour))
	require.NoError(t, err)
	assert.Len(t, busy, 2)
	assert.True(t, busy[0].Start.Equal(base))
	require.NoError(t, cal.Cancel(ctx, id))
	assert.ErrorIs(t, cal.Cancel(ctx, id), crm.ErrNotFound)
}

func TestPhoneVariants(t *testing.T) {
	t.Parallel()
	assert.Equal(t, []string{"+5511987654321", "+551187654321"}, crm.PhoneVariants("+5511987654321"))
	assert.Equal(t, []string{"+551133334444"}, crm.PhoneVariants("+551133334444"))
	assert.Equal(t, []string{"+525512345678", "+5215512345678"}, crm.PhoneVariants("+525512345678"))
	assert.Equal(t, []string{"+919876543210"}, crm.PhoneVariants("+919876543210"))
	// Every variant normalises back to the canonical number.
	for _, canon := range []string{"+5511987654321", "+525512345678"} {
		for _, v := range crm.PhoneVariants(canon) {
			got, err := crm.NormalizePhone(v, "")
			require.NoError(t, err)
			assert.Equal(t, canon, got)
		}
	}
}
