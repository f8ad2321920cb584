package post

import (
	"fmt"
	"reflect"
)

// Update is a Micropub update: replace, add and delete. Delete removes whole properties
// (DeleteProps) or single values (Delete).
type Update struct {
	Replace     map[string][]any
	Add         map[string][]any
	Delete      map[string][]any
	DeleteProps []string
}

// Apply changes the item as the Micropub spec section 3.3 says: replace, then add, then
// delete. Properties left without values are removed.
func (u Update) Apply(it *Item) error {
	if it.Properties == nil {
		it.Properties = map[string][]any{}
	}
	for k, vs := range u.Replace {
		if len(vs) == 0 {
			delete(it.Properties, k)
			continue
		}
		it.Properties[k] = vs
	}
	for k, vs := range u.Add {
		it.Properties[k] = append(it.Properties[k], vs...)
	}
	for _, k := range u.DeleteProps {
		delete(it.Properties, k)
	}
	for k, vs := range u.Delete {
		kept := it.Properties[k][:0:0]
		for _, have := range it.Properties[k] {
			if !containsValue(vs, have) {
				kept = append(kept, have)
			}
		}
		if len(kept) == 0 {
			delete(it.Properties, k)
		} else {
			it.Properties[k] = kept
		}
	}
	for k := range it.Properties {
		if k == "" {
			return fmt.Errorf("%w: empty property name", ErrInvalid)
		}
	}
	return nil
}

func containsValue(list []any, v any) bool {
	for _, x := range list {
		if reflect.DeepEqual(x, v) {
			return true
		}
	}
	return false
}
