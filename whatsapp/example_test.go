package whatsapp_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/botsync/botsync/meta"
	"github.com/botsync/botsync/meta/metatest"
	"github.com/botsync/botsync/secret"
	"github.com/botsync/botsync/whatsapp"
)

// cloudAPI stands in for graph.facebook.com: it accepts every message.
func cloudAPI() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		fmt.Println(r.Method, r.URL.Path)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"messaging_product":"whatsapp","contacts":[{"input":"+919876543210","wa_id":"919876543210"}],"messages":[{"id":"wamid.HBgMOTE5ODc2NTQzMjEwFQIAERgSQUE="}]}`)
	}))
}

func Example_sendText() {
	srv := cloudAPI()
	defer srv.Close()
	ctx := context.Background()

	api, _ := meta.NewClient(secret.New("access-token"), meta.WithBaseURL(srv.URL), meta.WithVersion("v24.0"))
	wa, _ := whatsapp.NewClient(api)
	res, err := wa.Messages.Send(ctx, "106540352242922", whatsapp.Message{
		To:      whatsapp.Phone("+91 98765 43210"),
		Content: whatsapp.Text{Body: "Your demo class starts at 7 am"},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.MessageID)

	// Bad input never reaches the API.
	_, err = wa.Messages.SendText(ctx, "106540352242922", whatsapp.Phone("12345"), "hi")
	fmt.Println(err, errors.Is(err, whatsapp.ErrInvalid))
	// Output:
	// POST /v24.0/106540352242922/messages
	// wamid.HBgMOTE5ODc2NTQzMjEwFQIAERgSQUE=
	// whatsapp: to: not an E.164 phone number (want + country code and 7–15 digits) true
}

func Example_sendTemplate() {
	srv := cloudAPI()
	defer srv.Close()
	api, _ := meta.NewClient(secret.New("access-token"), meta.WithBaseURL(srv.URL), meta.WithVersion("v24.0"))

	// The catalog is normally filled by wa.Templates.Sync and webhooks.
	catalog := whatsapp.NewCatalog()
	catalog.Learn(whatsapp.TemplateDefinition{
		Name: "fee_reminder", Language: "en_US", Category: whatsapp.CategoryMarketing,
		Components: []whatsapp.TemplateComponent{{Type: "BODY", Text: "Hi {{1}}, {{2}} is due on {{3}}."}},
	})
	wa, _ := whatsapp.NewClient(api, whatsapp.WithCatalog(catalog))
	res, err := wa.Messages.SendTemplate(context.Background(), "106540352242922", whatsapp.Phone("+919876543210"), whatsapp.Template{
		Name: "fee_reminder", Language: "en_US",
		Body: []whatsapp.Param{
			whatsapp.TextParam("Asha"),
			whatsapp.CurrencyParam("₹1,500", "INR", 1_500_000),
			whatsapp.DateTimeParam("1 December"),
		},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Endpoint, res.Category)

	// A parameter the template does not have is caught before the call.
	_, err = wa.Messages.SendTemplate(context.Background(), "106540352242922", whatsapp.Phone("+919876543210"), whatsapp.Template{
		Name: "fee_reminder", Language: "en_US", Body: []whatsapp.Param{whatsapp.TextParam("Asha")},
	})
	fmt.Println(err)
	// Output:
	// POST /v24.0/106540352242922/marketing_messages
	// marketing_messages MARKETING
	// whatsapp: template.components[body].parameters: template "fee_reminder" has 3 parameters, got 1
}

func Example_statusWebhook() {
	tracker := whatsapp.NewStatusTracker(nil, 0)
	// The send returned this id; statuses may come before or after, in any order.
	ctx := context.Background()
	_, _ = tracker.Track(ctx, "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3NjI0NUZBMDI3RkRFMEQwNjIA", "106540352242922", "16505551234", "")

	h, _ := meta.NewWebhookHandler(
		meta.WebhookSinkFunc(func(_ context.Context, d meta.Delivery) error {
			events, err := whatsapp.Decode(d.Body)
			if err != nil {
				return err
			}
			updates, err := whatsapp.ApplyStatuses(ctx, tracker, events)
			if err != nil {
				return err
			}
			for _, u := range updates {
				fmt.Println(u.Outcome, u.To)
			}
			return nil
		}),
		meta.WithAppSecrets(secret.New("app-secret")),
	)
	srv := httptest.NewServer(h)
	defer srv.Close()

	for _, name := range []string{"status_read.json", "status_delivered.json", "status_sent.json", "status_read.json"} {
		req := metatest.NewWebhookRequest(srv.URL, []byte("app-secret"), metatest.Fixture("whatsapp/"+name))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
	}
	d, _, _ := tracker.Get(ctx, "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3NjI0NUZBMDI3RkRFMEQwNjIA")
	fmt.Println(d.State, d.Pricing.Category)
	// Output:
	// advanced read
	// recorded read
	// recorded read
	// duplicate read
	// read marketing
}
