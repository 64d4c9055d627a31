// Command send-whatsapp sends a WhatsApp text message.
//
//	go run ./examples/send-whatsapp                       # against the in-process fake Cloud API
//	WHATSAPP_TOKEN=… PHONE_NUMBER_ID=… TO=+91… go run ./examples/send-whatsapp
package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/botsync/botsync/internal/fakerun"
	"github.com/botsync/botsync/meta"
	"github.com/botsync/botsync/secret"
	"github.com/botsync/botsync/whatsapp"
	"github.com/botsync/botsync/whatsapp/whatsapptest"
)

func main() {
	if err := run(context.Background(), os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "send-whatsapp:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, getenv func(string) string, out io.Writer) error {
	token, phoneID, to := getenv("WHATSAPP_TOKEN"), getenv("PHONE_NUMBER_ID"), getenv("TO")
	var wa *whatsapp.Client
	if token == "" {
		tb := fakerun.New(nil)
		defer tb.Close()
		fake := whatsapptest.New(tb)
		wa, phoneID, to = fake.WhatsApp("fake-token"), whatsapptest.PhoneNumberID, "+919876543210"
		fmt.Fprintln(out, "no WHATSAPP_TOKEN: sending to the in-process fake Cloud API")
	} else {
		mc, err := meta.NewClient(secret.New(token))
		if err != nil {
			return err
		}
		if wa, err = whatsapp.NewClient(mc); err != nil {
			return err
		}
	}
	res, err := wa.Messages.SendText(ctx, phoneID, whatsapp.Phone(to), "Hello from BotSync 👋")
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "sent:", res.MessageID != "", "category:", res.Category)
	return nil
}
