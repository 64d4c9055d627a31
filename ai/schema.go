package ai

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// schema is the subset of JSON Schema the structured tasks use, both sent
// to the provider and enforced on the returned output.
type schema struct {
	Type                 string             `json:"type"`
	Description          string             `json:"description,omitempty"`
	Properties           map[string]*schema `json:"properties,omitempty"`
	Required             []string           `json:"required,omitempty"`
	AdditionalProperties *bool              `json:"additionalProperties,omitempty"`
	Items                *schema            `json:"items,omitempty"`
	Enum                 []string           `json:"enum,omitempty"`
	Minimum              *float64           `json:"minimum,omitempty"`
	Maximum              *float64           `json:"maximum,omitempty"`
}

// object builds a strict object schema: every property required, no others.
func object(props map[string]*schema) *schema {
	f := false
	req := make([]string, 0, len(props))
	for k := range props {
		req = append(req, k)
	}
	sort.Strings(req)
	return &schema{Type: "object", Properties: props, Required: req, AdditionalProperties: &f}
}

func str(desc string) *schema { return &schema{Type: "string", Description: desc} }

func enum(desc string, values ...string) *schema {
	return &schema{Type: "string", Description: desc, Enum: values}
}

func number(typ, desc string, lo, hi float64) *schema {
	return &schema{Type: typ, Description: desc, Minimum: &lo, Maximum: &hi}
}

func array(items *schema, desc string) *schema {
	return &schema{Type: "array", Description: desc, Items: items}
}

func (s *schema) raw() json.RawMessage {
	b, _ := json.Marshal(s)
	return b
}

// decode validates data against s and unmarshals it into v. Errors name the
// failing path, never the value.
func (s *schema) decode(data string, v any) error {
	data = strings.TrimSpace(data)
	dec := json.NewDecoder(strings.NewReader(data))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return fmt.Errorf("%w: output is not JSON", ErrInvalidOutput)
	}
	if dec.More() {
		return fmt.Errorf("%w: trailing data after the JSON value", ErrInvalidOutput)
	}
	if err := s.validate("$", doc); err != nil {
		return err
	}
	d := json.NewDecoder(bytes.NewReader([]byte(data)))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidOutput, err)
	}
	return nil
}

func (s *schema) validate(path string, v any) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrInvalidOutput, path, fmt.Sprintf(format, args...))
	}
	switch s.Type {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			return bad("want an object")
		}
		for _, r := range s.Required {
			if _, ok := m[r]; !ok {
				return bad("missing required field %q", r)
			}
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			sub, ok := s.Properties[k]
			if !ok {
				if s.AdditionalProperties != nil && !*s.AdditionalProperties {
					return bad("unexpected field %q", k)
				}
				continue
			}
			if err := sub.validate(path+"."+k, m[k]); err != nil {
				return err
			}
		}
	case "array":
		a, ok := v.([]any)
		if !ok {
			return bad("want an array")
		}
		if s.Items != nil {
			for i, it := range a {
				if err := s.Items.validate(fmt.Sprintf("%s[%d]", path, i), it); err != nil {
					return err
				}
			}
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			return bad("want a string")
		}
		if len(s.Enum) > 0 {
			for _, e := range s.Enum {
				if e == str {
					return nil
				}
			}
			return bad("value not in the allowed set")
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			return bad("want a boolean")
		}
	case "integer", "number":
		n, ok := v.(json.Number)
		if !ok {
			return bad("want a %s", s.Type)
		}
		f, err := n.Float64()
		if err != nil {
			return bad("want a %s", s.Type)
		}
		if s.Type == "integer" {
			if _, err := n.Int64(); err != nil {
				return bad("want an integer")
			}
		}
		if s.Minimum != nil && f < *s.Minimum {
			return bad("below minimum %v", *s.Minimum)
		}
		if s.Maximum != nil && f > *s.Maximum {
			return bad("above maximum %v", *s.Maximum)
		}
	default:
		return bad("unsupported schema type %q", s.Type)
	}
	return nil
}
