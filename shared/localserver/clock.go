package localserver

import (
	"sync"
	"time"
)

// Clock is the time the handlers see locally: real time plus an offset that
// POST /_local/clock moves, so expiry can be tried without waiting.
type Clock struct {
	mu     sync.Mutex
	offset time.Duration
}

// Now returns the shifted time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// Advance moves the clock forward by d (negative moves it back).
func (c *Clock) Advance(d time.Duration) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
	return c.offset
}

// Reset returns to real time.
func (c *Clock) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset = 0
}
