package post

import "strings"

// legacyCommands are pre-"mp-" names older clients still send (Quill accounts created
// before the rename; OwnYourSwarm's syndication rules in JSON): they are commands, not
// properties, and are returned under their current names.
var legacyCommands = map[string]string{
	"slug":         "mp-slug",
	"syndicate-to": "mp-syndicate-to",
}

// isCommand reports whether a property name is a Micropub command or the token, which are
// never stored as properties (Micropub section 3.7, and the form-encoded access_token of
// section 4.1.1).
func isCommand(name string) bool {
	return strings.HasPrefix(name, "mp-") || name == "access_token" || legacyCommands[name] != ""
}

// StripCommands removes every mp-* command, the legacy slug and syndicate-to names and
// access_token from the item's properties and returns the commands, keyed by their mp-
// name (access_token is dropped, not returned). Where both a legacy and a current name
// were sent, the current one's values come first.
func StripCommands(it *Item) map[string][]any {
	cmds := map[string][]any{}
	for name, vs := range it.Properties {
		if !isCommand(name) {
			continue
		}
		delete(it.Properties, name)
		if name == "access_token" {
			continue
		}
		if cur, ok := legacyCommands[name]; ok {
			cmds[cur] = append(cmds[cur], vs...)
			continue
		}
		cmds[name] = append(append([]any(nil), vs...), cmds[name]...)
	}
	return cmds
}

// StripUpdateCommands does what StripCommands does for the maps of an update, so that
// an mp-* name inside replace or add changes nothing stored.
func StripUpdateCommands(u *Update) map[string][]any {
	cmds := map[string][]any{}
	for _, m := range []map[string][]any{u.Replace, u.Add} {
		it := Item{Properties: m}
		for k, vs := range StripCommands(&it) {
			cmds[k] = append(cmds[k], vs...)
		}
	}
	for k := range u.Delete {
		if isCommand(k) {
			delete(u.Delete, k)
		}
	}
	kept := u.DeleteProps[:0:0]
	for _, k := range u.DeleteProps {
		if !isCommand(k) {
			kept = append(kept, k)
		}
	}
	u.DeleteProps = kept
	return cmds
}

// CommandStrings is the non-empty string values of a command (mp-syndicate-to=[""] from
// the Micro.blog app means "no targets").
func CommandStrings(cmds map[string][]any, name string) []string {
	var out []string
	for _, v := range cmds[name] {
		if s := strings.TrimSpace(StringValue(v)); s != "" {
			out = append(out, s)
		}
	}
	return out
}
