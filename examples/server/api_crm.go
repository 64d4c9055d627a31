package main

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/botsync/botsync/crm"
	"github.com/botsync/botsync/secret"
	"github.com/botsync/botsync/workspace"
)

type leadBody struct {
	Name     string            `json:"name"`
	Phone    string            `json:"phone,omitempty"`
	Email    string            `json:"email,omitempty"`
	City     *string           `json:"city,omitempty"`
	Interest *string           `json:"interest,omitempty"`
	Stage    *string           `json:"stage,omitempty"`
	Tags     []string          `json:"tags,omitempty"`
	Custom   map[string]string `json:"custom,omitempty"`
}

func noContent(c *call) error {
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *App) actor(c *call) crm.Actor { return crm.User(c.userID()) }

func (a *App) leadRoutes() []route {
	view, edit := workspace.ActionContactsView, workspace.ActionContactsEdit
	return []route{
		{Method: "GET", Path: "/workspaces/{ws}/leads", Tag: "leads", Summary: "Search leads (?q, stage, tag, assignee, channel, cursor, limit)", Auth: authWorkspace, Action: view, Response: Page[crm.Lead]{},
			Handle: func(c *call) error {
				n, err := c.limit()
				if err != nil {
					return err
				}
				q := c.r.URL.Query()
				p, err := a.crm.Search(c.r.Context(), c.ws, crm.Query{Text: q.Get("q"), Stage: q.Get("stage"), Tags: q["tag"],
					Assignee: q.Get("assignee"), Channel: q.Get("channel"), Cursor: q.Get("cursor"), Limit: n})
				if err != nil {
					return err
				}
				return c.json(http.StatusOK, page(p.Leads, p.Next))
			}},
		{Method: "POST", Path: "/workspaces/{ws}/leads", Tag: "leads", Summary: "Create a lead (or find it by phone or e-mail)", Auth: authWorkspace, Action: edit, Body: leadBody{}, Response: crm.Lead{},
			Handle: func(c *call) error {
				var b leadBody
				if err := c.decode(&b); err != nil {
					return err
				}
				var ids []crm.Identity
				if b.Phone != "" {
					ids = append(ids, crm.Phone(b.Phone))
				}
				if b.Email != "" {
					ids = append(ids, crm.Email(b.Email))
				}
				if len(ids) == 0 {
					return fieldErr("phone", "a phone or an email is required")
				}
				ctx := c.r.Context()
				l, created, err := a.crm.FindOrCreate(ctx, c.ws, crm.Contact{Identities: ids, Name: b.Name, Source: crm.Source{Channel: "api"}, Actor: a.actor(c)})
				if err != nil {
					return err
				}
				if b.City != nil || b.Interest != nil || b.Stage != nil || b.Custom != nil {
					if l, err = a.crm.Update(ctx, c.ws, l.ID, crm.LeadUpdate{City: b.City, Interest: b.Interest, Stage: b.Stage, Custom: b.Custom}, a.actor(c)); err != nil {
						return err
					}
				}
				if len(b.Tags) > 0 {
					if l, err = a.crm.Tag(ctx, c.ws, l.ID, a.actor(c), b.Tags...); err != nil {
						return err
					}
				}
				status := http.StatusOK
				if created {
					status = http.StatusCreated
				}
				return c.json(status, l)
			}},
		{Method: "GET", Path: "/workspaces/{ws}/leads/{id}", Tag: "leads", Summary: "Get a lead", Auth: authWorkspace, Action: view, Response: crm.Lead{},
			Handle: func(c *call) error {
				l, err := a.crm.Lead(c.r.Context(), c.ws, c.r.PathValue("id"))
				if err != nil {
					return err
				}
				return c.json(http.StatusOK, l)
			}},
		{Method: "PATCH", Path: "/workspaces/{ws}/leads/{id}", Tag: "leads", Summary: "Update a lead's profile, stage, assignee or custom fields", Auth: authWorkspace, Action: edit, Body: map[string]string{"name": "", "stage": "qualified"}, Response: crm.Lead{},
			Handle: func(c *call) error {
				var b struct {
					Name            *string           `json:"name"`
					City            *string           `json:"city"`
					Interest        *string           `json:"interest"`
					Budget          *string           `json:"budget"`
					Timeline        *string           `json:"timeline"`
					ExamStatus      *string           `json:"exam_status"`
					CallbackPhone   *string           `json:"callback_phone"`
					Stage           *string           `json:"stage"`
					Assignee        *string           `json:"assignee"`
					Consent         *bool             `json:"consent"`
					MarketingOptOut *bool             `json:"marketing_opt_out"`
					Custom          map[string]string `json:"custom"`
				}
				if err := c.decode(&b); err != nil {
					return err
				}
				l, err := a.crm.Update(c.r.Context(), c.ws, c.r.PathValue("id"), crm.LeadUpdate{Name: b.Name, City: b.City, Interest: b.Interest,
					Budget: b.Budget, Timeline: b.Timeline, ExamStatus: b.ExamStatus, CallbackPhone: b.CallbackPhone, Stage: b.Stage,
					Assignee: b.Assignee, Consent: b.Consent, MarketingOptOut: b.MarketingOptOut, Custom: b.Custom}, a.actor(c))
				if err != nil {
					return err
				}
				return c.json(http.StatusOK, l)
			}},
		{Method: "DELETE", Path: "/workspaces/{ws}/leads/{id}", Tag: "leads", Summary: "Delete a lead and its conversations", Auth: authWorkspace, Action: edit,
			Handle: func(c *call) error {
				if err := a.crm.Delete(c.r.Context(), c.ws, c.r.PathValue("id")); err != nil {
					return err
				}
				return noContent(c)
			}},
		{Method: "POST", Path: "/workspaces/{ws}/leads/{id}/tags", Tag: "leads", Summary: "Add tags", Auth: authWorkspace, Action: edit, Body: map[string][]string{"tags": {"vip"}}, Response: crm.Lead{},
			Handle: func(c *call) error {
				var b struct {
					Tags []string `json:"tags"`
				}
				if err := c.decode(&b); err != nil {
					return err
				}
				l, err := a.crm.Tag(c.r.Context(), c.ws, c.r.PathValue("id"), a.actor(c), b.Tags...)
				if err != nil {
					return err
				}
				return c.json(http.StatusOK, l)
			}},
		{Method: "DELETE", Path: "/workspaces/{ws}/leads/{id}/tags/{tag}", Tag: "leads", Summary: "Remove a tag", Auth: authWorkspace, Action: edit, Response: crm.Lead{},
			Handle: func(c *call) error {
				l, err := a.crm.Untag(c.r.Context(), c.ws, c.r.PathValue("id"), a.actor(c), c.r.PathValue("tag"))
				if err != nil {
					return err
				}
				return c.json(http.StatusOK, l)
			}},
		{Method: "GET", Path: "/workspaces/{ws}/leads/{id}/activities", Tag: "leads", Summary: "A lead's timeline (notes, stage changes, calls, bookings…)", Auth: authWorkspace, Action: view, Response: []crm.Activity{},
			Handle: func(c *call) error {
				as, err := a.crm.Activities(c.r.Context(), c.ws, c.r.PathValue("id"))
				if err != nil {
					return err
				}
				return c.json(http.StatusOK, nonNil(as))
			}},
		{Method: "POST", Path: "/workspaces/{ws}/leads/{id}/notes", Tag: "leads", Summary: "Add a note", Auth: authWorkspace, Action: edit, Body: map[string]string{"text": ""}, Response: crm.Activity{},
			Handle: func(c *call) error {
				var b struct {
					Text string `json:"text"`
				}
				if err := c.decode(&b); err != nil {
					return err
				}
				act, err := a.crm.Note(c.r.Context(), c.ws, c.r.PathValue("id"), b.Text, a.actor(c))
				if err != nil {
					return err
				}
				return c.json(http.StatusCreated, act)
			}},
		{Method: "POST", Path: "/workspaces/{ws}/leads/{id}/merge", Tag: "leads", Summary: "Merge another lead into this one", Auth: authWorkspace, Action: edit, Body: map[string]string{"other_id": ""}, Response: crm.Lead{},
			Handle: func(c *call) error {
				var b struct {
					OtherID string `json:"other_id"`
				}
				if err := c.decode(&b); err != nil {
					return err
				}
				l, err := a.crm.Merge(c.r.Context(), c.ws, c.r.PathValue("id"), b.OtherID, a.actor(c))
				if err != nil {
					return err
				}
				return c.json(http.StatusOK, l)
			}},
		{Method: "GET", Path: "/workspaces/{ws}/stages", Tag: "leads", Summary: "The pipeline's stages with lead counts", Auth: authWorkspace, Action: view, Response: []crm.Stage{},
			Handle: func(c *call) error {
				st, err := a.crm.Stages(c.r.Context(), c.ws)
				if err != nil {
					return err
				}
				counts, err := a.crm.CountByStage(c.r.Context(), c.ws)
				if err != nil {
					return err
				}
				return c.json(http.StatusOK, map[string]any{"stages": nonNil(st), "counts": counts})
			}},
		{Method: "PUT", Path: "/workspaces/{ws}/stages", Tag: "leads", Summary: "Replace the pipeline's stages", Auth: authWorkspace, Action: workspace.ActionWorkspaceSettings, Body: []crm.Stage{{Key: "new", Name: "New"}},
			Handle: func(c *call) error {
				var b []crm.Stage
				if err := c.decode(&b); err != nil {
					return err
				}
				if err := a.crm.SetStages(c.r.Context(), c.ws, b); err != nil {
					return err
				}
				return noContent(c)
			}},
		{Method: "POST", Path: "/workspaces/{ws}/leads/import", Tag: "leads", Summary: "Import leads from CSV (text/csv body; all-or-nothing with row errors)", Auth: authWorkspace, Action: edit, Response: map[string]int{"created": 0},
			Handle: func(c *call) error {
				n, err := a.crm.ImportCSV(c.r.Context(), c.ws, c.r.Body, a.actor(c))
				if err != nil {
					return importErr(err)
				}
				return c.json(http.StatusOK, map[string]int{"created": n})
			}},
		{Method: "GET", Path: "/workspaces/{ws}/leads/export", Tag: "leads", Summary: "Export leads as CSV (same filters as search)", Auth: authWorkspace, Action: workspace.ActionContactsExport,
			Handle: func(c *call) error {
				q := c.r.URL.Query()
				c.w.Header().Set("Content-Type", "text/csv; charset=utf-8")
				c.w.Header().Set("Content-Disposition", `attachment; filename="leads.csv"`)
				_, err := a.crm.ExportCSV(c.r.Context(), c.ws, c.w, crm.Query{Text: q.Get("q"), Stage: q.Get("stage"), Tags: q["tag"]})
				if err != nil {
					a.log.ErrorContext(c.r.Context(), "export leads", "err", err)
				}
				return nil
			}},
		{Method: "GET", Path: "/workspaces/{ws}/leads/{id}/bookings", Tag: "bookings", Summary: "A lead's bookings", Auth: authWorkspace, Action: view, Response: []crm.Booking{},
			Handle: func(c *call) error {
				bs, err := a.crm.Bookings(c.r.Context(), c.ws, c.r.PathValue("id"))
				if err != nil {
					return err
				}
				return c.json(http.StatusOK, nonNil(bs))
			}},
		{Method: "POST", Path: "/workspaces/{ws}/leads/{id}/bookings", Tag: "bookings", Summary: "Book a slot for a lead", Auth: authWorkspace, Action: edit, Body: map[string]any{"start": time.Time{}, "end": time.Time{}, "notes": "", "confirm": true}, Response: crm.Booking{},
			Handle: func(c *call) error {
				var b struct {
					Start   time.Time `json:"start"`
					End     time.Time `json:"end"`
					Notes   string    `json:"notes"`
					Confirm bool      `json:"confirm"`
				}
				if err := c.decode(&b); err != nil {
					return err
				}
				bk, err := a.crm.Book(c.r.Context(), c.ws, c.r.PathValue("id"), crm.Interval{Start: b.Start, End: b.End}, b.Notes, b.Confirm, a.actor(c))
				if err != nil {
					return err
				}
				return c.json(http.StatusCreated, bk)
			}},
		{Method: "PUT", Path: "/workspaces/{ws}/bookings/{id}/status", Tag: "bookings", Summary: "Confirm, cancel or complete a booking", Auth: authWorkspace, Action: edit, Body: map[string]string{"status": "confirmed"}, Response: crm.Booking{},
			Handle: func(c *call) error {
				var b struct {
					Status crm.BookingStatus `json:"status"`
				}
				if err := c.decode(&b); err != nil {
					return err
				}
				bk, err := a.crm.SetBookingStatus(c.r.Context(), c.ws, c.r.PathValue("id"), b.Status, a.actor(c))
				if err != nil {
					return err
				}
				return c.json(http.StatusOK, bk)
			}},
		{Method: "POST", Path: "/workspaces/{ws}/calls/sync", Tag: "calls", Summary: "Sync a device's call log (the mobile app); matched calls land on leads' timelines", Auth: authWorkspace, Action: edit, Body: map[string]any{"device_id": "", "calls": []map[string]any{{"number": "+919812345601", "at": time.Time{}, "direction": "incoming", "type": "answered", "duration_seconds": 42}}}, Response: crm.CallMatchResult{},
			Handle: func(c *call) error {
				var b struct {
					DeviceID string `json:"device_id"`
					Calls    []struct {
						Number      string            `json:"number"`
						At          time.Time         `json:"at"`
						Direction   crm.CallDirection `json:"direction"`
						Type        crm.CallType      `json:"type"`
						DurationSec int               `json:"duration_seconds"`
						ContactName string            `json:"contact_name"`
					} `json:"calls"`
				}
				if err := c.decode(&b); err != nil {
					return err
				}
				recs := make([]crm.CallRecord, 0, len(b.Calls))
				for _, x := range b.Calls {
					recs = append(recs, crm.CallRecord{DeviceID: b.DeviceID, Number: x.Number, At: x.At, Direction: x.Direction, Type: x.Type,
						Duration: time.Duration(x.DurationSec) * time.Second, SyncSource: "api", UserID: c.userID()})
				}
				res, err := a.crm.MatchCalls(c.r.Context(), c.ws, recs)
				if err != nil {
					return err
				}
				return c.json(http.StatusOK, res)
			}},
	}
}

