package testenv

import (
	"testing"

	"github.com/members-saas/members/shared/localserver"
)

// DNS is the local server's DNS server: tests publish the TXT records
// that verify domains on it (DNS_RESOLVER = Addr).
type DNS = localserver.DNS

// StartDNS starts a DNS server that stops when the test ends.
func StartDNS(t testing.TB) *DNS {
	t.Helper()
	d, err := localserver.NewDNS()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	return d
}

// NewDNS starts a DNS server; Close stops it.
func NewDNS() (*DNS, error) { return localserver.NewDNS() }
