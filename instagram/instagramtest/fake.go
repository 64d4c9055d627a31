// Package instagramtest is a fake of the Instagram (both logins) and
// Messenger Graph endpoints, built on [metatest.Server]: one server plays
// graph.instagram.com and one graph.facebook.com. The real
// [instagram.Client] talks to it over HTTP. It validates what Meta
// validates (recipient, message shape and limits, one private reply per
// comment), records every send, serves comments, profiles, conversation
// settings, subscriptions and insights from seeded data, and scripts
// failures through the underlying servers' Fail.
//
//	f := instagramtest.New(t)
//	c := f.Client(t, instagram.InstagramLogin, "17841400000000001")
//	_, err := c.SendText(ctx, instagram.Thread{UserID: "123", LastUserMessage: now}, "hi")
//	sent := f.Sent() // what reached the fake
package instagramtest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/botsync/botsync/instagram"
	"github.com/botsync/botsync/meta"
	"github.com/botsync/botsync/meta/metatest"
)

// Host names a fake host.
type Host string

// The two hosts.
const (
	HostInstagram Host = "graph.instagram.com"
	HostFacebook  Host = "graph.facebook.com"
)

// DefaultToken is the access token [Fake.Client] uses.
const DefaultToken = "instagramtest-token"

// Meta's error for a second private reply to one comment.
const (
	CodePrivateReplyUsed = 10900
	// CodeNoConsent is the error code of a profile request for a user who
	// has not messaged the account.
	CodeNoConsent = 230
)

// Fake is the fake Graph API for Instagram and Messenger. Safe for
// concurrent use; closed when the test ends.
type Fake struct {
	// IG plays graph.instagram.com (Instagram Login).
	IG *metatest.Server
	// FB plays graph.facebook.com (Facebook Login and Messenger).
	FB *metatest.Server

	mu        sync.Mutex
	sent      []Sent
	replied   map[string]bool
	comments  map[string][]Comment
	replies   []PublicReply
	hidden    map[string]bool
	deleted   map[string]bool
	profiles  map[string]json.RawMessage
	settings  map[string]map[string]json.RawMessage
	subscribe map[string][]string
	insights  map[string]json.RawMessage
	owners    map[string]string
}

// Sent is one accepted call to /{account}/messages.
type Sent struct {
	Host      Host
	AccountID string
	// RecipientID or CommentID is set (a private reply has CommentID).
	RecipientID  string
	CommentID    string
	SenderAction string
	// MessageID is the mid the fake minted ("" for sender actions).
	MessageID string
	// Body is the raw JSON body.
	Body json.RawMessage
	// Message is the decoded "message" object, when present.
	Message *SentMessage
}

// SentMessage is the "message" object of a send.
type SentMessage struct {
	Text         string            `json:"text"`
	Metadata     string            `json:"metadata"`
	Attachment   json.RawMessage   `json:"attachment"`
	QuickReplies []json.RawMessage `json:"quick_replies"`
}

// Comment is a seeded comment, as the comments edge returns it.
type Comment struct {
	ID        string `json:"id"`
	Text      string `json:"text"`
	Username  string `json:"username,omitempty"`
	From      *User  `json:"from,omitempty"`
	Timestamp string `json:"timestamp,omitempty"`
	LikeCount int    `json:"like_count"`
	Hidden    bool   `json:"hidden"`
	ParentID  string `json:"parent_id,omitempty"`
}

// User is the from object of a comment.
type User struct {
	ID       string `json:"id"`
	Username string `json:"username,omitempty"`
}

// PublicReply is one accepted public reply to a comment.
type PublicReply struct {
	Host      Host
	CommentID string
	ReplyID   string
	Message   string
}

// New starts both fake hosts.
func New(tb testing.TB) *Fake {
	tb.Helper()
	f := &Fake{
		IG: metatest.NewServer(tb), FB: metatest.NewServer(tb),
		replied: map[string]bool{}, comments: map[string][]Comment{}, hidden: map[string]bool{},
		deleted: map[string]bool{}, profiles: map[string]json.RawMessage{},
		settings: map[string]map[string]json.RawMessage{}, subscribe: map[string][]string{},
		insights: map[string]json.RawMessage{}, owners: map[string]string{},
	}
	f.routes(f.IG, HostInstagram)
	f.routes(f.FB, HostFacebook)
	return f
}

