package whatsapp

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
)

// Template is a template message: the approved template Name in Language
// with its parameters. Templates may be sent outside the customer-service
// window. Marketing templates are routed to /marketing_messages (see
// [Catalog]).
type Template struct {
	Name string
	// Language is the template's language code, such as "en_US".
	Language string
	// Header fills a header with a variable or media, if the template has one.
	Header *TemplateHeader
	// Body fills the body's {{1}}… or {{name}} variables, in order.
	Body []Param
	// Buttons fill dynamic buttons (URL suffixes, quick-reply payloads,
	// coupon codes, flow tokens).
	Buttons []ButtonParam
	// Category, when set, overrides the category the [Catalog] knows for
	// routing (e.g. [CategoryMarketing]).
	Category Category
}

// Param is one template parameter: text, currency or date-time. Name is set
// for templates with named parameters ({{first_name}}).
type Param struct {
	// Type is "text", "currency" or "date_time".
	Type string
	// Name is the parameter_name of a named parameter.
	Name     string
	Text     string
	Currency *Currency
	// DateTime is the fallback value of a date_time parameter.
	DateTime string
}

// Currency is a currency parameter: Amount1000 is the amount times 1000 in
// Code (ISO 4217), FallbackValue is shown where localisation fails.
type Currency struct {
	FallbackValue string `json:"fallback_value"`
	Code          string `json:"code"`
	Amount1000    int64  `json:"amount_1000"`
}

// TextParam returns a positional text parameter.
func TextParam(s string) Param { return Param{Type: "text", Text: s} }

// NamedParam returns a named text parameter for {{name}}.
func NamedParam(name, s string) Param { return Param{Type: "text", Name: name, Text: s} }

// CurrencyParam returns a currency parameter; amount1000 is the amount × 1000.
func CurrencyParam(fallback, code string, amount1000 int64) Param {
	return Param{Type: "currency", Currency: &Currency{FallbackValue: fallback, Code: code, Amount1000: amount1000}}
}

// DateTimeParam returns a date_time parameter with its fallback text.
func DateTimeParam(fallback string) Param { return Param{Type: "date_time", DateTime: fallback} }

// TemplateHeader fills the template's header: a text variable, media or a
// location. Build it with [HeaderText], [HeaderMedia] or [HeaderLocation].
type TemplateHeader struct {
	// Type is "text", "image", "video", "document" or "location".
	Type     string
	Text     Param
	Media    MediaRef
	Filename string
	Location Location
}

// HeaderText returns a text header parameter.
func HeaderText(p Param) *TemplateHeader { return &TemplateHeader{Type: "text", Text: p} }

// HeaderMedia returns an "image", "video" or "document" header parameter.
func HeaderMedia(kind string, media MediaRef) *TemplateHeader {
	return &TemplateHeader{Type: kind, Media: media}
}

// HeaderLocation returns a location header parameter.
func HeaderLocation(l Location) *TemplateHeader {
	return &TemplateHeader{Type: "location", Location: l}
}

// ButtonParam fills one dynamic button of a template, by its Index (0-based
// position among the template's buttons).
type ButtonParam struct {
	// SubType is "quick_reply", "url", "copy_code" or "flow".
	SubType string
	Index   int
	// Payload is the quick-reply payload.
	Payload string
	// Text is the URL suffix of a dynamic URL button.
	Text string
	// CouponCode is the copy_code value.
	CouponCode string
	// FlowToken and FlowData fill a flow button.
	FlowToken string
	FlowData  json.RawMessage
}

// QuickReplyButton fills a quick-reply button's payload.
func QuickReplyButton(index int, payload string) ButtonParam {
	return ButtonParam{SubType: "quick_reply", Index: index, Payload: payload}
}

// URLButton fills a dynamic URL button's suffix.
func URLButton(index int, suffix string) ButtonParam {
	return ButtonParam{SubType: "url", Index: index, Text: suffix}
}

