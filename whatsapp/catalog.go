package whatsapp

import (
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Category is a template category.
type Category string

// Template categories.
const (
	CategoryMarketing      Category = "MARKETING"
	CategoryUtility        Category = "UTILITY"
	CategoryAuthentication Category = "AUTHENTICATION"
	// CategoryService is the pricing category of free-form messages inside
	// the customer-service window.
	CategoryService Category = "SERVICE"
)

// TemplateComponent is one component of a template definition.
type TemplateComponent struct {
	// Type is HEADER, BODY, FOOTER or BUTTONS.
	Type string `json:"type"`
	// Format is the header format: TEXT, IMAGE, VIDEO, DOCUMENT or LOCATION.
	Format  string           `json:"format,omitempty"`
	Text    string           `json:"text,omitempty"`
	Buttons []TemplateButton `json:"buttons,omitempty"`
	// Example holds sample values, as Meta requires for variables.
	Example json.RawMessage `json:"example,omitempty"`
}

// TemplateButton is one button of a template definition.
type TemplateButton struct {
	// Type is QUICK_REPLY, URL, PHONE_NUMBER, COPY_CODE, FLOW, OTP…
	Type        string          `json:"type"`
	Text        string          `json:"text,omitempty"`
	URL         string          `json:"url,omitempty"`
	PhoneNumber string          `json:"phone_number,omitempty"`
	FlowID      string          `json:"flow_id,omitempty"`
	Example     json.RawMessage `json:"example,omitempty"`
}

// TemplateDefinition is a message template as listed and created on a WABA.
type TemplateDefinition struct {
	ID       string   `json:"id,omitempty"`
	Name     string   `json:"name"`
	Language string   `json:"language"`
	Category Category `json:"category"`
	// Status is APPROVED, PENDING, REJECTED, PAUSED, DISABLED…
	Status string `json:"status,omitempty"`
	// ParameterFormat is POSITIONAL (default) or NAMED.
	ParameterFormat string              `json:"parameter_format,omitempty"`
	Components      []TemplateComponent `json:"components"`
	// QualityScore is the template's quality rating, when Meta reports it.
	QualityScore *QualityScore `json:"quality_score,omitempty"`
	// RejectedReason explains a rejection.
	RejectedReason string `json:"rejected_reason,omitempty"`
}

// QualityScore is a template's quality rating (GREEN, YELLOW, RED, UNKNOWN).
type QualityScore struct {
	Score string `json:"score"`
	Date  int64  `json:"date,omitempty"`
}

// TemplateInfo is what the [Catalog] knows about one template: its category
// for routing and its variables for validating sends.
type TemplateInfo struct {
	Name     string
	Language string
	Category Category
	Status   string
	// HeaderFormat is TEXT, IMAGE, VIDEO, DOCUMENT, LOCATION or "".
	HeaderFormat string
	// HeaderParams and BodyParams are the variables in order: "1", "2"… for
	// positional templates, names for named ones.
	HeaderParams []string
	BodyParams   []string
	// Buttons are the button types in order (QUICK_REPLY, URL…).
	Buttons []string
	// DynamicURL marks URL buttons whose URL has a variable, by index.
	DynamicURL map[int]bool
	// Defined is true when the info comes from a full definition (a
	// listing or creation), so sends are checked against it; info known only
	// from webhooks carries just the category and status.
	Defined bool
}

var varRE = regexp.MustCompile(`\{\{\s*([A-Za-z0-9_]+)\s*\}\}`)

func variables(text string) []string {
	var out []string
	for _, m := range varRE.FindAllStringSubmatch(text, -1) {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	return out
}

// InfoFromDefinition derives the routing and validation facts of a
// template definition.
func InfoFromDefinition(d TemplateDefinition) TemplateInfo {
	ti := TemplateInfo{Name: d.Name, Language: d.Language, Category: Category(strings.ToUpper(string(d.Category))), Status: d.Status, Defined: true}
	for _, c := range d.Components {
		switch strings.ToUpper(c.Type) {
		case "HEADER":
			ti.HeaderFormat = strings.ToUpper(c.Format)
			if ti.HeaderFormat == "TEXT" {
				ti.HeaderParams = variables(c.Text)
			}
		case "BODY":
			ti.BodyParams = variables(c.Text)
		case "BUTTONS":
			for i, b := range c.Buttons {
				ti.Buttons = append(ti.Buttons, strings.ToUpper(b.Type))
				if strings.EqualFold(b.Type, "URL") && varRE.MatchString(b.URL) {
					if ti.DynamicURL == nil {
						ti.DynamicURL = map[int]bool{}
					}
					ti.DynamicURL[i] = true
				}
			}
		}
	}
	return ti
}

// Catalog maps templates (name and language) to their category and
// variables. It routes marketing templates to /marketing_messages and lets
// Send reject parameters the template does not have before any call. Feed
// it from template listings ([TemplatesService.All], [Catalog.Learn]) and
// keep it current with template_category_update and status webhooks
// ([Catalog.Apply]). A Catalog is safe for concurrent use; the zero value is
// not usable, use [NewCatalog].
type Catalog struct {
	mu sync.RWMutex
	m  map[string]TemplateInfo
	// byName maps a name to its category when languages disagree or the
	// language is unknown (category update webhooks name a language, but
	// callers may not).
	byName map[string]Category
}

// NewCatalog returns an empty catalog.
func NewCatalog() *Catalog {
	return &Catalog{m: map[string]TemplateInfo{}, byName: map[string]Category{}}
}

func catalogKey(name, lang string) string { return name + "\x00" + lang }

// Put records info, replacing what was known about the template.
func (c *Catalog) Put(info TemplateInfo) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[catalogKey(info.Name, info.Language)] = info
	if info.Category != "" {
		c.byName[info.Name] = info.Category
	}
}

// Learn records a template definition (from a listing or a create call).
func (c *Catalog) Learn(d TemplateDefinition) { c.Put(InfoFromDefinition(d)) }

// Lookup returns what is known about the template.
func (c *Catalog) Lookup(name, language string) (TemplateInfo, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	ti, ok := c.m[catalogKey(name, language)]
	return ti, ok
}

// Category returns the template's category, or "" when unknown.
func (c *Catalog) Category(name, language string) Category {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if ti, ok := c.m[catalogKey(name, language)]; ok && ti.Category != "" {
		return ti.Category
	}
	return c.byName[name]
}

// SetCategory records a category change, as template_category_update
// webhooks report it.
func (c *Catalog) SetCategory(name, language string, cat Category) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := catalogKey(name, language)
	ti, ok := c.m[k]
	if !ok {
		ti = TemplateInfo{Name: name, Language: language}
	}
	ti.Category = cat
	c.m[k] = ti
	c.byName[name] = cat
}

