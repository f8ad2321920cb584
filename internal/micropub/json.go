package micropub

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/indiepub/indiepub/internal/post"
)

// parseJSON reads an application/json body: a create ({"type","properties"}), an update
// ({"action":"update","url",replace/add/delete}) or a delete or undelete.
func parseJSON(r io.Reader) (*request, error) {
	var raw map[string]any
	dec := json.NewDecoder(r)
	if err := dec.Decode(&raw); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: malformed JSON: %w", post.ErrInvalid, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: malformed JSON: more than one value", post.ErrInvalid)
	}
	if raw == nil {
		return nil, fmt.Errorf("%w: the body must be a JSON object", post.ErrInvalid)
	}
	req := newRequest()
	if t, ok := raw["access_token"].(string); ok {
		req.token = t
	}
	action, ok := raw["action"].(string)
	if !ok && raw["action"] != nil {
		return nil, fmt.Errorf("%w: action must be a string", post.ErrInvalid)
	}
	req.action = action
	if action != "" {
		u, ok := raw["url"].(string)
		if !ok && raw["url"] != nil {
			return nil, fmt.Errorf("%w: url must be a string", post.ErrInvalid)
		}
		req.url = u
		if action == "update" {
			return req, parseUpdate(req, raw)
		}
		return req, nil
	}
	return req, parseJSONCreate(req, raw)
}

// parseJSONCreate reads the item of a create. Commands may sit inside properties (the
// spec's place) or beside them (some clients); mp-destination outside properties is
// Micro.blog's and Sunlit's, and means nothing here.
func parseJSONCreate(req *request, raw map[string]any) error {
	it, err := post.Normalize(raw)
	if err != nil {
		return err
	}
	for k, v := range raw {
		if isCommand(k) {
			req.cmds[commandName(k)] = asList(v)
		}
	}
	for k, vs := range post.StripCommands(&it) {
		req.cmds[k] = append(req.cmds[k], vs...)
	}
	for k, vs := range it.Properties {
		kept := vs[:0:0]
		for _, v := range vs {
			if s, ok := v.(string); (ok && s == "") || v == nil {
				continue
			}
			kept = append(kept, v)
		}
		if len(kept) == 0 {
			delete(it.Properties, k)
		} else {
			it.Properties[k] = kept
		}
	}
	req.item = it
	return nil
}

// parseUpdate reads replace, add and delete (Micropub section 3.3). "replace": [] is how
// PHP's json_encode writes an empty map (OwnYourSwarm); "delete" is a list of property
// names or a map of values to remove; commands such as mp-syndicate-to may sit beside
// them (Micropublish).
func parseUpdate(req *request, raw map[string]any) error {
	var err error
	if req.update.Replace, err = operation(raw, "replace"); err != nil {
		return err
	}
	if req.update.Add, err = operation(raw, "add"); err != nil {
		return err
	}
	switch d := raw["delete"].(type) {
	case nil:
	case []any:
		for _, v := range d {
			name, ok := v.(string)
			if !ok || name == "" {
				return fmt.Errorf("%w: delete lists property names", post.ErrInvalid)
			}
			req.update.DeleteProps = append(req.update.DeleteProps, name)
		}
	default:
		if req.update.Delete, err = operation(raw, "delete"); err != nil {
			return err
		}
	}
	for k, v := range raw {
		if isCommand(k) {
			req.cmds[commandName(k)] = asList(v)
		}
	}
	for k, vs := range post.StripUpdateCommands(&req.update) {
		req.cmds[k] = append(req.cmds[k], vs...)
	}
	return req.update.Validate()
}

// operation reads one update operation: an object of property name to values. A bare
// value is taken as a one-element list; anything but an object is refused (micropub.rocks
// test 405).
func operation(raw map[string]any, name string) (map[string][]any, error) {
	switch v := raw[name].(type) {
	case nil:
		return nil, nil
	case []any:
		if len(v) == 0 {
			return nil, nil
		}
	case map[string]any:
		out := make(map[string][]any, len(v))
		for k, vals := range v {
			if strings.TrimSpace(k) == "" {
				return nil, fmt.Errorf("%w: %s: empty property name", post.ErrInvalid, name)
			}
			out[k] = asList(vals)
		}
		return out, nil
	}
	return nil, fmt.Errorf("%w: %s must be an object of property names to lists of values", post.ErrInvalid, name)
}

func asList(v any) []any {
	if v == nil {
		return nil
	}
	if l, ok := v.([]any); ok {
		return l
	}
	return []any{v}
}
