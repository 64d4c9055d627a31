package instagram_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/instagram"
	"github.com/botsync/botsync/instagram/instagramtest"
)

func TestHandover(t *testing.T) {
	t.Parallel()
	for _, stack := range []instagram.Stack{instagram.FacebookLogin, instagram.Messenger} {
		t.Run(stack.String(), func(t *testing.T) {
			t.Parallel()
			f := instagramtest.New(t)
			c := f.Client(t, stack, pageID)
			require.NoError(t, c.PassThreadControl(t.Context(), psid, "263902037430900", "needs a human"))
			golden(t, stack.String()+"/pass_thread_control", lastRequest(t, f.FB))
			assert.Equal(t, "263902037430900", f.ThreadOwner(psid))
			require.NoError(t, c.TakeThreadControl(t.Context(), psid, "bot resumes"))
			assert.Equal(t, "self", f.ThreadOwner(psid))
			require.NoError(t, c.RequestThreadControl(t.Context(), psid, ""))
			require.ErrorIs(t, c.PassThreadControl(t.Context(), psid, "", ""), instagram.ErrInvalid)
			require.ErrorIs(t, c.TakeThreadControl(t.Context(), "", ""), instagram.ErrInvalid)
		})
	}
	f := instagramtest.New(t)
	c := f.Client(t, instagram.InstagramLogin, igAccount)
	require.ErrorIs(t, c.TakeThreadControl(t.Context(), igUser, ""), instagram.ErrUnsupported)
	assert.Empty(t, f.IG.Requests())
}
