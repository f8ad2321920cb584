package jobs

import (
	"sync/atomic"

	"github.com/indiepub/indiepub/internal/post"
)

// Interest tells whether a listener may want jobs for a change, given the post as the
// change stores it. The store asks it in the change's own write, so it must be quick and
// read nothing: it may say yes to a change the listener then asks nothing of, never no to
// one it would act on.
type Interest func(c PostChange, p *post.Post) bool

// ChangeFilter is the part of a store that decides which post changes get their
// PostChanged job (Store.WatchChanges): a change no listener may act on is stored without
// one, so that a post nobody listens for costs its write alone. Its zero value keeps
// every change. Stores embed it.
type ChangeFilter struct {
	wants atomic.Pointer[Interest]
}

// WatchChanges makes wants decide, from now on, which changes get a PostChanged job.
// A nil wants keeps every change.
func (f *ChangeFilter) WatchChanges(wants Interest) {
	if wants == nil {
		f.wants.Store(nil)
		return
	}
	f.wants.Store(&wants)
}

// Keep returns the changes (and their posts, posts[i] being the post of changes[i]) that
// get a PostChanged job. It filters in place: the slices given are not to be used after.
func (f *ChangeFilter) Keep(changes []PostChange, posts []*post.Post) ([]PostChange, []*post.Post) {
	wants := f.wants.Load()
	if wants == nil {
		return changes, posts
	}
	n := 0
	for i := range changes {
		if (*wants)(changes[i], posts[i]) {
			changes[n], posts[n] = changes[i], posts[i]
			n++
		}
	}
	return changes[:n], posts[:n]
}
