package admin

import (
	"errors"
	"net/http"
	"strings"

	"github.com/indiepub/indiepub/internal/owner"
	"github.com/indiepub/indiepub/internal/settings"
)

// SettingsPage serves the owner's settings: name, photo, note, URL patterns and the
// default visibility of new posts.
func (s *Server) SettingsPage() http.Handler { return s.pages.Handle(s.settingsPage) }

// SaveSettings stores the settings form; the website and Micropub use the new values
// from the next request on.
func (s *Server) SaveSettings() http.Handler { return s.pages.Handle(s.saveSettings) }

// settingsForm is the form as the owner typed it.
type settingsForm struct {
	Name, Photo, Note, Patterns, DefaultVisibility string
}

// settingsPage is the data of the settings.html template.
type settingsPage struct {
	CSRF, Done string
	Form       settingsForm
	Errors     map[string]string
	// Fixed names, by field, the flag and variable that set it at start: the stored
	// value is kept but not used while it is given. Patterns are fixed type by type.
	Fixed         map[string]string
	FixedPatterns string
}

// fixedBy are the flags (and their variables) that fix a setting at start.
var fixedBy = map[string]string{
	"name":         "--name (INDIEPUB_NAME)",
	"photo":        "--photo (INDIEPUB_PHOTO)",
	"note":         "--note (INDIEPUB_NOTE)",
	"url_patterns": "--url-pattern (INDIEPUB_URL_PATTERNS)",
}

// errNoSettings answers the settings routes of owner's pages built without settings.
var errNoSettings = owner.Errorf(http.StatusNotFound, "not_found", "this server keeps no settings")

func (s *Server) settingsPage(w http.ResponseWriter, r *http.Request) error {
	sess, err := s.owner.SignedIn(w, r)
	if err != nil || sess == nil {
		return err
	}
	if s.cfg.Settings == nil {
		return errNoSettings
	}
	st, err := s.cfg.Settings.Stored(r.Context())
	if err != nil {
		return err
	}
	page := s.newSettingsPage(sess.CSRF, settingsForm{Name: st.Name, Photo: st.Photo, Note: st.Note,
		Patterns: settings.FormatPatterns(st.URLPatterns), DefaultVisibility: st.DefaultVisibility})
	if r.URL.Query().Get("saved") != "" {
		page.Done = "Saved. The site and new posts use these settings now."
	}
	s.pages.Render(w, r, http.StatusOK, "settings", page)
	return nil
}

func (s *Server) newSettingsPage(csrf string, f settingsForm) *settingsPage {
	if f.DefaultVisibility == "" {
		f.DefaultVisibility = settings.VisibilityPublic
	}
	page := &settingsPage{CSRF: csrf, Form: f, Errors: map[string]string{}, Fixed: map[string]string{}}
	fixed := s.cfg.Settings.Fixed()
	for field, value := range map[string]string{"name": fixed.Name, "photo": fixed.Photo, "note": fixed.Note} {
		if value != "" {
			page.Fixed[field] = fixedBy[field]
		}
	}
	if len(fixed.URLPatterns) > 0 {
		page.Fixed["url_patterns"] = fixedBy["url_patterns"]
		page.FixedPatterns = settings.FormatPatterns(fixed.URLPatterns)
	}
	return page
}

func (s *Server) saveSettings(w http.ResponseWriter, r *http.Request) error {
	sess, err := s.owner.CheckForm(r)
	if err != nil {
		return err
	}
	if s.cfg.Settings == nil {
		return errNoSettings
	}
	v := r.PostForm
	f := settingsForm{Name: strings.TrimSpace(v.Get("name")), Photo: strings.TrimSpace(v.Get("photo")),
		Note: strings.TrimSpace(strings.ReplaceAll(v.Get("note"), "\r\n", "\n")), Patterns: v.Get("url_patterns"),
		DefaultVisibility: v.Get("default_visibility")}
	page := s.newSettingsPage(sess.CSRF, f)
	st := settings.Settings{Name: f.Name, Photo: f.Photo, Note: f.Note, DefaultVisibility: f.DefaultVisibility}
	if st.URLPatterns, err = settings.ParsePatterns(f.Patterns); err != nil {
		page.Errors["url_patterns"] = err.Error()
	}
	if st.DefaultVisibility == settings.VisibilityPublic {
		st.DefaultVisibility = ""
	}
	for field, msg := range settings.Check(st) {
		if page.Errors[field] == "" {
			page.Errors[field] = msg
		}
	}
	if len(page.Errors) == 0 {
		err := s.cfg.Settings.Save(r.Context(), st)
		var invalid *settings.Invalid
		if !errors.As(err, &invalid) {
			if err != nil {
				return err
			}
			http.Redirect(w, r, "/admin/settings?saved=1", http.StatusSeeOther)
			return nil
		}
		page.Errors = invalid.Fields
	}
	s.pages.Render(w, r, http.StatusBadRequest, "settings", page)
	return nil
}
