package localserver

import (
	"fmt"
	"net"
)

// DefaultHost is where the local server listens unless HOST says
// otherwise: this machine only, because POST /_local/token mints a valid
// token for any address to anyone who can reach it.
const DefaultHost = "127.0.0.1"

// Listen opens the local server's listener on host:port, host being HOST
// from getenv or DefaultHost. Returns the listener, or the error of
// net.Listen.
func Listen(getenv func(string) string, port string) (net.Listener, error) {
	host := getenv("HOST")
	if host == "" {
		host = DefaultHost
	}
	return net.Listen("tcp", net.JoinHostPort(host, port))
}

// TokenWarning is what the local server prints when it starts listening
// at addr: who can reach it can sign in as anyone.
func TokenWarning(addr string) string {
	return fmt.Sprintf("POST /_local/token mints a valid token for any email address, for anyone who can reach %s: "+
		"keep it on this machine (HOST=%s, the default) and never expose it to a network", addr, DefaultHost)
}
