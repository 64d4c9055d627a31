package main

import (
	"encoding/json"
	"regexp"
	"strings"
)

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

// apiTable is every /api/v1 route.
func (a *App) apiTable() []route {
	var rs []route
	for _, g := range [][]route{a.authRoutes(), a.workspaceRoutes(), a.leadRoutes(), a.conversationRoutes(),
		a.channelRoutes(), a.knowledgeRoutes(), a.adminRoutes(), a.privacyRoutes(), a.billingRoutes(), a.broadcastRoutes(), a.agencyRoutes(), a.subscriptionRoutes(), a.refundRoutes()} {
		rs = append(rs, g...)
	}
	return rs
}

// openAPI renders the OpenAPI 3.1 document of the route table.
func (a *App) openAPI() map[string]any {
	paths := map[string]map[string]any{}
	errResp := map[string]any{"description": "error", "content": map[string]any{"application/json": map[string]any{
		"schema": map[string]any{"$ref": "#/components/schemas/Error"}}}}
	for _, rt := range a.apiTable() {
		op := map[string]any{
			"summary":     rt.Summary,
			"tags":        []string{rt.Tag},
			"operationId": strings.ToLower(rt.Method) + strings.NewReplacer("/", "_", "{", "", "}", "", "-", "_").Replace(rt.Path),
			"responses": map[string]any{
				"200":     map[string]any{"description": "success", "content": example(rt.Response)},
				"default": errResp,
			},
		}
		if rt.Auth == authNone {
			op["security"] = []any{}
		}
		if rt.Action != "" {
			op["x-permission"] = rt.Action
		}
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(rt.Path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]string{"type": "string"}})
		}
		if params != nil {
			op["parameters"] = params
		}
		if rt.Body != nil {
			op["requestBody"] = map[string]any{"required": true, "content": example(rt.Body)}
		}
		if paths[rt.Path] == nil {
			paths[rt.Path] = map[string]any{}
		}
		paths[rt.Path][strings.ToLower(rt.Method)] = op
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "BotSync API", "version": "1.0.0",
			"description": "JSON API of the BotSync reference server. Authenticate with the session cookie (writes also need the X-CSRF-Protection: 1 header) or an API key (Authorization: Bearer bsk_…). Errors are {error: {code, message, field}, request_id}. Lists are {items, next_cursor}; pass cursor= for the next page."},
		"servers": []any{map[string]string{"url": "/api/v1"}},
		"paths":   paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{
				"session": map[string]string{"type": "apiKey", "in": "cookie", "name": "nexusdesk_session"},
				"apiKey":  map[string]string{"type": "http", "scheme": "bearer"},
			},
			"schemas": map[string]any{"Error": map[string]any{"type": "object", "properties": map[string]any{
				"error": map[string]any{"type": "object", "properties": map[string]any{
					"code": map[string]string{"type": "string"}, "message": map[string]string{"type": "string"}, "field": map[string]string{"type": "string"}},
					"required": []string{"code", "message"}},
				"request_id": map[string]string{"type": "string"}}}},
		},
		"security": []any{map[string]any{"session": []string{}}, map[string]any{"apiKey": []string{}}},
	}
}

// example renders v as the media type's example.
func example(v any) map[string]any {
	if v == nil {
		return map[string]any{"application/json": map[string]any{"schema": map[string]string{"type": "object"}}}
	}
	b, _ := json.Marshal(v)
	schema := map[string]string{"type": "object"}
	if len(b) > 0 && b[0] == '[' {
		schema["type"] = "array"
	}
	return map[string]any{"application/json": map[string]any{"schema": schema, "example": json.RawMessage(b)}}
}
