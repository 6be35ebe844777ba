package localserver

import (
	"fmt"
	"net"

	"github.com/members-saas/members/shared/config"
)

// Listen opens the local server's listener on host:port (host is
// config.Config.Host: HOST, or config.DefaultHost, this machine only).
// Returns the listener, or the error of net.Listen.
func Listen(host, port string) (net.Listener, error) {
	return net.Listen("tcp", net.JoinHostPort(host, port))
}

// TokenWarning is what the local server prints when it starts listening
// at addr: who can reach it can sign in as anyone.
func TokenWarning(addr string) string {
	return fmt.Sprintf("POST /_local/token mints a valid token for any email address, for anyone who can reach %s: "+
		"keep it on this machine (%s=%s, the default) and never expose it to a network", addr, config.EnvHost, config.DefaultHost)
}
