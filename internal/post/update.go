package post

import (
	"fmt"
	"reflect"
	"strings"
)

// Update is a Micropub update (https://www.w3.org/TR/micropub/#update): replace, add and
// delete. Delete removes single values (Delete) or whole properties (DeleteProps).
type Update struct {
	Replace     map[string][]any
	Add         map[string][]any
	Delete      map[string][]any
	DeleteProps []string
}

// Validate checks the update before anything changes: every property name is non-empty,
// and none is "type", which an update cannot change (an item's type is not a property).
func (u Update) Validate() error {
	check := func(op, name string) error {
		switch {
		case strings.TrimSpace(name) == "":
			return fmt.Errorf("%w: %s: empty property name", ErrInvalid, op)
		case name == "type":
			return fmt.Errorf("%w: %s: the type of a post cannot be changed", ErrInvalid, op)
		}
		return nil
	}
	for _, m := range []struct {
		op    string
		props map[string][]any
	}{{"replace", u.Replace}, {"add", u.Add}, {"delete", u.Delete}} {
		for name := range m.props {
			if err := check(m.op, name); err != nil {
				return err
			}
		}
	}
	for _, name := range u.DeleteProps {
		if err := check("delete", name); err != nil {
			return err
		}
	}
	return nil
}

// Apply changes the item as Micropub section 3.3 says: replace, then add, then delete.
// Properties left without values are removed; deleting a value or a property that is not
// there is not an error. Commands (mp-*) and access_token are never written as properties:
// take them out first with StripUpdateCommands. If the update is invalid the item is left
// as it was.
func (u Update) Apply(it *Item) error {
	if err := u.Validate(); err != nil {
		return err
	}
	if it.Properties == nil {
		it.Properties = map[string][]any{}
	}
	for k, vs := range u.Replace {
		if isCommand(k) {
			continue
		}
		if vs = dropNil(vs); len(vs) == 0 {
			delete(it.Properties, k)
			continue
		}
		it.Properties[k] = append([]any(nil), vs...)
	}
	for k, vs := range u.Add {
		if vs = dropNil(vs); isCommand(k) || len(vs) == 0 {
			continue
		}
		it.Properties[k] = append(it.Properties[k][:len(it.Properties[k]):len(it.Properties[k])], vs...)
	}
	for _, k := range u.DeleteProps {
		delete(it.Properties, k)
	}
	for k, vs := range u.Delete {
		u.deleteValues(it, k, vs)
	}
	return nil
}

func (u Update) deleteValues(it *Item, k string, vs []any) {
	have, ok := it.Properties[k]
	if !ok {
		return
	}
	var kept []any
	for _, v := range have {
		if !containsValue(vs, v) {
			kept = append(kept, v)
		}
	}
	if len(kept) == 0 {
		delete(it.Properties, k)
	} else {
		it.Properties[k] = kept
	}
}

// containsValue compares JSON values; numbers decoded from JSON are float64 on both sides.
func containsValue(list []any, v any) bool {
	for _, x := range list {
		if reflect.DeepEqual(x, v) {
			return true
		}
	}
	return false
}

func dropNil(vs []any) []any {
	for _, v := range vs {
		if v == nil {
			out := make([]any, 0, len(vs))
			for _, v := range vs {
				if v != nil {
					out = append(out, v)
				}
			}
			return out
		}
	}
	return vs
}
