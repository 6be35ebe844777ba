package sesevents

import (
	"strings"
	"testing"
)

func TestIsTagValue(t *testing.T) {
	for v, want := range map[string]bool{
		"org_1": true, "inv-01HX": true, "ABCxyz09_-": true, strings.Repeat("a", 256): true,
		"": false, strings.Repeat("a", 257): false, "a b": false, "a.b": false, "a/b": false, "é": false, "a\n": false,
	} {
		if got := isTagValue(v); got != want {
			t.Errorf("isTagValue(%q) = %v, want %v", v, got, want)
		}
	}
}
