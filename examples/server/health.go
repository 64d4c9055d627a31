package main

import (
	"context"
	"errors"
	"net/http"

	"github.com/botsync/botsync/meta"
	"github.com/botsync/botsync/secret"
	"github.com/botsync/botsync/workspace"
)

// errNoAppID: health checks need the Meta app id (META_APP_ID) for the app
// token debug_token is called with.
var errNoAppID = apiErr(http.StatusServiceUnavailable, "health_not_configured", "set META_APP_ID to check channel health")

// checkHealth inspects a connection's token (validity, expiry, scopes)
// with debug_token and stores the result on the connection.
func (a *App) checkHealth(ctx context.Context, ws string, c workspace.Connection) (workspace.Health, error) {
	appID, appSecret := a.cfg.MetaAppID, a.cfg.MetaAppSecret
	if a.sandbox != nil && appID == "" {
		appID, appSecret = a.sandbox.app(c.Kind)
	}
	if appID == "" || appSecret.IsZero() {
		return workspace.Health{}, errNoAppID
	}
	mc, err := a.clientFn(c.Kind, meta.AppToken(appID, appSecret))
	if err != nil {
		return workspace.Health{}, err
	}
	return a.ws.CheckHealth(ctx, ws, c.ID, mc, nil)
}

// checkAllHealth checks every connection of every workspace (a periodic
// task).
func (a *App) checkAllHealth(ctx context.Context) error {
	wss, err := a.known.list(ctx)
	if err != nil {
		return err
	}
	for _, ws := range wss {
		cs, err := a.ws.Store().Connections(ctx, ws)
		if err != nil {
			return err
		}
		for _, c := range cs {
			if _, err := a.checkHealth(ctx, ws, c); err != nil {
				if errors.Is(err, errNoAppID) {
					return nil
				}
				a.log.WarnContext(ctx, "channel health check", "workspace", ws, "connection", c.ID, "err", err)
			}
		}
	}
	return nil
}

// app returns the sandbox fake's app id and secret for a channel kind.
func (s *sandbox) app(kind workspace.ChannelKind) (string, secret.Value) {
	if kind == workspace.ChannelInstagram {
		return s.ig.IG.AppID(), s.ig.IG.AppSecret()
	}
	if kind == workspace.ChannelFacebookPage {
		return s.ig.FB.AppID(), s.ig.FB.AppSecret()
	}
	return s.wa.AppID(), s.wa.AppSecret()
}

func (a *App) healthRoute() route {
	return route{Method: "POST", Path: "/workspaces/{ws}/channels/{id}/check", Tag: "channels", Summary: "Check a connection's health now (token validity, expiry, permissions)", Auth: authWorkspace, Action: workspace.ActionChannelsView, Response: workspace.Health{},
		Handle: func(c *call) error {
			conn, err := a.ws.Store().Connection(c.r.Context(), c.ws, c.r.PathValue("id"))
			if err != nil {
				return err
			}
			h, err := a.checkHealth(c.r.Context(), c.ws, conn)
			if err != nil {
				return err
			}
			return c.json(http.StatusOK, h)
		}}
}