// Server returns the fake host a stack calls.
func (f *Fake) Server(stack instagram.Stack) *metatest.Server {
	if stack == instagram.InstagramLogin {
		return f.IG
	}
	return f.FB
}

// Client returns an [instagram.Client] for accountID on stack, talking to
// the right fake host with [DefaultToken] and fast retries.
func (f *Fake) Client(tb testing.TB, stack instagram.Stack, accountID string, opts ...instagram.Option) *instagram.Client {
	tb.Helper()
	return f.ClientWithMeta(tb, stack, accountID, nil, opts...)
}

// ClientWithMeta is [Fake.Client] with extra meta options (a clock, a
// governor…).
func (f *Fake) ClientWithMeta(tb testing.TB, stack instagram.Stack, accountID string, metaOpts []meta.Option, opts ...instagram.Option) *instagram.Client {
	tb.Helper()
	c, err := instagram.NewClient(f.Server(stack).Client(DefaultToken, metaOpts...), stack, accountID, opts...)
	if err != nil {
		tb.Fatalf("instagramtest: new client: %v", err)
	}
	return c
}

// Sent returns every accepted send, in order.
func (f *Fake) Sent() []Sent {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.sent)
}

// PublicReplies returns every accepted public reply, in order.
func (f *Fake) PublicReplies() []PublicReply {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.replies)
}

// AddComments seeds comments on a media item (or Facebook post).
func (f *Fake) AddComments(mediaID string, cs ...Comment) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.comments[mediaID] = append(f.comments[mediaID], cs...)
}

// Hidden reports whether a comment was hidden through the API.
func (f *Fake) Hidden(commentID string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hidden[commentID]
}

// Deleted reports whether a comment was deleted through the API.
func (f *Fake) Deleted(commentID string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.deleted[commentID]
}

func (f *Fake) routes(s *metatest.Server, host Host) {
	s.Handle("POST /{version}/{id}/messages", func(w http.ResponseWriter, r *http.Request) { f.messages(w, r, s, host) })
	s.Handle("POST /{version}/{id}/message_attachments", func(w http.ResponseWriter, r *http.Request) { f.upload(w, r, s, host) })
	for _, action := range []string{"pass_thread_control", "take_thread_control", "request_thread_control"} {
		s.Handle("POST /{version}/{id}/"+action, func(w http.ResponseWriter, r *http.Request) { f.handover(w, r, action) })
	}
	s.Handle("POST /{version}/{id}/replies", func(w http.ResponseWriter, r *http.Request) { f.publicReply(w, r, s, host) })
	s.Handle("POST /{version}/{id}/comments", func(w http.ResponseWriter, r *http.Request) { f.publicReply(w, r, s, host) })
	s.Handle("GET /{version}/{id}/comments", f.listComments)
	s.Handle("POST /{version}/{id}", func(w http.ResponseWriter, r *http.Request) { f.updateComment(w, r, host) })
	s.Handle("DELETE /{version}/{id}", f.deleteComment)
	f.accountRoutes(s, host)
}

func badRequest(w http.ResponseWriter, msg string) {
	metatest.WriteError(w, http.StatusBadRequest, 100, 0, msg)
}

type wireSend struct {
	Recipient struct {
		ID        string `json:"id"`
		CommentID string `json:"comment_id"`
	} `json:"recipient"`
	MessagingType string          `json:"messaging_type"`
	Tag           string          `json:"tag"`
	Message       json.RawMessage `json:"message"`
	SenderAction  string          `json:"sender_action"`
	Payload       *struct {
		MessageID string `json:"message_id"`
		Reaction  string `json:"reaction"`
	} `json:"payload"`
}

