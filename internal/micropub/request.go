package micropub

import (
	"fmt"
	"strings"

	"github.com/indiepub/indiepub/internal/media"
	"github.com/indiepub/indiepub/internal/post"
)

// request is a Micropub POST body in any of the three formats, read into one shape.
type request struct {
	action string // "" for a create
	url    string // the post an action applies to
	token  string // access_token sent in the body, if any
	item   post.Item
	// cmds are the mp-* commands (legacy slug and syndicate-to included under their mp-
	// names); they steer the server and are never stored as properties.
	cmds   map[string][]any
	update post.Update
	// uploads are the URLs of files sent in a multipart part named "file".
	uploads []string
	// saved collects the URLs of every file this request stores: file parts and
	// embedded data: images.
	saved *[]media.Saved
}

func newRequest() *request {
	return &request{
		item:  post.Item{Properties: map[string][]any{}},
		cmds:  map[string][]any{},
		saved: new([]media.Saved),
	}
}

// bareUpload reports whether the request is only a file (Sunlit and Micropublish post a
// lone "file" part to the Micropub endpoint when they know no media endpoint).
func (req *request) bareUpload() bool {
	return len(req.item.Properties) == 0 && req.item.Type == nil
}

// legacyNames maps property names older clients use for what are now commands.
var legacyNames = map[string]string{
	"slug":         "mp-slug",
	"syndicate-to": "mp-syndicate-to",
}

// isControl reports whether a field name steers the request (the token, the type, the
// action and its target, or a command) rather than carrying a property value.
func isControl(name string) bool {
	switch name {
	case "access_token", "h", "action", "url":
		return true
	}
	return isCommand(name)
}

// isCommand reports whether a property name is a server command rather than content.
func isCommand(name string) bool {
	return strings.HasPrefix(name, "mp-") || legacyNames[name] != ""
}

// commandName is the mp- name of a command.
func commandName(name string) string {
	if n := legacyNames[name]; n != "" {
		return n
	}
	return name
}

// setField adds one form or multipart field to the request.
func (req *request) setField(key, value string) error {
	name, sub := splitKey(key)
	switch {
	case name == "access_token":
		if req.token != "" && req.token != value {
			return fmt.Errorf("%w: two different access_token fields", post.ErrInvalid)
		}
		req.token = value
	case name == "h":
		if value != "" {
			req.item.Type = []string{"h-" + strings.TrimPrefix(value, "h-")}
		}
	case name == "action":
		req.action = value
	case isCommand(name):
		req.cmds[commandName(name)] = append(req.cmds[commandName(name)], value)
	case name == "":
		return fmt.Errorf("%w: empty field name", post.ErrInvalid)
	case sub == "html" || sub == "value":
		// content[html]=… is how some form clients send HTML content.
		req.addProperty(name, map[string]any{sub: value})
	default:
		req.addProperty(name, value)
	}
	return nil
}

// addProperty appends a value, skipping empty strings: Quill's editor sends name[]= and
// Sunlit "name":[""] for "no name", which must not make the post an article.
func (req *request) addProperty(name string, v any) {
	if s, ok := v.(string); ok && s == "" {
		return
	}
	req.item.Properties[name] = append(req.item.Properties[name], v)
}

// splitKey turns "category[]" into "category", "photo[0]" into "photo" and
// "content[html]" into ("content", "html"). A key that is only brackets ("[]") has an
// empty name.
func splitKey(key string) (name, sub string) {
	i := strings.IndexByte(key, '[')
	if i < 0 || !strings.HasSuffix(key, "]") {
		return key, ""
	}
	sub = key[i+1 : len(key)-1]
	if strings.Trim(sub, "0123456789") == "" {
		sub = ""
	}
	return key[:i], sub
}

// finish checks the request once every field is in, and splits a comma-joined category
// (Quill's email bridge sends "category=a,b").
func (req *request) finish() error {
	if req.action != "" {
		req.url = req.item.First("url")
		return nil
	}
	if cats := req.item.Properties["category"]; len(cats) == 1 {
		if s, ok := cats[0].(string); ok && strings.Contains(s, ",") {
			var split []any
			for _, c := range strings.Split(s, ",") {
				if c = strings.TrimSpace(c); c != "" {
					split = append(split, c)
				}
			}
			req.item.Properties["category"] = split
		}
	}
	return nil
}

// stringCmd is the first value of a command as a string.
func (req *request) stringCmd(name string) string {
	for _, v := range req.cmds[name] {
		if s, ok := v.(string); ok && s != "" {
			return s
		}
	}
	return ""
}

// stringsCmd lists the non-empty string values of a command: "mp-syndicate-to[]=" with
// an empty value means no targets.
func (req *request) stringsCmd(name string) []string {
	var out []string
	for _, v := range req.cmds[name] {
		if s, ok := v.(string); ok && s != "" {
			out = append(out, s)
		}
	}
	return out
}

// stringsCmdAll lists a command's values by position, empty ones included, so that the
// nth mp-photo-alt stays with the nth photo.
func (req *request) stringsCmdAll(name string) []string {
	var out []string
	for _, v := range req.cmds[name] {
		s, _ := v.(string)
		out = append(out, s)
	}
	return out
}
