package site

// ResetCaches forgets every rendered page, entry and piece of content, as after a restart.
func (h *Handler) ResetCaches() {
	h.cache.mu.Lock()
	h.cache.entries = nil
	h.cache.mu.Unlock()
	h.fragments.mu.Lock()
	h.fragments.entries, h.fragments.size = nil, 0
	h.fragments.mu.Unlock()
	h.rendered.mu.Lock()
	clear(h.rendered.entries)
	h.rendered.size = 0
	h.rendered.mu.Unlock()
}

// RaceFactor scales time limits under the race detector.
const RaceFactor = raceFactor

// MaxMarkdownBytes is the largest text parsed as Markdown.
const MaxMarkdownBytes = maxMarkdownBytes

// Shape is a pathological piece of content and the kind of post that carries it:
// "markdown" (an article's text), "text" (a note's) or "html".
type Shape struct {
	Name, Kind, Src string
}

// Shapes are the pathological inputs of every renderer, each about n bytes long.
func Shapes(n int) []Shape {
	var out []Shape
	for _, s := range shapes(n) {
		out = append(out, Shape{s.name, [...]string{"html", "markdown", "text"}[s.kind], s.src})
	}
	return out
}
