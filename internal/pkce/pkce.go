// Package pkce names the apps the owner allowed to sign in without PKCE (RFC 7636): some
// IndieAuth clients (Sunlit, Micro.blog) do not send a code_challenge. The authorization
// endpoint records an exemption when the owner grants it on the consent page, and the
// owner's admin pages list and withdraw them; both, and the stores, share this type.
package pkce

import "time"

// Exemption is a client the owner allowed to sign in without PKCE.
type Exemption struct {
	ClientID   string
	ClientName string
	Created    time.Time
}
