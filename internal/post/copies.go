package post

import "time"

// Copy states of a post's copy on one syndication target.
const (
	CopyPending   = "pending"   // asked for, not yet tried
	CopyRetrying  = "retrying"  // an attempt failed; another is due
	CopyFailed    = "failed"    // gave up; the owner can retry (indiepub jobs retry)
	CopyPublished = "published" // the copy is at URL
	CopyDeleted   = "deleted"   // the copy was removed with the post
)

// Copy is what became of a post on one syndication target (POSSE): kept with the post,
// shown to its Micropub clients as mp-syndication-status.
type Copy struct {
	// Target is the target's uid, as in mp-syndicate-to.
	Target string `json:"uid"`
	// URL is the copy's URL once published; a copy with a URL is edited, never posted
	// again.
	URL    string `json:"url,omitempty"`
	Status string `json:"status"`
	// Error is the last failure's message, Attempts the attempts so far.
	Error    string    `json:"error,omitempty"`
	Attempts int       `json:"attempts,omitempty"`
	Updated  time.Time `json:"updated,omitzero"`
}

// Copy returns the post's copy on target, or nil.
func (p *Post) Copy(target string) *Copy {
	for i := range p.Copies {
		if p.Copies[i].Target == target {
			return &p.Copies[i]
		}
	}
	return nil
}

// SetCopy records c, replacing the copy on the same target.
func (p *Post) SetCopy(c Copy) {
	if old := p.Copy(c.Target); old != nil {
		*old = c
		return
	}
	p.Copies = append(p.Copies, c)
}