func (f *Fake) messages(w http.ResponseWriter, r *http.Request, s *metatest.Server, host Host) {
	var body wireSend
	raw, ok := readJSON(w, r, &body)
	if !ok {
		return
	}
	rec := Sent{Host: host, AccountID: r.PathValue("id"), RecipientID: body.Recipient.ID, CommentID: body.Recipient.CommentID, SenderAction: body.SenderAction, Body: raw}
	switch {
	case (rec.RecipientID == "") == (rec.CommentID == ""):
		badRequest(w, "(#100) recipient needs exactly one of id and comment_id")
		return
	case (len(body.Message) == 0) == (body.SenderAction == ""):
		badRequest(w, "(#100) send exactly one of message and sender_action")
		return
	case body.Tag != "" && (body.Tag != "HUMAN_AGENT" || body.MessagingType != "MESSAGE_TAG"):
		badRequest(w, "(#100) tag needs messaging_type MESSAGE_TAG and HUMAN_AGENT")
		return
	}
	switch body.SenderAction {
	case "":
	case "typing_on", "typing_off", "mark_seen":
	case "react", "unreact":
		if body.Payload == nil || body.Payload.MessageID == "" || (body.SenderAction == "react") == (body.Payload.Reaction == "") {
			badRequest(w, "(#100) reactions need payload.message_id (and payload.reaction for react only)")
			return
		}
	default:
		badRequest(w, "(#100) unknown sender_action")
		return
	}
	if len(body.Message) > 0 {
		var m SentMessage
		if err := json.Unmarshal(body.Message, &m); err != nil {
			badRequest(w, "(#100) message must be an object")
			return
		}
		if msg := checkMessage(&m, host); msg != "" {
			badRequest(w, msg)
			return
		}
		rec.Message = &m
		rec.MessageID = s.NextID("mid.fake.")
	}
	f.mu.Lock()
	if rec.CommentID != "" {
		if f.replied[rec.CommentID] {
			f.mu.Unlock()
			metatest.WriteError(w, http.StatusBadRequest, CodePrivateReplyUsed, 0, "Activity already replied to")
			return
		}
		f.replied[rec.CommentID] = true
	}
	f.sent = append(f.sent, rec)
	f.mu.Unlock()
	recipient := rec.RecipientID
	if recipient == "" {
		recipient = "commenter-of-" + rec.CommentID
	}
	out := map[string]string{"recipient_id": recipient}
	if rec.MessageID != "" {
		out["message_id"] = rec.MessageID
	}
	metatest.WriteJSON(w, http.StatusOK, out)
}

func checkMessage(m *SentMessage, host Host) string {
	if (m.Text == "") == (len(m.Attachment) == 0) {
		return "(#100) message needs exactly one of text and attachment"
	}
	if host == HostInstagram && len(m.Text) > instagram.MaxTextBytesInstagram {
		return "(#100) Length of param message[text] must be less than or equal to 1000"
	}
	if host == HostFacebook && utf8.RuneCountInString(m.Text) > instagram.MaxTextCharsMessenger {
		return "(#100) Length of param message[text] must be less than or equal to 2000"
	}
	if len(m.QuickReplies) > instagram.MaxQuickReplies {
		return "(#100) param message[quick_replies] must have at most 13 elements"
	}
	if utf8.RuneCountInString(m.Metadata) > instagram.MaxMetadata {
		return "(#100) metadata too long"
	}
	if len(m.Attachment) > 0 {
		var a struct {
			Type    string `json:"type"`
			Payload struct {
				TemplateType string            `json:"template_type"`
				Elements     []json.RawMessage `json:"elements"`
				URL          string            `json:"url"`
				AttachmentID string            `json:"attachment_id"`
			} `json:"payload"`
		}
		if err := json.Unmarshal(m.Attachment, &a); err != nil {
			return "(#100) invalid attachment"
		}
		switch a.Type {
		case "image", "video", "audio", "file":
			if (a.Payload.URL == "") == (a.Payload.AttachmentID == "") {
				return "(#100) attachment needs url or attachment_id"
			}
		case "template":
			if len(a.Payload.Elements) > instagram.MaxGenericElements {
				return "(#100) too many elements"
			}
		default:
			return "(#100) unknown attachment type"
		}
	}
	return ""
}

func readJSON(w http.ResponseWriter, r *http.Request, v any) (json.RawMessage, bool) {
	var raw json.RawMessage
	if err := json.NewDecoder(r.Body).Decode(&raw); err != nil {
		badRequest(w, "(#100) body must be JSON")
		return nil, false
	}
	if err := json.Unmarshal(raw, v); err != nil {
		badRequest(w, "(#100) body has the wrong shape")
		return nil, false
	}
	return raw, true
}

func (f *Fake) publicReply(w http.ResponseWriter, r *http.Request, s *metatest.Server, host Host) {
	var body struct {
		Message string `json:"message"`
	}
	if _, ok := readJSON(w, r, &body); !ok {
		return
	}
	if body.Message == "" {
		badRequest(w, "(#100) message is required")
		return
	}
	id := s.NextID("1789")
	f.mu.Lock()
	f.replies = append(f.replies, PublicReply{Host: host, CommentID: r.PathValue("id"), ReplyID: id, Message: body.Message})
	f.mu.Unlock()
	metatest.WriteJSON(w, http.StatusOK, map[string]string{"id": id})
}

