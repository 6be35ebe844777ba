// Package dnstxt looks DNS TXT records up for domain verification: the
// domain package's Resolver port over Go's resolver, talking to one DNS
// server (DNS_RESOLVER, host:port) or the system's.
package dnstxt

import (
	"context"
	"errors"
	"net"
	"time"

	"github.com/members-saas/members/shared/domain"
)

// Resolver implements domain.Resolver.
type Resolver struct {
	r *net.Resolver
}

var _ domain.Resolver = (*Resolver)(nil)

// Timeout bounds one lookup.
const Timeout = 5 * time.Second

// New returns a Resolver asking the DNS server at addr (host:port), or the
// system's resolver when addr is empty. It does not cache: each lookup
// asks again, so a record just published is seen as soon as the server
// sees it.
func New(addr string) *Resolver {
	if addr == "" {
		return &Resolver{r: &net.Resolver{}}
	}
	return &Resolver{r: &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}}}
}

// LookupTXT returns the TXT values at name; domain.ErrNotFound when the
// name does not exist or has no TXT record, the resolver's error when DNS
// did not answer.
func (r *Resolver) LookupTXT(ctx context.Context, name string) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	vals, err := r.r.LookupTXT(ctx, name)
	var de *net.DNSError
	if errors.As(err, &de) && de.IsNotFound {
		return nil, domain.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if len(vals) == 0 {
		return nil, domain.ErrNotFound
	}
	return vals, nil
}