// CopyCodeButton fills a copy-code (coupon) button.
func CopyCodeButton(index int, code string) ButtonParam {
	return ButtonParam{SubType: "copy_code", Index: index, CouponCode: code}
}

// FlowButton fills a flow button's token and optional initial data.
func FlowButton(index int, token string, data json.RawMessage) ButtonParam {
	return ButtonParam{SubType: "flow", Index: index, FlowToken: token, FlowData: data}
}

// Type returns "template".
func (Template) Type() string { return "template" }

var (
	templateNameRE = regexp.MustCompile(`^[a-z0-9_]{1,512}$`)
	languageRE     = regexp.MustCompile(`^[a-z]{2,3}(_[A-Za-z]{2,4})?$`)
	currencyRE     = regexp.MustCompile(`^[A-Z]{3}$`)
)

func (t Template) validate(string) error {
	if !templateNameRE.MatchString(t.Name) {
		return invalid("template.name", "must be 1–512 lowercase letters, digits or underscores")
	}
	if !languageRE.MatchString(t.Language) {
		return invalid("template.language.code", "must be a language code such as en_US")
	}
	if h := t.Header; h != nil {
		f := "template.components[header].parameters[0]"
		switch h.Type {
		case "text":
			if err := h.Text.validate(f); err != nil {
				return err
			}
		case "image", "video", "document":
			if err := h.Media.validate(f + "." + h.Type); err != nil {
				return err
			}
		case "location":
			if err := h.Location.validate(f + ".location"); err != nil {
				return err
			}
		default:
			return invalid(f+".type", "must be text, image, video, document or location")
		}
	}
	named := -1
	for i, p := range t.Body {
		f := "template.components[body].parameters[" + strconv.Itoa(i) + "]"
		if err := p.validate(f); err != nil {
			return err
		}
		isNamed := 0
		if p.Name != "" {
			isNamed = 1
		}
		if named >= 0 && named != isNamed {
			return invalid(f+".parameter_name", "mix of named and positional parameters")
		}
		named = isNamed
	}
	seen := map[int]bool{}
	for i, b := range t.Buttons {
		f := "template.components[button][" + strconv.Itoa(i) + "]"
		if b.Index < 0 || b.Index > 9 {
			return invalid(f+".index", "must be within 0..9")
		}
		if seen[b.Index] {
			return invalid(f+".index", "duplicate button index")
		}
		seen[b.Index] = true
		switch b.SubType {
		case "quick_reply":
			if b.Payload == "" {
				return invalid(f+".parameters[0].payload", "required")
			}
		case "url":
			if b.Text == "" {
				return invalid(f+".parameters[0].text", "required")
			}
		case "copy_code":
			if b.CouponCode == "" || len(b.CouponCode) > 15 {
				return invalid(f+".parameters[0].coupon_code", "must be 1–15 characters")
			}
		case "flow":
		default:
			return invalid(f+".sub_type", "must be quick_reply, url, copy_code or flow")
		}
	}
	return nil
}

var paramNameRE = regexp.MustCompile(`^[a-z0-9_]{1,64}$`)

func (p Param) validate(f string) error {
	if p.Name != "" && !paramNameRE.MatchString(p.Name) {
		return invalid(f+".parameter_name", "must be lowercase letters, digits or underscores")
	}
	switch p.Type {
	case "text":
		if strings.TrimSpace(p.Text) == "" {
			return invalid(f+".text", "must not be empty")
		}
		if strings.ContainsAny(p.Text, "\n\t") || strings.Contains(p.Text, "    ") {
			return invalid(f+".text", "must not contain new lines, tabs or more than 4 consecutive spaces")
		}
		return checkText(f+".text", p.Text, 32768, true)
	case "currency":
		c := p.Currency
		switch {
		case c == nil:
			return invalid(f+".currency", "required")
		case !currencyRE.MatchString(c.Code):
			return invalid(f+".currency.code", "must be an ISO 4217 code such as INR")
		case strings.TrimSpace(c.FallbackValue) == "":
			return invalid(f+".currency.fallback_value", "required")
		}
	case "date_time":
		if strings.TrimSpace(p.DateTime) == "" {
			return invalid(f+".date_time.fallback_value", "required")
		}
	default:
		return invalid(f+".type", "must be text, currency or date_time")
	}
	return nil
}

