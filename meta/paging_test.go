package meta_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/meta"
	"github.com/botsync/botsync/meta/metatest"
)

func addPages(srv *metatest.Server, n int) {
	for i := range n {
		srv.AddPage(metatest.Page{ID: strconv.Itoa(100 + i), Name: fmt.Sprintf("Page %d", i), AccessToken: fmt.Sprintf("PAGE-TOKEN-%d", i), Tasks: []string{"MESSAGING"}})
	}
}

type pageItem struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func TestListOnePage(t *testing.T) {
	t.Parallel()
	srv := metatest.NewServer(t)
	addPages(srv, 5)
	c := srv.Client("user-token")
	page, resp, err := meta.List[pageItem](t.Context(), c, "me/accounts", url.Values{"limit": {"2"}})
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, []pageItem{{"100", "Page 0"}, {"101", "Page 1"}}, page.Data)
	assert.True(t, page.Paging.HasNext())
	assert.NotEmpty(t, page.Paging.Cursors.After)
	assert.NotContains(t, page.Paging.Next, "user-token", "Meta's next link carries the token; Paging strips it")
	next, err := url.Parse(page.Paging.Next)
	require.NoError(t, err)
	assert.False(t, next.Query().Has("access_token"))
	assert.Equal(t, page.Paging.Cursors.After, next.Query().Get("after"))

	page2, _, err := meta.List[pageItem](t.Context(), c, "me/accounts", url.Values{"limit": {"2"}, "after": {page.Paging.Cursors.After}})
	require.NoError(t, err)
	assert.Equal(t, "102", page2.Data[0].ID)
}

func TestAllFollowsCursors(t *testing.T) {
	t.Parallel()
	srv := metatest.NewServer(t)
	addPages(srv, 7)
	c := srv.Client("user-token")
	var ids []string
	for p, err := range meta.All[pageItem](t.Context(), c, "me/accounts", url.Values{"limit": {"3"}}) {
		require.NoError(t, err)
		ids = append(ids, p.ID)
	}
	assert.Equal(t, []string{"100", "101", "102", "103", "104", "105", "106"}, ids)
	assert.Len(t, srv.Requests(), 3)

	// breaking out stops fetching
	srv.ClearRequests()
	for range meta.All[pageItem](t.Context(), c, "me/accounts", url.Values{"limit": {"3"}}) {
		break
	}
	assert.Len(t, srv.Requests(), 1)

	// an empty list is one request and no items
	empty := metatest.NewServer(t)
	n := 0
	for _, err := range meta.All[pageItem](t.Context(), empty.Client("t"), "me/accounts", nil) {
		require.NoError(t, err)
		n++
	}
	assert.Zero(t, n)
}

func TestAllYieldsTheFirstErrorOnce(t *testing.T) {
	t.Parallel()
	srv := metatest.NewServer(t)
	addPages(srv, 4)
	c := srv.Client("user-token")
	var ids []string
	var errs []error
	first := true
	for p, err := range meta.All[pageItem](t.Context(), c, "me/accounts", url.Values{"limit": {"2"}}) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ids = append(ids, p.ID)
		if first {
			first = false
			srv.Fail(metatest.Match("GET", "me/accounts"), metatest.Failure{Status: 400, Code: 190, Subcode: 463})
		}
	}
	assert.Equal(t, []string{"100", "101"}, ids)
	require.Len(t, errs, 1)
	require.ErrorIs(t, errs[0], meta.ErrUnauthorized)
}

func TestAllStopsOnARepeatedCursor(t *testing.T) {
	t.Parallel()
	srv := metatest.NewServer(t)
	srv.Handle("GET /{version}/{id}/loop", func(w http.ResponseWriter, r *http.Request) {
		metatest.WriteJSON(w, 200, json.RawMessage(`{"data":[{"id":"1"}],"paging":{"cursors":{"after":"same"},"next":"https://x/next"}}`))
	})
	var errs []error
	n := 0
	for _, err := range meta.All[pageItem](t.Context(), srv.Client("t"), "123/loop", nil) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		n++
	}
	assert.Equal(t, 2, n)
	require.Len(t, errs, 1)
	assert.Contains(t, errs[0].Error(), "cursor repeated")

	for _, err := range meta.All[pageItem](t.Context(), srv.Client("t"), "123/loop?limit=1", nil) {
		require.ErrorContains(t, err, "query separately")
	}
	_, _, err := meta.List[pageItem](t.Context(), nil, "x", nil)
	require.Error(t, err)
}

func TestPagingStripsCredentials(t *testing.T) {
	t.Parallel()
	var p meta.Paging
	require.NoError(t, json.Unmarshal([]byte(`{"cursors":{"before":"b","after":"a"},
		"next":"https://graph.facebook.com/v24.0/1/feed?access_token=SECRET&appsecret_proof=PROOF&after=a&limit=2",
		"previous":"https://graph.facebook.com/v24.0/1/feed?access_token=SECRET&before=b"}`), &p))
	assert.Equal(t, meta.Cursors{Before: "b", After: "a"}, p.Cursors)
	assert.Equal(t, "https://graph.facebook.com/v24.0/1/feed?after=a&limit=2", p.Next)
	assert.Equal(t, "https://graph.facebook.com/v24.0/1/feed?before=b", p.Previous)
	require.Error(t, json.Unmarshal([]byte(`{"cursors":1}`), &p))
	require.NoError(t, json.Unmarshal([]byte(`{"next":"%zz"}`), &p))
	assert.Equal(t, "[unparseable link]", p.Next)
}

func FuzzPageDecode(f *testing.F) {
	f.Add([]byte(`{"data":[{"id":"1","name":"a"}],"paging":{"cursors":{"before":"b","after":"a"},"next":"https://graph.facebook.com/v24.0/me/accounts?access_token=T&after=a"}}`))
	f.Add([]byte(`{"data":[],"paging":{"next":"::"}}`))
	f.Add([]byte(`{"paging":{"previous":"https://u:p@x/y?appsecret_proof=1"}}`))
	f.Add([]byte(`{"paging":{"next":"https://x/y?access_token=SECRET%zz&after=1#access_token=SECRET"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var p meta.Page[pageItem]
		if err := json.Unmarshal(b, &p); err != nil {
			return
		}
		for _, link := range []string{p.Paging.Next, p.Paging.Previous} {
			u, err := url.Parse(link)
			if err != nil {
				continue
			}
			if u.Query().Has("access_token") || u.Query().Has("appsecret_proof") || u.User != nil || u.Fragment != "" || strings.Contains(u.RawQuery, "SECRET%") {
				t.Fatalf("credentials survived in %q", link)
			}
		}
	})
}
