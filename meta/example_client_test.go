package meta_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"time"

	"github.com/botsync/botsync/meta"
	"github.com/botsync/botsync/secret"
)

// fakeGraph stands in for graph.facebook.com in the examples.
func fakeGraph() *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v24.0/me", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-App-Usage", `{"call_count":12,"total_cputime":3,"total_time":4}`)
		fmt.Fprint(w, `{"id":"10001","name":"Asha"}`)
	})
	mux.HandleFunc("GET /v24.0/me/accounts", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("after") == "" {
			fmt.Fprint(w, `{"data":[{"id":"1","name":"Bakery"},{"id":"2","name":"Books"}],
				"paging":{"cursors":{"after":"c2"},"next":"https://graph.facebook.com/v24.0/me/accounts?after=c2"}}`)
			return
		}
		fmt.Fprint(w, `{"data":[{"id":"3","name":"Cafe"}],"paging":{"cursors":{"before":"c3","after":"c3"}}}`)
	})
	mux.HandleFunc("GET /v24.0/expired", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error":{"message":"Error validating access token: Session has expired.","type":"OAuthException","code":190,"error_subcode":463,"fbtrace_id":"Ax1"}}`)
	})
	return httptest.NewServer(mux)
}

func ExampleNewClient() {
	graph := fakeGraph()
	defer graph.Close()

	c, err := meta.NewClient(secret.New("EAAG..."),
		meta.WithAppSecret(secret.New("app-secret")), // adds appsecret_proof to every call
		meta.WithBaseURL(graph.URL),                  // omit in production
	)
	if err != nil {
		log.Fatal(err)
	}
	var me struct{ ID, Name string }
	resp, err := c.Get(context.Background(), "me", url.Values{"fields": {"id,name"}}, &me)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(me.ID, me.Name)
	fmt.Println("app usage:", resp.Usage.App.CallCount, "%")
	// Output:
	// 10001 Asha
	// app usage: 12 %
}

func ExampleAll() {
	graph := fakeGraph()
	defer graph.Close()
	c, err := meta.NewClient(secret.New("EAAG..."), meta.WithBaseURL(graph.URL))
	if err != nil {
		log.Fatal(err)
	}
	type page struct{ ID, Name string }
	for p, err := range meta.All[page](context.Background(), c, "me/accounts", url.Values{"fields": {"id,name"}}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(p.ID, p.Name)
	}
	// Output:
	// 1 Bakery
	// 2 Books
	// 3 Cafe
}

func ExampleError() {
	graph := fakeGraph()
	defer graph.Close()
	c, err := meta.NewClient(secret.New("EAAG..."), meta.WithBaseURL(graph.URL))
	if err != nil {
		log.Fatal(err)
	}
	_, err = c.Get(context.Background(), "expired", nil, nil)
	var me *meta.Error
	switch {
	case errors.Is(err, meta.ErrUnauthorized) && errors.As(err, &me):
		fmt.Println("reconnect the account:", me.Code, me.Subcode)
	case errors.Is(err, meta.ErrRateLimited):
		fmt.Println("try later")
	}
	fmt.Println(err)
	// Output:
	// reconnect the account: 190 463
	// meta: GET expired: (#190/463) Error validating access token: Session has expired. (HTTP 401, OAuthException, fbtrace_id Ax1)
}

func ExampleNewGovernor() {
	g, err := meta.NewGovernor(
		meta.GovernorThreshold(80),
		meta.GovernorBudget("PHONE_NUMBER_ID", meta.BudgetWhatsAppThroughput),
	)
	if err != nil {
		log.Fatal(err)
	}
	// the client feeds every response's usage headers to the governor:
	g.Observe("PHONE_NUMBER_ID", meta.Usage{App: &meta.AppUsage{CallCount: 90}})
	fmt.Println(g.Delay("PHONE_NUMBER_ID"))
	// share it between all clients of the app:
	_, err = meta.NewClient(secret.New("EAAG..."), meta.WithGovernor(g))
	fmt.Println(err)
	// Output:
	// 5s
	// <nil>
}

func ExampleRefreshDue() {
	issued := time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)
	expires := issued.Add(60 * 24 * time.Hour)
	now := issued.Add(55 * 24 * time.Hour)
	r := meta.RefreshDue(issued, expires, now, meta.InstagramRefreshPolicy)
	fmt.Println(r.Due, r.At.Format(time.DateOnly))
	// Output: true 2026-02-20
}
