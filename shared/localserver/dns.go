package localserver

import (
	"net"
	"strings"
	"sync"

	"github.com/miekg/dns"
)

// DNS is a small authoritative DNS server on 127.0.0.1 (a free UDP port) whose
// TXT records a test publishes and removes; other names get NXDOMAIN. The
// local server verifies domains against it when DNS_RESOLVER is unset
// (POST /_local/dns publishes a record), and tests publish theirs on it.
type DNS struct {
	Addr string
	mu   sync.Mutex
	txt  map[string][]string // fqdn (lowercase, trailing dot) → values
	srv  *dns.Server
}

// NewDNS starts a DNS server; Close stops it.
func NewDNS() (*DNS, error) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	d := &DNS{Addr: pc.LocalAddr().String(), txt: map[string][]string{}}
	d.srv = &dns.Server{PacketConn: pc, Handler: d}
	started := make(chan struct{})
	d.srv.NotifyStartedFunc = func() { close(started) }
	go func() { _ = d.srv.ActivateAndServe() }()
	<-started
	return d, nil
}

// Close stops the server.
func (d *DNS) Close() { _ = d.srv.Shutdown() }

// SetTXT publishes the TXT values at name, replacing any; no values
// removes the name.
func (d *DNS) SetTXT(name string, values ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	k := dns.Fqdn(strings.ToLower(name))
	if len(values) == 0 {
		delete(d.txt, k)
		return
	}
	d.txt[k] = values
}

// AddTXT adds value to the TXT values at name.
func (d *DNS) AddTXT(name, value string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	k := dns.Fqdn(strings.ToLower(name))
	d.txt[k] = append(d.txt[k], value)
}

// ServeDNS answers TXT questions from the published records.
func (d *DNS) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(r)
	m.Authoritative = true
	d.mu.Lock()
	for _, q := range r.Question {
		vals, ok := d.txt[strings.ToLower(q.Name)]
		if !ok {
			m.Rcode = dns.RcodeNameError
			continue
		}
		if q.Qtype != dns.TypeTXT {
			continue
		}
		for _, v := range vals {
			m.Answer = append(m.Answer, &dns.TXT{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeTXT, Class: dns.ClassINET}, Txt: []string{v}})
		}
	}
	d.mu.Unlock()
	_ = w.WriteMsg(m)
}

// Records returns the published TXT records by name (without the final dot).
func (d *DNS) Records() map[string][]string {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := map[string][]string{}
	for k, v := range d.txt {
		out[strings.TrimSuffix(k, ".")] = append([]string(nil), v...)
	}
	return out
}
