package logging

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// TestNoAddressReachesTheLog: addresses in the message, in string values,
// in errors (as SES quotes them), in groups and in WithAttrs become their
// short hash, the same hash for the same address.
func TestNoAddressReachesTheLog(t *testing.T) {
	var buf bytes.Buffer
	log := New(&buf, slog.LevelDebug).With("who", "Ada@Example.com")
	sesErr := fmt.Errorf("ses send email: %w", errors.New("MessageRejected: Email address is not verified. "+
		"The following identities failed the check in region US-EAST-1: grace+x@example.org, o'neil@sub.example.co.uk"))
	log.Warn("mail to bob@example.net not sent", "err", sesErr, "to", "bob@example.net",
		slog.Group("g", "addr", "carol@example.com"), "n", 3)
	out := buf.String()
	for _, a := range []string{"ada@example.com", "Ada@Example.com", "grace+x@example.org", "o'neil@sub.example.co.uk", "bob@example.net", "carol@example.com"} {
		if strings.Contains(out, a) {
			t.Errorf("log carries %s:\n%s", a, out)
		}
	}
	if strings.Count(out, AddressHash("bob@example.net")) != 2 || !strings.Contains(out, AddressHash("ada@example.com")) ||
		!strings.Contains(out, AddressHash("grace+x@example.org")) || !strings.Contains(out, "MessageRejected") || !strings.Contains(out, `"n":3`) {
		t.Errorf("log lost what it should keep:\n%s", out)
	}
}