func (f *Fake) listComments(w http.ResponseWriter, r *http.Request) {
	limit := 25
	if l, err := strconv.Atoi(r.URL.Query().Get("limit")); err == nil && l > 0 {
		limit = l
	}
	start := 0
	if a := r.URL.Query().Get("after"); a != "" {
		n, err := strconv.Atoi(a)
		if err != nil {
			badRequest(w, "(#100) bad cursor")
			return
		}
		start = n
	}
	f.mu.Lock()
	var all []Comment
	for _, c := range f.comments[r.PathValue("id")] {
		if !f.deleted[c.ID] {
			c.Hidden = c.Hidden || f.hidden[c.ID]
			all = append(all, c)
		}
	}
	f.mu.Unlock()
	end := min(start+limit, len(all))
	start = min(start, end)
	page := map[string]any{"data": all[start:end]}
	cur := map[string]string{"before": strconv.Itoa(start), "after": strconv.Itoa(end)}
	paging := map[string]any{"cursors": cur}
	if end < len(all) {
		paging["next"] = "https://fake.invalid/next?after=" + strconv.Itoa(end)
	}
	page["paging"] = paging
	metatest.WriteJSON(w, http.StatusOK, page)
}

func (f *Fake) updateComment(w http.ResponseWriter, r *http.Request, host Host) {
	var body map[string]json.RawMessage
	if _, ok := readJSON(w, r, &body); !ok {
		return
	}
	// Instagram comments take "hide" (on both hosts); Facebook Page comments
	// take "is_hidden".
	key := "hide"
	v, ok := body[key]
	if !ok && host == HostFacebook {
		key = "is_hidden"
		v, ok = body[key]
	}
	if !ok {
		badRequest(w, "(#100) missing hide")
		return
	}
	var hide bool
	if err := json.Unmarshal(v, &hide); err != nil {
		badRequest(w, "(#100) "+key+" must be a boolean")
		return
	}
	f.mu.Lock()
	f.hidden[r.PathValue("id")] = hide
	f.mu.Unlock()
	metatest.WriteJSON(w, http.StatusOK, map[string]bool{"success": true})
}

func (f *Fake) deleteComment(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.deleted[r.PathValue("id")] = true
	f.mu.Unlock()
	metatest.WriteJSON(w, http.StatusOK, map[string]bool{"success": true})
}

func (f *Fake) upload(w http.ResponseWriter, r *http.Request, s *metatest.Server, host Host) {
	if host != HostFacebook {
		metatest.WriteError(w, http.StatusBadRequest, 100, 0, "Unsupported post request.")
		return
	}
	var body struct {
		Message struct {
			Attachment struct {
				Type    string `json:"type"`
				Payload struct {
					URL        string `json:"url"`
					IsReusable bool   `json:"is_reusable"`
				} `json:"payload"`
			} `json:"attachment"`
		} `json:"message"`
	}
	if _, ok := readJSON(w, r, &body); !ok {
		return
	}
	a := body.Message.Attachment
	if a.Payload.URL == "" || !a.Payload.IsReusable {
		badRequest(w, "(#100) upload needs payload.url and is_reusable")
		return
	}
	metatest.WriteJSON(w, http.StatusOK, map[string]string{"attachment_id": s.NextID("att")})
}

// ThreadOwner returns the app id that controls the thread with userID, as
// changed by pass/take_thread_control ("" until then).
func (f *Fake) ThreadOwner(userID string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.owners[userID]
}

func (f *Fake) handover(w http.ResponseWriter, r *http.Request, action string) {
	var body struct {
		Recipient struct {
			ID string `json:"id"`
		} `json:"recipient"`
		TargetAppID string `json:"target_app_id"`
	}
	if _, ok := readJSON(w, r, &body); !ok {
		return
	}
	if body.Recipient.ID == "" {
		badRequest(w, "(#100) recipient.id is required")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch action {
	case "pass_thread_control":
		if body.TargetAppID == "" {
			badRequest(w, "(#100) target_app_id is required")
			return
		}
		f.owners[body.Recipient.ID] = body.TargetAppID
	case "take_thread_control":
		f.owners[body.Recipient.ID] = "self"
	}
	metatest.WriteJSON(w, http.StatusOK, map[string]bool{"success": true})
}
