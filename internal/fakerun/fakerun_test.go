package fakerun_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/internal/fakerun"
	"github.com/botsync/botsync/whatsapp"
	"github.com/botsync/botsync/whatsapp/whatsapptest"
)

func TestRunsAFakeAndCleansUp(t *testing.T) {
	t.Parallel()
	tb := fakerun.New(nil)
	fake := whatsapptest.New(tb)
	res, err := fake.WhatsApp("token").Messages.SendText(context.Background(), whatsapptest.PhoneNumberID, whatsapp.Phone("+919876543210"), "hi")
	require.NoError(t, err)
	require.NotEmpty(t, res.MessageID)
	require.False(t, tb.Failed())
	tb.Close()
	_, err = fake.WhatsApp("token").Messages.SendText(context.Background(), whatsapptest.PhoneNumberID, whatsapp.Phone("+919876543210"), "hi")
	require.Error(t, err, "the fake's server stopped")
	tb.Errorf("boom %d", 1)
	require.True(t, tb.Failed())
	require.Panics(t, func() { tb.Fatalf("fatal") })
	require.Equal(t, "fakerun", tb.Name())
}

func Example() {
	tb := fakerun.New(nil)
	defer tb.Close()
	fake := whatsapptest.New(tb)
	_, err := fake.WhatsApp("token").Messages.SendText(context.Background(), whatsapptest.PhoneNumberID, whatsapp.Phone("+919876543210"), "Hello")
	fmt.Println(err == nil, len(fake.Sent()))
	// Output: true 1
}
