package instagram

import (
	"context"
	"fmt"
	"iter"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/botsync/botsync/meta"
)

// MediaComment is a comment as the comments edge lists it.
type MediaComment struct {
	ID       string `json:"id"`
	Text     string `json:"text"`
	Username string `json:"username"`
	// From is the commenter (id and username).
	From *User `json:"from,omitempty"`
	// Timestamp is the comment's creation time (ISO 8601 as Meta sends it).
	Timestamp string `json:"timestamp"`
	LikeCount int    `json:"like_count"`
	Hidden    bool   `json:"hidden"`
	ParentID  string `json:"parent_id,omitempty"`
}

// CreatedAt parses Timestamp (Meta's "2006-01-02T15:04:05-0700" or RFC
// 3339); it returns the zero time when absent or unparseable.
func (m *MediaComment) CreatedAt() time.Time {
	for _, layout := range []string{"2006-01-02T15:04:05-0700", time.RFC3339} {
		if t, err := time.Parse(layout, m.Timestamp); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// DefaultCommentFields are the fields ListComments asks for.
const DefaultCommentFields = "id,text,username,from,timestamp,like_count,hidden,parent_id"

// commentQuery builds the query for the comments edge.
func commentQuery(fields string, limit int) url.Values {
	if fields == "" {
		fields = DefaultCommentFields
	}
	q := url.Values{"fields": {fields}}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	return q
}

// ListOptions selects a page of comments: Fields (default
// [DefaultCommentFields]), Limit per page, and After, the cursor of the
// previous page.
type ListOptions struct {
	Fields string
	Limit  int
	After  string
}

// ListComments returns one page of the comments on a media item (Instagram)
// or post (Messenger's Page).
func (c *Client) ListComments(ctx context.Context, mediaID string, opt ListOptions) (*meta.Page[MediaComment], error) {
	if err := validID("media id", mediaID); err != nil {
		return nil, err
	}
	if opt.Limit < 0 {
		return nil, invalid("limit", "must not be negative")
	}
	q := commentQuery(opt.Fields, opt.Limit)
	if opt.After != "" {
		q.Set("after", opt.After)
	}
	p, _, err := meta.List[MediaComment](c.keyed(ctx), c.mc, mediaID+"/comments", q)
	if err != nil {
		return nil, fmt.Errorf("instagram: list comments: %w", err)
	}
	return p, nil
}

// AllComments iterates over every comment on a media item, following the
// cursors. The first error ends the iteration.
func (c *Client) AllComments(ctx context.Context, mediaID string, opt ListOptions) iter.Seq2[MediaComment, error] {
	return func(yield func(MediaComment, error) bool) {
		if err := validID("media id", mediaID); err != nil {
			yield(MediaComment{}, err)
			return
		}
		q := commentQuery(opt.Fields, opt.Limit)
		if opt.After != "" {
			q.Set("after", opt.After)
		}
		for m, err := range meta.All[MediaComment](c.keyed(ctx), c.mc, mediaID+"/comments", q) {
			if err != nil {
				err = fmt.Errorf("instagram: list comments: %w", err)
			}
			if !yield(m, err) || err != nil {
				return
			}
		}
	}
}

// PublicReply answers a comment publicly with text and returns the new
// comment's id: /{comment-id}/replies on Instagram, /{comment-id}/comments
// on a Facebook Page (Messenger stack). It is not limited by the messaging
// windows.
func (c *Client) PublicReply(ctx context.Context, commentID, text string) (string, error) {
	if err := validID("comment id", commentID); err != nil {
		return "", err
	}
	if strings.TrimSpace(text) == "" {
		return "", invalid("message", "blank")
	}
	if len(text) > 8000 {
		return "", invalid("message", "longer than 8000 bytes")
	}
	edge := "/replies"
	if c.stack == Messenger {
		edge = "/comments"
	}
	var out struct {
		ID string `json:"id"`
	}
	if _, err := c.mc.Post(c.keyed(ctx), commentID+edge, map[string]string{"message": text}, &out); err != nil {
		return "", fmt.Errorf("instagram: public reply: %w", err)
	}
	return out.ID, nil
}

// HideComment hides (hide true) or unhides a comment: "hide" on Instagram,
// "is_hidden" on a Facebook Page.
func (c *Client) HideComment(ctx context.Context, commentID string, hide bool) error {
	if err := validID("comment id", commentID); err != nil {
		return err
	}
	key := "hide"
	if c.stack == Messenger {
		key = "is_hidden"
	}
	if _, err := c.mc.Post(meta.WithIdempotent(c.keyed(ctx)), commentID, map[string]bool{key: hide}, nil); err != nil {
		return fmt.Errorf("instagram: hide comment: %w", err)
	}
	return nil
}

// DeleteComment deletes a comment.
func (c *Client) DeleteComment(ctx context.Context, commentID string) error {
	if err := validID("comment id", commentID); err != nil {
		return err
	}
	if _, err := c.mc.Delete(c.keyed(ctx), commentID, nil); err != nil {
		return fmt.Errorf("instagram: delete comment: %w", err)
	}
	return nil
}
