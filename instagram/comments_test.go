package instagram_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/instagram"
	"github.com/botsync/botsync/instagram/instagramtest"
	"github.com/botsync/botsync/meta"
	"github.com/botsync/botsync/meta/metatest"
)

const mediaID = "18068133556012345"

func seedComments(f *instagramtest.Fake, n int) {
	for i := range n {
		f.AddComments(mediaID, instagramtest.Comment{ID: fmt.Sprintf("1786579934801%04d", i), Text: fmt.Sprintf("comment %d", i), Username: "u", Timestamp: "2026-06-01T10:00:00+0000"})
	}
}

func TestListComments(t *testing.T) {
	t.Parallel()
	f := instagramtest.New(t)
	seedComments(f, 5)
	c := f.Client(t, instagram.InstagramLogin, igAccount)
	p, err := c.ListComments(t.Context(), mediaID, instagram.ListOptions{Limit: 2})
	require.NoError(t, err)
	require.Len(t, p.Data, 2)
	assert.Equal(t, "comment 0", p.Data[0].Text)
	assert.Nil(t, p.Data[0].From)
	assert.Equal(t, time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC), p.Data[0].CreatedAt())
	require.True(t, p.Paging.HasNext())
	p2, err := c.ListComments(t.Context(), mediaID, instagram.ListOptions{Limit: 2, After: p.Paging.Cursors.After})
	require.NoError(t, err)
	assert.Equal(t, "comment 2", p2.Data[0].Text)
	r := lastRequest(t, f.IG)
	assert.Equal(t, "/v24.0/"+mediaID+"/comments", r.Path)
	assert.Equal(t, instagram.DefaultCommentFields, r.Query.Get("fields"))

	_, err = c.ListComments(t.Context(), "a/b", instagram.ListOptions{})
	require.ErrorIs(t, err, instagram.ErrInvalid)
}

func TestAllComments(t *testing.T) {
	t.Parallel()
	f := instagramtest.New(t)
	seedComments(f, 7)
	c := f.Client(t, instagram.InstagramLogin, igAccount)
	var ids []string
	for m, err := range c.AllComments(t.Context(), mediaID, instagram.ListOptions{Limit: 3}) {
		require.NoError(t, err)
		ids = append(ids, m.ID)
	}
	assert.Len(t, ids, 7)
	assert.Len(t, f.IG.Requests(), 3, "three pages of 3, 3, 1")

	// Breaking early stops paging.
	f.IG.ClearRequests()
	for range c.AllComments(t.Context(), mediaID, instagram.ListOptions{Limit: 3}) {
		break
	}
	assert.Len(t, f.IG.Requests(), 1)

	// An error is yielded once and ends the iteration.
	f.IG.Fail(metatest.Match("GET", mediaID+"/comments"), metatest.Failure{Code: 10, Message: "no permission"})
	n := 0
	for _, err := range c.AllComments(t.Context(), mediaID, instagram.ListOptions{}) {
		n++
		require.ErrorIs(t, err, meta.ErrPermission)
	}
	assert.Equal(t, 1, n)
}

func TestPublicReplyHideDelete(t *testing.T) {
	t.Parallel()
	for _, stack := range []instagram.Stack{instagram.InstagramLogin, instagram.FacebookLogin, instagram.Messenger} {
		t.Run(stack.String(), func(t *testing.T) {
			t.Parallel()
			f := instagramtest.New(t)
			c := f.Client(t, stack, accountFor(stack))
			id, err := c.PublicReply(t.Context(), "17865799348012345", "Check your DMs! 📩")
			require.NoError(t, err)
			assert.NotEmpty(t, id)
			golden(t, stack.String()+"/public_reply", lastRequest(t, f.Server(stack)))
			require.NoError(t, c.HideComment(t.Context(), "17865799348012345", true))
			golden(t, stack.String()+"/hide_comment", lastRequest(t, f.Server(stack)))
			assert.True(t, f.Hidden("17865799348012345"))
			require.NoError(t, c.HideComment(t.Context(), "17865799348012345", false))
			assert.False(t, f.Hidden("17865799348012345"))
			require.NoError(t, c.DeleteComment(t.Context(), "17865799348012345"))
			assert.True(t, f.Deleted("17865799348012345"))
			r := lastRequest(t, f.Server(stack))
			assert.Equal(t, "DELETE", r.Method)

			replies := f.PublicReplies()
			require.Len(t, replies, 1)
			assert.Equal(t, "Check your DMs! 📩", replies[0].Message)

			_, err = c.PublicReply(t.Context(), "17865799348012345", " ")
			require.ErrorIs(t, err, instagram.ErrInvalid)
			require.ErrorIs(t, c.HideComment(t.Context(), "", true), instagram.ErrInvalid)
			require.ErrorIs(t, c.DeleteComment(t.Context(), "x?y"), instagram.ErrInvalid)
		})
	}
}