// Apply updates the catalog from a webhook event: template category updates
// change the category, template status updates the status (and category
// when reported). Other events are ignored. It reports whether the catalog
// changed.
func (c *Catalog) Apply(ev Event) bool {
	switch {
	case ev.TemplateCategory != nil:
		u := ev.TemplateCategory
		cat := u.NewCategory
		if u.CorrectCategory != "" {
			cat = u.CorrectCategory
		}
		if cat == "" {
			return false
		}
		c.SetCategory(u.TemplateName, u.TemplateLanguage, cat)
		return true
	case ev.TemplateStatus != nil:
		u := ev.TemplateStatus
		c.mu.Lock()
		defer c.mu.Unlock()
		k := catalogKey(u.TemplateName, u.TemplateLanguage)
		ti, ok := c.m[k]
		if !ok {
			ti = TemplateInfo{Name: u.TemplateName, Language: u.TemplateLanguage}
		}
		ti.Status = u.Event
		if u.Category != "" {
			ti.Category = u.Category
			c.byName[u.TemplateName] = u.Category
		}
		c.m[k] = ti
		return true
	}
	return false
}

// Check validates a template send on its own and, when the catalog holds
// the template's definition, against it: parameters the template does not
// have, missing ones, header and button kinds. It returns a
// [*ValidationError] naming the field. Send calls it; campaign planners call
// it to reject a plan before any message goes out.
func (c *Catalog) Check(t Template) error {
	if err := t.validate("template"); err != nil {
		return err
	}
	if ti, ok := c.Lookup(t.Name, t.Language); ok && ti.Defined {
		return ti.check(t)
	}
	return nil
}