// importErr turns a CSV import rejection into a field error naming the
// first bad row.
func importErr(err error) error {
	var ie *crm.ImportError
	if errors.As(err, &ie) && len(ie.Rows) > 0 {
		r := ie.Rows[0]
		return &APIError{Code: "invalid", Message: fmt.Sprintf("row %d: %v", r.Row, r.Err), Field: "row." + strconv.Itoa(r.Row), status: http.StatusBadRequest}
	}
	return err
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func (a *App) conversationRoutes() []route {
	view, reply := workspace.ActionConversationsView, workspace.ActionConversationsReply
	return []route{
		{Method: "GET", Path: "/workspaces/{ws}/conversations", Tag: "conversations", Summary: "The inbox (?status, assignee, handoff, unread, channel, cursor, limit), most recent first", Auth: authWorkspace, Action: view, Response: Page[crm.Conversation]{},
			Handle: func(c *call) error {
				n, err := c.limit()
				if err != nil {
					return err
				}
				q := c.r.URL.Query()
				iq := crm.InboxQuery{Status: crm.ConversationStatus(q.Get("status")), Assignee: q.Get("assignee"), UnreadOnly: q.Get("unread") == "true",
					Channel: q.Get("channel"), Cursor: q.Get("cursor"), Limit: n}
				if h := q.Get("handoff"); h != "" {
					b := h == "true"
					iq.Handoff = &b
				}
				p, err := a.crm.Inbox(c.r.Context(), c.ws, iq)
				if err != nil {
					return err
				}
				return c.json(http.StatusOK, page(p.Conversations, p.Next))
			}},
		{Method: "GET", Path: "/workspaces/{ws}/conversations/{id}", Tag: "conversations", Summary: "A conversation with its AI state", Auth: authWorkspace, Action: view, Response: crm.Conversation{},
			Handle: func(c *call) error {
				conv, err := a.crm.Conversation(c.r.Context(), c.ws, c.r.PathValue("id"))
				if err != nil {
					return err
				}
				st, err := a.engine.Store().AIState(c.r.Context(), c.ws, conv.ID)
				if err != nil {
					return err
				}
				return c.json(http.StatusOK, map[string]any{"conversation": conv, "ai": st})
			}},
		{Method: "GET", Path: "/workspaces/{ws}/conversations/{id}/messages", Tag: "conversations", Summary: "A conversation's messages, oldest first", Auth: authWorkspace, Action: view, Response: []crm.Message{},
			Handle: func(c *call) error {
				if _, err := a.crm.Conversation(c.r.Context(), c.ws, c.r.PathValue("id")); err != nil {
					return err
				}
				ms, err := a.crm.Messages(c.r.Context(), c.ws, c.r.PathValue("id"))
				if err != nil {
					return err
				}
				return c.json(http.StatusOK, nonNil(ms))
			}},
		{Method: "POST", Path: "/workspaces/{ws}/conversations/{id}/messages", Tag: "conversations", Summary: "Reply as the signed-in agent (pauses the AI for the quiet period)", Auth: authWorkspace, Action: reply, Body: map[string]string{"text": ""}, Response: crm.Message{},
			Handle: func(c *call) error {
				var b struct {
					Text string `json:"text"`
				}
				if err := c.decode(&b); err != nil {
					return err
				}
				if b.Text == "" {
					return fieldErr("text", "required")
				}
				m, err := a.engine.SendAgentMessage(c.r.Context(), c.ws, c.r.PathValue("id"), c.userID(), b.Text)
				if err != nil {
					return err
				}
				return c.json(http.StatusCreated, m)
			}},
		{Method: "PUT", Path: "/workspaces/{ws}/conversations/{id}/assignee", Tag: "conversations", Summary: "Assign the conversation (empty to unassign)", Auth: authWorkspace, Action: reply, Body: map[string]string{"user_id": ""}, Response: crm.Conversation{},
			Handle: func(c *call) error {
				var b struct {
					UserID string `json:"user_id"`
				}
				if err := c.decode(&b); err != nil {
					return err
				}
				conv, err := a.crm.UpdateConversation(c.r.Context(), c.ws, c.r.PathValue("id"), crm.ConversationUpdate{Assignee: &b.UserID})
				if err != nil {
					return err
				}
				a.hub.Publish(Event{Type: "conversation.assigned", Workspace: c.ws, ConversationID: conv.ID, LeadID: conv.LeadID, At: a.now()})
				return c.json(http.StatusOK, conv)
			}},
		{Method: "POST", Path: "/workspaces/{ws}/conversations/{id}/handoff", Tag: "conversations", Summary: "Take the conversation from the AI", Auth: authWorkspace, Action: reply, Response: crm.Conversation{},
			Handle: func(c *call) error {
				yes := true
				conv, err := a.crm.UpdateConversation(c.r.Context(), c.ws, c.r.PathValue("id"), crm.ConversationUpdate{Handoff: &yes})
				if err != nil {
					return err
				}
				if err := a.engine.Store().SetAIState(c.r.Context(), c.ws, conv.ID, botPaused("taken by "+c.userID())); err != nil {
					return err
				}
				a.hub.Publish(Event{Type: "conversation.handoff", Workspace: c.ws, ConversationID: conv.ID, LeadID: conv.LeadID, Reason: "taken by an agent", At: a.now()})
				return c.json(http.StatusOK, conv)
			}},
		{Method: "POST", Path: "/workspaces/{ws}/conversations/{id}/give-back", Tag: "conversations", Summary: "Give the conversation back to the AI", Auth: authWorkspace, Action: reply, Response: crm.Conversation{},
			Handle: func(c *call) error {
				if err := a.engine.GiveBack(c.r.Context(), c.ws, c.r.PathValue("id")); err != nil {
					return err
				}
				conv, err := a.crm.Conversation(c.r.Context(), c.ws, c.r.PathValue("id"))
				if err != nil {
					return err
				}
				return c.json(http.StatusOK, conv)
			}},
		{Method: "POST", Path: "/workspaces/{ws}/conversations/{id}/resolve", Tag: "conversations", Summary: "Mark the conversation resolved", Auth: authWorkspace, Action: reply, Response: crm.Conversation{},
			Handle: func(c *call) error {
				st := crm.StatusResolved
				conv, err := a.crm.UpdateConversation(c.r.Context(), c.ws, c.r.PathValue("id"), crm.ConversationUpdate{Status: &st, MarkRead: true})
				if err != nil {
					return err
				}
				return c.json(http.StatusOK, conv)
			}},
		{Method: "GET", Path: "/workspaces/{ws}/events", Tag: "realtime", Summary: "Server-Sent Events: the workspace's realtime updates", Auth: authWorkspace, Action: view,
			Handle: func(c *call) error {
				a.hub.serveSSE(c.w, c.r, c.ws)
				return nil
			}},
	}
}

// ConnectionView is a channel connection (its token stays in the vault).
type ConnectionView struct {
	ID          string           `json:"id"`
	Kind        string           `json:"kind"`
	ExternalID  string           `json:"external_id"`
	WABAID      string           `json:"waba_id,omitempty"`
	Name        string           `json:"name"`
	Health      workspace.Health `json:"health"`
	LastEventAt time.Time        `json:"last_event_at"`
	CreatedAt   time.Time        `json:"created_at"`
}

func (a *App) channelRoutes() []route {
	return []route{
		{Method: "GET", Path: "/workspaces/{ws}/channels", Tag: "channels", Summary: "Connected WhatsApp numbers, Instagram accounts and Pages with their health", Auth: authWorkspace, Action: workspace.ActionChannelsView, Response: []ConnectionView{},
			Handle: func(c *call) error {
				cs, err := a.ws.Connections(c.r.Context(), c.p, c.ws)
				if err != nil {
					return err
				}
				out := make([]ConnectionView, 0, len(cs))
				for _, x := range cs {
					out = append(out, ConnectionView{ID: x.ID, Kind: string(x.Kind), ExternalID: x.ExternalID, WABAID: x.WABAID, Name: x.Name, Health: x.Health, LastEventAt: x.LastEventAt, CreatedAt: x.CreatedAt})
				}
				return c.json(http.StatusOK, out)
			}},
		{Method: "POST", Path: "/workspaces/{ws}/channels", Tag: "channels", Summary: "Connect a channel (the token goes to the vault); in the sandbox use external_id 106540352242922 / waba_id 102290129340398 with any token", Auth: authWorkspace, Action: workspace.ActionChannelsManage,
			Body: map[string]string{"kind": "whatsapp", "external_id": "", "waba_id": "", "name": "", "token": ""}, Response: ConnectionView{},
			Handle: func(c *call) error {
				var b struct {
					Kind       string `json:"kind"`
					ExternalID string `json:"external_id"`
					WABAID     string `json:"waba_id"`
					Name       string `json:"name"`
					Token      string `json:"token"`
				}
				if err := c.decode(&b); err != nil {
					return err
				}
				x, err := a.ws.Connect(c.r.Context(), c.p, c.ws, workspace.ConnectRequest{Kind: workspace.ChannelKind(b.Kind), ExternalID: b.ExternalID, WABAID: b.WABAID, Name: b.Name, Token: secret.New(b.Token)})
				if err != nil {
					return err
				}
				return c.json(http.StatusCreated, ConnectionView{ID: x.ID, Kind: string(x.Kind), ExternalID: x.ExternalID, WABAID: x.WABAID, Name: x.Name, CreatedAt: x.CreatedAt})
			}},
		a.healthRoute(),
		{Method: "DELETE", Path: "/workspaces/{ws}/channels/{id}", Tag: "channels", Summary: "Disconnect a channel (revokes and deletes its token)", Auth: authWorkspace, Action: workspace.ActionChannelsManage,
			Handle: func(c *call) error {
				if err := a.ws.Disconnect(c.r.Context(), c.p, c.ws, c.r.PathValue("id"), "disconnected through the API"); err != nil {
					return err
				}
				a.channels.Forget(c.r.PathValue("id"))
				return noContent(c)
			}},
	}
}
