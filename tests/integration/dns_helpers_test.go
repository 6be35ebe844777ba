package integration

import (
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/dns"
)

// dnsServer is an authoritative DNS server on 127.0.0.1 (a free UDP port,
// TCP on the same port) whose TXT records a test sets and removes; other
// names get NXDOMAIN. Services verify domains against it (DNS_RESOLVER).
type dnsServer struct {
	Addr    string
	mu      sync.Mutex
	txt     map[string][]string // fqdn (lowercase, trailing dot) → values
	queries int
}

func startDNS(t testing.TB) *dnsServer {
	t.Helper()
	d := &dnsServer{txt: map[string][]string{}}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	d.Addr = pc.LocalAddr().String()
	udp := &dns.Server{PacketConn: pc, Handler: d}
	started := make(chan struct{})
	udp.NotifyStartedFunc = func() { close(started) }
	go func() { _ = udp.ActivateAndServe() }()
	<-started
	var tcp *dns.Server
	if l, err := net.Listen("tcp", d.Addr); err == nil { // large answers; best effort
		tcp = &dns.Server{Listener: l, Handler: d}
		go func() { _ = tcp.ActivateAndServe() }()
	}
	t.Cleanup(func() {
		_ = udp.Shutdown()
		if tcp != nil {
			_ = tcp.Shutdown()
		}
	})
	return d
}

// setTXT publishes the TXT values at name (replacing any); none removes it.
func (d *dnsServer) setTXT(name string, values ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	k := dns.Fqdn(strings.ToLower(name))
	if len(values) == 0 {
		delete(d.txt, k)
		return
	}
	d.txt[k] = values
}

func (d *dnsServer) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(r)
	m.Authoritative = true
	d.mu.Lock()
	d.queries++
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
			m.Answer = append(m.Answer, &dns.TXT{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 0},
				Txt: []string{v}})
		}
	}
	d.mu.Unlock()
	_ = w.WriteMsg(m)
}
