package whatsapp

import (
	"context"
	"fmt"
	"iter"
	"net/url"
	"strconv"
	"strings"

	"github.com/botsync/botsync/meta"
)

// TemplatesService manages message templates of a WhatsApp Business Account.
// Every template it lists or creates is recorded in the client's [Catalog].
type TemplatesService struct{ c *Client }

// TemplateListOptions filters template listings. Zero fields do not filter.
type TemplateListOptions struct {
	Name     string
	Status   string
	Category Category
	Language string
	// Limit is the page size (Meta's default when 0).
	Limit int
	// After is the cursor of the previous page.
	After string
}

const templateFields = "id,name,language,status,category,parameter_format,components,quality_score,rejected_reason"

func (o *TemplateListOptions) query() url.Values {
	q := url.Values{"fields": {templateFields}}
	if o == nil {
		return q
	}
	if o.Name != "" {
		q.Set("name", o.Name)
	}
	if o.Status != "" {
		q.Set("status", o.Status)
	}
	if o.Category != "" {
		q.Set("category", string(o.Category))
	}
	if o.Language != "" {
		q.Set("language", o.Language)
	}
	if o.Limit > 0 {
		q.Set("limit", strconv.Itoa(o.Limit))
	}
	if o.After != "" {
		q.Set("after", o.After)
	}
	return q
}

// List returns one page of the WABA's templates; pass the page's
// Paging.Cursors.After as opts.After for the next.
func (s *TemplatesService) List(ctx context.Context, wabaID string, opts *TemplateListOptions) (*meta.Page[TemplateDefinition], error) {
	if err := checkID("waba_id", wabaID); err != nil {
		return nil, err
	}
	p, _, err := meta.List[TemplateDefinition](ctx, s.c.api, wabaID+"/message_templates", opts.query())
	if err != nil {
		return nil, fmt.Errorf("whatsapp: list templates: %w", err)
	}
	for _, d := range p.Data {
		s.c.cfg.catalog.Learn(d)
	}
	return p, nil
}

// All iterates over every template of the WABA (opts.After is ignored).
func (s *TemplatesService) All(ctx context.Context, wabaID string, opts *TemplateListOptions) iter.Seq2[TemplateDefinition, error] {
	return func(yield func(TemplateDefinition, error) bool) {
		if err := checkID("waba_id", wabaID); err != nil {
			yield(TemplateDefinition{}, err)
			return
		}
		q := opts.query()
		q.Del("after")
		for d, err := range meta.All[TemplateDefinition](ctx, s.c.api, wabaID+"/message_templates", q) {
			if err != nil {
				yield(TemplateDefinition{}, fmt.Errorf("whatsapp: list templates: %w", err))
				return
			}
			s.c.cfg.catalog.Learn(d)
			if !yield(d, nil) {
				return
			}
		}
	}
}

// Sync loads every template of the WABA into the catalog and returns how
// many there were.
func (s *TemplatesService) Sync(ctx context.Context, wabaID string) (int, error) {
	n := 0
	for _, err := range s.All(ctx, wabaID, nil) {
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// Get returns one template by id.
func (s *TemplatesService) Get(ctx context.Context, templateID string) (*TemplateDefinition, error) {
	if err := checkID("template_id", templateID); err != nil {
		return nil, err
	}
	var d TemplateDefinition
	if _, err := s.c.api.Get(ctx, templateID, url.Values{"fields": {templateFields}}, &d); err != nil {
		return nil, fmt.Errorf("whatsapp: get template: %w", err)
	}
	s.c.cfg.catalog.Learn(d)
	return &d, nil
}

// CreatedTemplate is Meta's answer to a template creation.
type CreatedTemplate struct {
	ID       string   `json:"id"`
	Status   string   `json:"status"`
	Category Category `json:"category"`
}

// Validate checks a definition before it is submitted.
func (d TemplateDefinition) Validate() error {
	if !templateNameRE.MatchString(d.Name) {
		return invalid("name", "must be 1–512 lowercase letters, digits or underscores")
	}
	if !languageRE.MatchString(d.Language) {
		return invalid("language", "must be a language code such as en_US")
	}
	switch d.Category {
	case CategoryMarketing, CategoryUtility, CategoryAuthentication:
	default:
		return invalid("category", "must be MARKETING, UTILITY or AUTHENTICATION")
	}
	switch d.ParameterFormat {
	case "", "POSITIONAL", "NAMED":
	default:
		return invalid("parameter_format", "must be POSITIONAL or NAMED")
	}
	body := false
	for i, c := range d.Components {
		f := "components[" + strconv.Itoa(i) + "]"
		switch strings.ToUpper(c.Type) {
		case "BODY":
			body = true
			if d.Category != CategoryAuthentication {
				if err := checkText(f+".text", c.Text, 1024, true); err != nil {
					return err
				}
			}
		case "HEADER":
			switch strings.ToUpper(c.Format) {
			case "TEXT":
				if err := checkText(f+".text", c.Text, MaxHeaderText, true); err != nil {
					return err
				}
			case "IMAGE", "VIDEO", "DOCUMENT", "LOCATION":
			default:
				return invalid(f+".format", "must be TEXT, IMAGE, VIDEO, DOCUMENT or LOCATION")
			}
		case "FOOTER":
			if err := checkText(f+".text", c.Text, MaxFooter, true); err != nil {
				return err
			}
		case "BUTTONS":
			if len(c.Buttons) == 0 || len(c.Buttons) > 10 {
				return invalid(f+".buttons", "must have 1–10 buttons")
			}
		default:
			return invalid(f+".type", "must be HEADER, BODY, FOOTER or BUTTONS")
		}
	}
	if !body {
		return invalid("components", "a BODY component is required")
	}
	return nil
}

// Create submits a template for review. Its category (possibly corrected by
// Meta) is recorded in the catalog.
func (s *TemplatesService) Create(ctx context.Context, wabaID string, d TemplateDefinition) (*CreatedTemplate, error) {
	if err := checkID("waba_id", wabaID); err != nil {
		return nil, err
	}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	body := d
	body.ID, body.Status, body.QualityScore, body.RejectedReason = "", "", nil, ""
	var ct CreatedTemplate
	if _, err := s.c.api.Post(ctx, wabaID+"/message_templates", body, &ct); err != nil {
		return nil, fmt.Errorf("whatsapp: create template: %w", err)
	}
	d.ID, d.Status = ct.ID, ct.Status
	if ct.Category != "" {
		d.Category = ct.Category
	}
	s.c.cfg.catalog.Learn(d)
	return &ct, nil
}

// Delete deletes a template by name (every language), or only the one with
// templateID when it is not empty.
func (s *TemplatesService) Delete(ctx context.Context, wabaID, name, templateID string) error {
	if err := checkID("waba_id", wabaID); err != nil {
		return err
	}
	if !templateNameRE.MatchString(name) {
		return invalid("name", "must be 1–512 lowercase letters, digits or underscores")
	}
	q := url.Values{"name": {name}}
	if templateID != "" {
		if err := checkID("hsm_id", templateID); err != nil {
			return err
		}
		q.Set("hsm_id", templateID)
	}
	if _, err := s.c.api.Delete(ctx, wabaID+"/message_templates?"+q.Encode(), nil); err != nil {
		return fmt.Errorf("whatsapp: delete template: %w", err)
	}
	return nil
}
