package members

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMetaCSPComesFirstInTheRealPages: in the console's real pages the
// policy is the first element of the head, before any script or style.
func TestMetaCSPComesFirstInTheRealPages(t *testing.T) {
	for _, page := range cspPages {
		b, err := os.ReadFile(filepath.Join("..", "..", "shared", "console", "static", page))
		if err != nil {
			t.Fatal(err)
		}
		out := string(withMetaCSP(b, `connect-src 'self' https://abc.execute-api.eu-west-1.amazonaws.com`))
		meta := `<meta http-equiv="Content-Security-Policy" content="connect-src 'self' https://abc.execute-api.eu-west-1.amazonaws.com">`
		i, head := strings.Index(out, meta), strings.Index(out, "<head>")
		if head < 0 || i != head+len("<head>\n") || strings.Index(out, "<script") < i || strings.Index(out, "<link") < i {
			t.Errorf("%s: policy not first in the head:\n%s", page, out[:min(len(out), 600)])
		}
		if strings.Replace(out, "\n"+meta, "", 1) != string(b) {
			t.Errorf("%s: changed beyond the policy", page)
		}
	}
}
