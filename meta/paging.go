package meta

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"strings"
)

// Cursors are the before/after cursors of a Graph page.
type Cursors struct {
	Before string `json:"before,omitempty"`
	After  string `json:"after,omitempty"`
}

// Paging is the paging object of a Graph list. Next and Previous are the
// links Meta returns, with any access_token and appsecret_proof removed (Meta
// embeds the caller's token in them).
type Paging struct {
	Cursors  Cursors `json:"cursors"`
	Next     string  `json:"next,omitempty"`
	Previous string  `json:"previous,omitempty"`
}

// UnmarshalJSON decodes a paging object and strips credentials from its
// links.
func (p *Paging) UnmarshalJSON(b []byte) error {
	type plain Paging
	var w plain
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	w.Next, w.Previous = stripCredentials(w.Next), stripCredentials(w.Previous)
	*p = Paging(w)
	return nil
}

func stripCredentials(link string) string {
	if link == "" {
		return ""
	}
	u, err := url.Parse(link)
	if err != nil {
		return "[unparseable link]"
	}
	// Re-encoding drops malformed pairs too, so a token hidden behind a bad
	// escape cannot survive.
	q := u.Query()
	q.Del("access_token")
	q.Del("appsecret_proof")
	q.Del("client_secret")
	u.RawQuery = q.Encode()
	u.User, u.Fragment, u.RawFragment = nil, "", ""
	return u.String()
}

// HasNext reports whether another page follows.
func (p Paging) HasNext() bool { return p.Next != "" && p.Cursors.After != "" }

// Page is one page of a Graph list.
type Page[T any] struct {
	Data   []T    `json:"data"`
	Paging Paging `json:"paging"`
}

// List fetches one page of the list at path. Pass the cursor of the previous
// page as query "after" to move on, or use [All].
func List[T any](ctx context.Context, c *Client, path string, query url.Values) (*Page[T], *Response, error) {
	if c == nil {
		return nil, nil, errors.New("meta: list: nil client")
	}
	var p Page[T]
	resp, err := c.Get(ctx, path, query, &p)
	if err != nil {
		return nil, resp, err
	}
	return &p, resp, nil
}

// maxPages bounds All against a server that never stops paging.
const maxPages = 100000

// All iterates over every item of the list at path, following the "after"
// cursor until Meta returns no next page. The first error is yielded once
// and ends the iteration; so does breaking out of the loop.
func All[T any](ctx context.Context, c *Client, path string, query url.Values) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		if strings.Contains(path, "?") {
			yield(zero, errors.New("meta: all: pass the query separately from the path"))
			return
		}
		q := url.Values{}
		for k, v := range query {
			q[k] = append([]string(nil), v...)
		}
		seen := map[string]bool{}
		for range maxPages {
			page, _, err := List[T](ctx, c, path, q)
			if err != nil {
				yield(zero, err)
				return
			}
			for _, item := range page.Data {
				if !yield(item, nil) {
					return
				}
			}
			after := page.Paging.Cursors.After
			if !page.Paging.HasNext() || len(page.Data) == 0 {
				return
			}
			if seen[after] {
				yield(zero, fmt.Errorf("meta: all %s: cursor repeated; stopping", path))
				return
			}
			seen[after] = true
			q.Set("after", after)
		}
		yield(zero, fmt.Errorf("meta: all %s: more than %d pages", path, maxPages))
	}
}
