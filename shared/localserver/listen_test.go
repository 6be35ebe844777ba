package localserver

import (
	"net"
	"strings"
	"testing"

	"github.com/members-saas/members/shared/config"
)

// TestListenIsLoopbackUnlessHOSTSaysOtherwise: without HOST the local
// server listens on 127.0.0.1 only; HOST moves it; the start-up warning
// names /_local/token and the address.
func TestListenIsLoopbackUnlessHOSTSaysOtherwise(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	listen := func(m map[string]string) (net.Listener, error) {
		c, _, err := config.Local(env(m))
		if err != nil {
			t.Fatal(err)
		}
		return Listen(c.Host, "0")
	}
	ln, err := listen(nil)
	if err != nil {
		t.Fatal(err)
	}
	ip := ln.Addr().(*net.TCPAddr).IP
	ln.Close()
	if !ip.Equal(net.IPv4(127, 0, 0, 1)) {
		t.Errorf("default listener on %s, want 127.0.0.1", ip)
	}
	ln, err = listen(map[string]string{"HOST": "0.0.0.0"})
	if err != nil {
		t.Fatal(err)
	}
	ip = ln.Addr().(*net.TCPAddr).IP
	ln.Close()
	if !ip.IsUnspecified() {
		t.Errorf("HOST=0.0.0.0 listener on %s", ip)
	}
	if w := TokenWarning("127.0.0.1:3000"); !strings.Contains(w, "/_local/token") || !strings.Contains(w, "127.0.0.1:3000") || !strings.Contains(w, "anyone") {
		t.Errorf("warning %q", w)
	}
}