// check validates t's parameters against what is known about the template.
func (ti TemplateInfo) check(t Template) error {
	const hf = "template.components[header]"
	switch {
	case t.Header == nil && ti.HeaderFormat != "" && (ti.HeaderFormat != "TEXT" || len(ti.HeaderParams) > 0):
		return invalid(hf, "template "+strconv.Quote(t.Name)+" needs a "+strings.ToLower(ti.HeaderFormat)+" header parameter")
	case t.Header != nil && ti.HeaderFormat == "":
		return invalid(hf, "template "+strconv.Quote(t.Name)+" has no header")
	case t.Header != nil && strings.ToLower(ti.HeaderFormat) != t.Header.Type:
		return invalid(hf+".parameters[0].type", "template "+strconv.Quote(t.Name)+" has a "+strings.ToLower(ti.HeaderFormat)+" header")
	case t.Header != nil && t.Header.Type == "text" && len(ti.HeaderParams) == 0:
		return invalid(hf+".parameters", "template "+strconv.Quote(t.Name)+" has no header variable")
	}
	if t.Header != nil && t.Header.Type == "text" && t.Header.Text.Name != "" && !slices.Contains(ti.HeaderParams, t.Header.Text.Name) {
		return invalid(hf+".parameters[0].parameter_name", "unknown parameter "+strconv.Quote(t.Header.Text.Name))
	}
	if err := checkParams("template.components[body].parameters", t.Name, ti.BodyParams, t.Body); err != nil {
		return err
	}
	for i, b := range t.Buttons {
		f := "template.components[button][" + strconv.Itoa(i) + "]"
		if b.Index >= len(ti.Buttons) {
			return invalid(f+".index", "template "+strconv.Quote(t.Name)+" has "+strconv.Itoa(len(ti.Buttons))+" buttons")
		}
		want := map[string]string{"quick_reply": "QUICK_REPLY", "url": "URL", "copy_code": "COPY_CODE", "flow": "FLOW"}[b.SubType]
		if ti.Buttons[b.Index] != want {
			return invalid(f+".sub_type", "button "+strconv.Itoa(b.Index)+" of the template is "+ti.Buttons[b.Index])
		}
		if b.SubType == "url" && !ti.DynamicURL[b.Index] {
			return invalid(f+".parameters", "URL button "+strconv.Itoa(b.Index)+" has no variable")
		}
	}
	for idx := range ti.DynamicURL {
		if !slices.ContainsFunc(t.Buttons, func(b ButtonParam) bool { return b.Index == idx }) {
			return invalid("template.components[button]", "URL button "+strconv.Itoa(idx)+" needs its suffix parameter")
		}
	}
	return nil
}

func checkParams(f, name string, want []string, got []Param) error {
	named := len(got) > 0 && got[0].Name != ""
	if !named {
		if len(got) != len(want) {
			return invalid(f, "template "+strconv.Quote(name)+" has "+strconv.Itoa(len(want))+" parameters, got "+strconv.Itoa(len(got)))
		}
		return nil
	}
	seen := map[string]bool{}
	for i, p := range got {
		if !slices.Contains(want, p.Name) {
			return invalid(f+"["+strconv.Itoa(i)+"].parameter_name", "unknown parameter "+strconv.Quote(p.Name))
		}
		if seen[p.Name] {
			return invalid(f+"["+strconv.Itoa(i)+"].parameter_name", "duplicate parameter "+strconv.Quote(p.Name))
		}
		seen[p.Name] = true
	}
	for _, w := range want {
		if !seen[w] {
			return invalid(f, "missing parameter "+strconv.Quote(w))
		}
	}
	return nil
}
