package testenv

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"
	"time"
)

// DelayProxy is a reverse proxy that holds every request for a fixed
// delay before passing it on: SES's network latency in front of the
// emulator. It counts requests and the most it had in flight at once.
type DelayProxy struct {
	URL      string
	requests atomic.Int64
	inFlight atomic.Int64
	peak     atomic.Int64
}

// NewDelayProxy starts a proxy to upstream that adds delay to each request;
// it stops when t ends.
func NewDelayProxy(t testing.TB, upstream string, delay time.Duration) *DelayProxy {
	t.Helper()
	u, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	p := &DelayProxy{}
	rp := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.requests.Add(1)
		n := p.inFlight.Add(1)
		defer p.inFlight.Add(-1)
		for {
			old := p.peak.Load()
			if n <= old || p.peak.CompareAndSwap(old, n) {
				break
			}
		}
		time.Sleep(delay)
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

// Requests returns how many requests the proxy received.
func (p *DelayProxy) Requests() int { return int(p.requests.Load()) }

// Peak returns the most requests the proxy had in flight at once, and
// resets it.
func (p *DelayProxy) Peak() int { return int(p.peak.Swap(0)) }
