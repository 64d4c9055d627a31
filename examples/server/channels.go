package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/botsync/botsync/bot"
	"github.com/botsync/botsync/instagram"
	"github.com/botsync/botsync/meta"
	"github.com/botsync/botsync/secret"
	"github.com/botsync/botsync/whatsapp"
	"github.com/botsync/botsync/workspace"
)

// metaClientFunc builds a Graph client for a token; the sandbox points it
// at the fakes, production at graph.facebook.com / graph.instagram.com.
type metaClientFunc func(kind workspace.ChannelKind, token secret.Value) (*meta.Client, error)

// channels is the engine's bot.ChannelRegistry over the workspace
// service's connections: it finds the workspace of a webhook's account id
// (workspace.Service.Route), reads the token from the vault and builds one
// sending client per connection, cached. Sends honour the send kill switch.
type channels struct {
	ws     *workspace.Service
	claims bot.Store
	client metaClientFunc
	m      *metrics
	mu     sync.Mutex
	cache  map[string]bot.Account // connection id → account
}

func newChannels(ws *workspace.Service, claims bot.Store, client metaClientFunc, m *metrics) *channels {
	return &channels{ws: ws, claims: claims, client: client, m: m, cache: map[string]bot.Account{}}
}

func kindOf(ch bot.Channel) workspace.ChannelKind {
	switch ch {
	case bot.WhatsApp:
		return workspace.ChannelWhatsApp
	case bot.Instagram:
		return workspace.ChannelInstagram
	}
	return workspace.ChannelFacebookPage
}

// Account implements bot.ChannelRegistry.
func (c *channels) Account(ctx context.Context, ch bot.Channel, id string) (bot.Account, error) {
	kind := kindOf(ch)
	conn, err := c.ws.Route(ctx, kind, id)
	if errors.Is(err, workspace.ErrNotFound) {
		return bot.Account{}, fmt.Errorf("%w: %s", bot.ErrUnknownAccount, kind)
	}
	if err != nil {
		return bot.Account{}, err
	}
	c.mu.Lock()
	a, ok := c.cache[conn.ID]
	c.mu.Unlock()
	if ok {
		return a, nil
	}
	tok, err := c.ws.Token(ctx, conn.WorkspaceID, conn.ID)
	if err != nil {
		return bot.Account{}, fmt.Errorf("server: channel token: %w", err)
	}
	mc, err := c.client(kind, tok)
	if err != nil {
		return bot.Account{}, err
	}
	a = bot.Account{Workspace: conn.WorkspaceID, Channel: ch, ID: id}
	switch kind {
	case workspace.ChannelWhatsApp:
		wa, err := whatsapp.NewClient(mc)
		if err != nil {
			return bot.Account{}, err
		}
		a.Sender = guardedSender{ws: c.ws, workspace: conn.WorkspaceID, next: bot.NewWhatsAppSender(wa.Messages, nil, id), m: c.m, channel: "whatsapp"}
	default:
		stack := instagram.InstagramLogin
		if kind == workspace.ChannelFacebookPage {
			stack = instagram.Messenger
		}
		ig, err := instagram.NewClient(mc, stack, id, instagram.WithClaims(bot.CommentClaims(c.claims, conn.WorkspaceID)))
		if err != nil {
			return bot.Account{}, err
		}
		a.Sender = guardedSender{ws: c.ws, workspace: conn.WorkspaceID, next: bot.NewInstagramSender(ig), m: c.m, channel: "instagram"}
		a.Comments = ig
	}
	c.mu.Lock()
	c.cache[conn.ID] = a
	c.mu.Unlock()
	return a, nil
}

// Forget drops a cached client (after a disconnect or token change).
func (c *channels) Forget(connectionID string) {
	c.mu.Lock()
	delete(c.cache, connectionID)
	c.mu.Unlock()
}

// ForgetAll drops every cached client (after tokens were refreshed).
func (c *channels) ForgetAll() {
	c.mu.Lock()
	clear(c.cache)
	c.mu.Unlock()
}

// guardedSender refuses to send while the workspace's (or the platform's)
// send kill switch is on.
type guardedSender struct {
	ws        *workspace.Service
	workspace string
	next      bot.Sender
	m         *metrics
	channel   string // metrics label: whatsapp or instagram
}

// Send implements bot.Sender.
func (g guardedSender) Send(ctx context.Context, to bot.Recipient, m bot.Outbound) (string, error) {
	if err := g.ws.CheckSend(g.workspace); err != nil {
		g.m.send(g.channel, err)
		return "", err
	}
	id, err := g.next.Send(ctx, to, m)
	g.m.send(g.channel, err)
	return id, err
}

// ObserveInbound implements bot.InboundObserver.
func (g guardedSender) ObserveInbound(ctx context.Context, from bot.Recipient, at time.Time) error {
	if o, ok := g.next.(bot.InboundObserver); ok {
		return o.ObserveInbound(ctx, from, at)
	}
	return nil
}
