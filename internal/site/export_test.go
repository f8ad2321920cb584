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
