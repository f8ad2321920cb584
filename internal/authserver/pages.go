package authserver

import (
	"net/url"
)

type scopeChoice struct {
	Name, Help string
	Checked    bool
}

type lifetimeChoice struct {
	Value, Label string
	Selected     bool
}

type consentPage struct {
	Client       *ClientInfo
	Request      *AuthRequest
	Hidden       url.Values
	CSRF, Me     string
	RedirectURI  string
	Scopes       []scopeChoice
	Ignored      string
	Lifetimes    []lifetimeChoice
	Problem      string // why the owner's answer could not be taken, shown above the form
	NoPKCE       bool   // no PKCE and the client is not yet allowed without it
	Exempt       bool   // no PKCE, and the owner allowed that before
	IdentityOnly bool
}