type wireParam struct {
	Type     string        `json:"type"`
	Name     string        `json:"parameter_name,omitempty"`
	Text     string        `json:"text,omitempty"`
	Currency *Currency     `json:"currency,omitempty"`
	DateTime *wireDateTime `json:"date_time,omitempty"`
	Image    *mediaObject  `json:"image,omitempty"`
	Video    *mediaObject  `json:"video,omitempty"`
	Document *mediaObject  `json:"document,omitempty"`
	Location *Location     `json:"location,omitempty"`
	Payload  string        `json:"payload,omitempty"`
	Coupon   string        `json:"coupon_code,omitempty"`
	Action   *wireFlowAct  `json:"action,omitempty"`
}

type wireDateTime struct {
	FallbackValue string `json:"fallback_value"`
}

type wireFlowAct struct {
	FlowToken  string          `json:"flow_token,omitempty"`
	ActionData json.RawMessage `json:"flow_action_data,omitempty"`
}

type wireComponent struct {
	Type       string      `json:"type"`
	SubType    string      `json:"sub_type,omitempty"`
	Index      *string     `json:"index,omitempty"`
	Parameters []wireParam `json:"parameters"`
}

type wireTemplate struct {
	Name     string `json:"name"`
	Language struct {
		Policy string `json:"policy"`
		Code   string `json:"code"`
	} `json:"language"`
	Components []wireComponent `json:"components,omitempty"`
}

func (p Param) wire() wireParam {
	w := wireParam{Type: p.Type, Name: p.Name, Text: p.Text, Currency: p.Currency}
	if p.Type == "date_time" {
		w.DateTime = &wireDateTime{FallbackValue: p.DateTime}
	}
	return w
}

func (t Template) fill(w *wireMessage) {
	wt := &wireTemplate{Name: t.Name}
	wt.Language.Policy, wt.Language.Code = "deterministic", t.Language
	if h := t.Header; h != nil {
		var p wireParam
		mo := &mediaObject{ID: h.Media.ID, Link: h.Media.Link, Filename: h.Filename}
		switch h.Type {
		case "text":
			p = h.Text.wire()
		case "image":
			p = wireParam{Type: "image", Image: mo}
		case "video":
			p = wireParam{Type: "video", Video: mo}
		case "document":
			p = wireParam{Type: "document", Document: mo}
		case "location":
			loc := h.Location
			p = wireParam{Type: "location", Location: &loc}
		}
		wt.Components = append(wt.Components, wireComponent{Type: "header", Parameters: []wireParam{p}})
	}
	if len(t.Body) > 0 {
		ps := make([]wireParam, len(t.Body))
		for i, p := range t.Body {
			ps[i] = p.wire()
		}
		wt.Components = append(wt.Components, wireComponent{Type: "body", Parameters: ps})
	}
	for _, b := range t.Buttons {
		idx := strconv.Itoa(b.Index)
		c := wireComponent{Type: "button", SubType: b.SubType, Index: &idx}
		switch b.SubType {
		case "quick_reply":
			c.Parameters = []wireParam{{Type: "payload", Payload: b.Payload}}
		case "url":
			c.Parameters = []wireParam{{Type: "text", Text: b.Text}}
		case "copy_code":
			c.Parameters = []wireParam{{Type: "coupon_code", Coupon: b.CouponCode}}
		case "flow":
			c.Parameters = []wireParam{{Type: "action", Action: &wireFlowAct{FlowToken: b.FlowToken, ActionData: b.FlowData}}}
		}
		wt.Components = append(wt.Components, c)
	}
	w.Template = wt
}
