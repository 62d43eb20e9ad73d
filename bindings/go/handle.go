package attn

import "sync"

// handle owns a C object that goroutines use at once: each call holds a
// reference while it runs, and the object is freed when it is closed and
// no reference is left, so Close never frees it under a running call. P is
// the pointer type, as cgo's incomplete C types cannot be type arguments.
type handle[P comparable] struct {
	mu     sync.Mutex
	p      P
	free   func(P)
	refs   int
	closed bool
}

func newHandle[P comparable](p P, free func(P)) handle[P] {
	return handle[P]{p: p, free: free}
}

// acquire returns the object and holds a reference to it until release.
func (h *handle[P]) acquire() (P, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		var none P
		return none, ErrClosed
	}
	h.refs++
	return h.p, nil
}

func (h *handle[P]) release() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.refs--
	h.freeUnused()
}

// use calls fn with the object, holding a reference meanwhile.
func (h *handle[P]) use(fn func(P) error) error {
	p, err := h.acquire()
	if err != nil {
		return err
	}
	defer h.release()
	return fn(p)
}

func (h *handle[P]) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	h.freeUnused()
}

func (h *handle[P]) freeUnused() {
	var none P
	if h.closed && h.refs == 0 && h.p != none {
		h.free(h.p)
		h.p = none
	}
}
