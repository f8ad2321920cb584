package visitor

import (
	"encoding/json"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// ClientDocument serves indiepub's client metadata document (IndieAuth §4.2) at its
// client_id, the home page, to those who prefer JSON (authorization servers ask for
// it); everyone else gets next, the home page, whose h-app and rel="redirect_uri" serve
// older servers.
func (v *Service) ClientDocument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Accept")
		if !prefersJSON(r.Header.Get("Accept")) {
			next.ServeHTTP(w, r)
			return
		}
		doc := map[string]any{
			"client_id":     v.ClientID(),
			"client_name":   v.cfg.Name,
			"client_uri":    v.cfg.URL,
			"redirect_uris": []string{v.RedirectURI()},
		}
		if v.cfg.Logo != "" {
			doc["logo_uri"] = v.cfg.Logo
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-cache")
		json.NewEncoder(w).Encode(doc)
	})
}

// prefersJSON reports whether an Accept header ranks application/json above text/html.
func prefersJSON(accept string) bool {
	jsonQ, htmlQ := -1.0, -1.0
	for part := range strings.SplitSeq(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if s, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(s, 64); err == nil {
				q = f
			}
		}
		switch mt {
		case "application/json":
			jsonQ = max(jsonQ, q)
		case "text/html":
			htmlQ = max(htmlQ, q)
		}
	}
	return jsonQ > 0 && jsonQ > htmlQ
}
