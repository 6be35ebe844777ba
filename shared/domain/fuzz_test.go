package domain

// Fuzz targets and table tests for the input checks: email and name
// normalization, ids, invite tokens, pagination cursors and the invite
// request. `go test` runs the seeds (f.Add and testdata/fuzz/<Fuzz…>);
// `make fuzz` explores each target for FUZZTIME.

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"pgregory.net/rapid"
)

// fzCheckEmail fails unless e satisfies NormalizeEmail's documented shape.
func fzCheckEmail(t *testing.T, in, e string) {
	t.Helper()
	if e == "" {
		t.Fatalf("NormalizeEmail(%q) accepted an empty result", in)
	}
	if !utf8.ValidString(e) {
		t.Errorf("NormalizeEmail(%q) = %q: not valid UTF-8", in, e)
	}
	if n := utf8.RuneCountInString(e); n > MaxEmailLen {
		t.Errorf("NormalizeEmail(%q) = %q: %d characters, over %d", in, e, n, MaxEmailLen)
	}
	for _, r := range e {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			t.Errorf("NormalizeEmail(%q) = %q: contains %U", in, e, r)
		}
	}
	if strings.Count(e, "@") != 1 {
		t.Fatalf("NormalizeEmail(%q) = %q: want exactly one @", in, e)
	}
	local, dom, _ := strings.Cut(e, "@")
	if local == "" {
		t.Errorf("NormalizeEmail(%q) = %q: empty local part", in, e)
	}
	if i := strings.IndexByte(dom, '.'); i <= 0 || strings.HasSuffix(dom, ".") || strings.Contains(dom, "..") {
		t.Errorf("NormalizeEmail(%q) = %q: domain %q needs an inner dot", in, e, dom)
	}
	if e != strings.ToLower(e) {
		t.Errorf("NormalizeEmail(%q) = %q: not lower case", in, e)
	}
}

func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range []string{"a@b.co", " Alice@Example.COM\t", "a@b", "a@@b.co", "@b.co", "a@.co", "a@b.co.",
		"a@b..co", "a b@c.co", "a\x00@b.co", "a\xff@b.co", "ü@bücher.de", "Ａ@b.co", "\u212a@b.co", "a@b.co\u0085",
		strings.Repeat("a", 250) + "@b.co", strings.Repeat("é", 248) + "@b.co"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, why := NormalizeEmail(s)
		if why != "" {
			if e != "" {
				t.Fatalf("NormalizeEmail(%q) = %q with reason %q: a rejection returns no address", s, e, why)
			}
			return
		}
		fzCheckEmail(t, s, e)
		if again, why := NormalizeEmail(e); again != e || why != "" {
			t.Fatalf("not idempotent: NormalizeEmail(%q) = %q, then %q (%q)", s, e, again, why)
		}
		if padded, _ := NormalizeEmail(" \t" + s + "\n "); padded != e {
			t.Fatalf("surrounding space changed the result: %q vs %q", padded, e)
		}
		if utf8.ValidString(s) && e != strings.ToLower(strings.TrimSpace(s)) {
			t.Fatalf("NormalizeEmail(%q) = %q: changed more than case and surrounding space", s, e)
		}
	})
}

func FuzzNormalizeName(f *testing.F) {
	for _, s := range []string{"Acme", "  Acme Inc.  ", "", " ", "a\x00b", "a\x7fb", "\xff", "日本語", "\u202eAcme", "\xff\u202e",
		strings.Repeat("x", 100), strings.Repeat("x", 101), strings.Repeat("é", 100)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, why := NormalizeName(s)
		if why != "" {
			if n != "" {
				t.Fatalf("NormalizeName(%q) = %q with reason %q", s, n, why)
			}
			return
		}
		if n == "" || !utf8.ValidString(n) || utf8.RuneCountInString(n) > MaxNameLen || strings.TrimSpace(n) != n {
			t.Fatalf("NormalizeName(%q) = %q: outside 1–%d trimmed valid characters", s, n, MaxNameLen)
		}
		if strings.ContainsFunc(n, unicode.IsControl) {
			t.Fatalf("NormalizeName(%q) = %q: contains a control character", s, n)
		}
		if strings.ContainsFunc(n, func(r rune) bool { return unicode.Is(unicode.Cf, r) }) {
			t.Fatalf("NormalizeName(%q) = %q: contains a bidi or other invisible formatting character", s, n)
		}
		if again, why := NormalizeName(n); again != n || why != "" {
			t.Fatalf("not idempotent: %q then %q (%q)", n, again, why)
		}
	})
}

var fzTokenRE = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)
var fzHex64RE = regexp.MustCompile(`^[0-9a-f]{64}$`)

// FuzzParseToken checks that only 43-character base64url encodings of 32
// bytes parse, and that every issued encoding does.
func FuzzParseToken(f *testing.F) {
	tok, _ := NewToken()
	for _, s := range []string{tok, tok[:42], tok + "A", strings.Repeat("A", 43), strings.Repeat("_", 43),
		strings.Repeat("A", 42) + "B", strings.Repeat("A", 42) + "=", strings.Repeat("A", 41) + "\nA",
		strings.Repeat("/", 43), strings.Repeat("+", 43), ""} {
		f.Add(s, []byte(nil))
	}
	f.Add("", make([]byte, 32))
	f.Fuzz(func(t *testing.T, s string, raw []byte) {
		hash, ok := ParseToken(s)
		if !ok {
			if hash != "" {
				t.Fatalf("ParseToken(%q) rejected it but returned hash %q", s, hash)
			}
		} else {
			if !fzTokenRE.MatchString(s) {
				t.Fatalf("ParseToken accepted %q: not 43 base64url characters", s)
			}
			b, err := base64.RawURLEncoding.DecodeString(s)
			if err != nil || len(b) != 32 || base64.RawURLEncoding.EncodeToString(b) != s {
				t.Fatalf("ParseToken accepted %q: not the canonical encoding of 32 bytes", s)
			}
			if !fzHex64RE.MatchString(hash) || hash != HashToken(s) {
				t.Fatalf("ParseToken(%q) hash %q: want the 64-hex SHA-256", s, hash)
			}
		}
		if len(raw) >= 32 {
			s := base64.RawURLEncoding.EncodeToString(raw[:32])
			if h, ok := ParseToken(s); !ok || h != HashToken(s) {
				t.Fatalf("ParseToken rejected the encoding %q of 32 bytes", s)
			}
		}
	})
}

// FuzzCursor checks that a cursor decodes only in the scope and under the
// key it was issued for, to the position it was issued with, and that any
// change to it is refused.
func FuzzCursor(f *testing.F) {
	f.Add("members/org_1", "members/org_2", "local-abc", 0, byte(1), 0)
	f.Add("members/org_1", "project-members/org_1/prj_1", "inv_01h", 5, byte(0x20), 3)
	f.Add("audit/org_1", "audit/org_1x", "evt_x", -1, byte(0xff), -1)
	f.Add("invites/org_1", "invites/org_1", "", 0, byte(0), 0)
	f.Fuzz(func(t *testing.T, scope, other, pos string, at int, flip byte, cut int) {
		if len(pos) > 256 { // store positions are ids of at most 128 characters
			pos = pos[:256]
		}
		c := cursorCodec{key: []byte("fuzz-key")}
		cur := c.encode(scope, pos)
		got, err := c.decode(scope, cur)
		if err != nil || got != pos {
			t.Fatalf("decode(encode(%q, %q)) = %q, %v", scope, pos, got, err)
		}
		if pos == "" {
			if cur != "" {
				t.Fatalf("no position encoded as %q", cur)
			}
			return
		}
		if other != scope {
			if got, err := c.decode(other, cur); err == nil {
				t.Fatalf("cursor of %q decoded in scope %q to %q", scope, other, got)
			}
		}
		if got, err := (cursorCodec{key: []byte("another-key")}).decode(scope, cur); err == nil {
			t.Fatalf("cursor decoded under another key to %q", got)
		}
		// One mutation: flip bits of one byte, cut it short, or extend it.
		m := []byte(cur)
		switch i := fzAbs(at) % len(m); {
		case flip != 0:
			m[i] ^= flip
		case cut != 0:
			m = m[:fzAbs(cut)%len(m)]
		default:
			m = append(m, "A.="[i%3])
		}
		if string(m) == cur || len(m) == 0 { // no cursor is the first page, not a change
			return
		}
		if got, err := c.decode(scope, string(m)); err == nil {
			t.Fatalf("changed cursor %q (from %q) decoded to %q", m, cur, got)
		} else if ErrorCode(err) != ECodeInvalidCursor {
			t.Fatalf("changed cursor: error %v, want invalid_cursor", err)
		}
	})
}

func fzAbs(i int) int {
	if i < 0 {
		if i == -i { // math.MinInt
			return 0
		}
		return -i
	}
	return i
}

// FuzzCursorDecode feeds arbitrary cursors: the only ones that decode are
// exactly those the codec issues for that scope.
func FuzzCursorDecode(f *testing.F) {
	c := cursorCodec{key: []byte("fuzz-key")}
	f.Add("members/org_1", c.encode("members/org_1", "local-abc"))
	f.Add("members/org_1", c.encode("members/org_2", "local-abc"))
	f.Add("members/org_1", "bG9jYWwtYWJj.AAAAAAAAAAAAAAAAAAAAAA")
	f.Add("members/org_1", ".")
	f.Add("members/org_1", "")
	f.Add("x", strings.Repeat("A", 2000)+"."+strings.Repeat("A", 22))
	f.Fuzz(func(t *testing.T, scope, cursor string) {
		pos, err := c.decode(scope, cursor)
		if err != nil {
			if ErrorCode(err) != ECodeInvalidCursor || pos != "" {
				t.Fatalf("decode(%q) = %q, %v: want invalid_cursor and no position", cursor, pos, err)
			}
			return
		}
		if cursor == "" {
			if pos != "" {
				t.Fatalf("empty cursor decoded to %q", pos)
			}
			return
		}
		if again := c.encode(scope, pos); again != cursor {
			t.Fatalf("decode accepted %q, which the codec does not issue (it issues %q)", cursor, again)
		}
		if _, err := c.decode(scope+"/", cursor); err == nil {
			t.Fatalf("cursor %q decoded in another scope", cursor)
		}
	})
}

// FuzzInviteInput checks the invite request's validation: it never
// panics, rejections are field-level validation errors, and an accepted
// request is within every documented limit. Lists arrive newline-separated.
func FuzzInviteInput(f *testing.F) {
	many := strings.Repeat("x@y.co\n", MaxInviteEmails) + "z@y.co"
	f.Add("a@b.co", "", "", "", 0, false)
	f.Add("a@b.co\nA@B.CO \n c@d.org", "owner", "prj_1\nprj_2\nprj_1", "member", 30, true)
	f.Add(many, "manager", "", "", 7, true)
	f.Add("a@b.co", "admin", "prj_1", "", 0, true)
	f.Add("not-an-email\n", "", "PRJ 1", "boss", 31, true)
	f.Add("", "", "", "owner", -1, true)
	f.Fuzz(func(t *testing.T, emails, orgRole, projects, projectRole string, days int, hasDays bool) {
		in := InviteInput{Emails: fzSplit(emails), OrgRole: orgRole, ProjectIDs: fzSplit(projects), ProjectRole: projectRole}
		if hasDays {
			in.ExpiresInDays = &days
		}
		r, err := in.validate()
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Code != ECodeValidationFailed || len(e.Fields) == 0 {
				t.Fatalf("validate(%+v) = %v: want validation_failed with fields", in, err)
			}
			for _, fe := range e.Fields {
				if !fzKnownInviteField(fe.Field, in) || fe.Message == "" {
					t.Fatalf("validate(%+v): unexpected field error %+v", in, fe)
				}
			}
			return
		}
		fzCheckInviteRequest(t, in, r)
	})
}

// FuzzInviteInputJSON is FuzzInviteInput fed through JSON, as the HTTP
// layer decodes the body (shared/httpapi fuzzes the strict decoder itself).
func FuzzInviteInputJSON(f *testing.F) {
	for _, s := range []string{`{"emails":["a@b.co"]}`, `{"emails":["a@b.co","A@B.CO"],"orgRole":"owner","projectIds":["prj_1"],"projectRole":"member","expiresInDays":30}`,
		`{"emails":[]}`, `{"emails":[""]}`, `{"emails":["a@b.co"],"expiresInDays":0}`, `{"emails":["a@b.co"],"projectIds":["prj_1"]}`,
		`{"emails":["a@b.co"],"expiresInDays":null,"orgRole":null}`, `{"emails":["\u0000a@b.co"]}`,
		`{"emails":["a@b.co"],"projects":[{"id":"prj_1","role":"viewer"},{"id":"prj_2","role":"owner"}]}`,
		`{"emails":["a@b.co"],"projects":[{"id":"prj_1","role":"viewer"}],"projectIds":["prj_1"]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var in InviteInput
		if json.Unmarshal(body, &in) != nil {
			return
		}
		r, err := in.validate()
		if err != nil {
			if ErrorCode(err) != ECodeValidationFailed {
				t.Fatalf("validate(%s) = %v", body, err)
			}
			return
		}
		fzCheckInviteRequest(t, in, r)
	})
}

func fzSplit(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

var (
	fzIndexedFieldRE = regexp.MustCompile(`^(emails|projectIds)\[(\d+)\]$`)
	fzProjectFieldRE = regexp.MustCompile(`^projects\[(\d+)\]\.(id|role)$`)
)

func fzKnownInviteField(name string, in InviteInput) bool {
	switch name {
	case "emails", "orgRole", "projectIds", "projectRole", "projects", "expiresInDays":
		return true
	}
	if m := fzProjectFieldRE.FindStringSubmatch(name); m != nil {
		return fzAtoi(m[1]) < len(in.Projects)
	}
	m := fzIndexedFieldRE.FindStringSubmatch(name)
	if m == nil {
		return false
	}
	n := len(in.Emails)
	if m[1] == "projectIds" {
		n = len(in.ProjectIDs)
	}
	return m[2] == strconv.Itoa(fzAtoi(m[2])) && fzAtoi(m[2]) < n
}

func fzAtoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

// fzCheckInviteRequest fails unless r, accepted from in, is within the limits.
func fzCheckInviteRequest(t *testing.T, in InviteInput, r inviteRequest) {
	t.Helper()
	if len(in.Emails) > MaxInviteEmails || len(r.emails) < 1 || len(r.emails) > len(in.Emails) {
		t.Fatalf("accepted %d emails (%d distinct): want 1–%d", len(in.Emails), len(r.emails), MaxInviteEmails)
	}
	for i, e := range r.emails {
		if n, why := NormalizeEmail(e); n != e || why != "" {
			t.Fatalf("accepted email %q is not normalized", e)
		}
		if slices.Index(r.emails, e) != i {
			t.Fatalf("accepted email %q twice", e)
		}
	}
	for _, e := range in.Emails {
		if n, why := NormalizeEmail(e); why == "" && !slices.Contains(r.emails, n) {
			t.Fatalf("input email %q missing from %q", e, r.emails)
		}
	}
	if o := r.grant.OrgRole; !o.Valid() || (in.OrgRole == "" && o != OrgMember) || (in.OrgRole != "" && string(o) != in.OrgRole) {
		t.Fatalf("org role %q from %q", o, in.OrgRole)
	}
	ids := r.grant.ProjectIDs()
	if len(in.ProjectIDs)+len(in.Projects) > MaxInviteProjects || len(ids) > len(in.ProjectIDs)+len(in.Projects) {
		t.Fatalf("accepted %d project ids: want at most %d", len(ids), MaxInviteProjects)
	}
	for i, p := range r.grant.Projects {
		if !ValidID(p.ID) || slices.Index(ids, p.ID) != i {
			t.Fatalf("accepted project id %q (invalid or repeated)", p.ID)
		}
		if !p.Role.Valid() {
			t.Fatalf("project %q accepted with project role %q", p.ID, p.Role)
		}
	}
	if in.ProjectRole != "" && !ProjectRole(in.ProjectRole).Valid() {
		t.Fatalf("project role %q accepted", in.ProjectRole)
	}
	if r.days < 1 || r.days > MaxExpiryDays || (in.ExpiresInDays == nil && r.days != DefaultExpiryDays) {
		t.Fatalf("expiry %d days accepted", r.days)
	}
}

func FuzzParsePage(f *testing.F) {
	for _, s := range []string{"", "1", "100", "0", "101", "-1", "1e2", " 5", "+5", "05", "99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, limit string) {
		p, err := ParsePage(limit, "c")
		if err != nil {
			if ErrorCode(err) != ECodeValidationFailed {
				t.Fatalf("ParsePage(%q): %v", limit, err)
			}
			return
		}
		if p.Limit < 1 || p.Limit > MaxPageLimit || p.Cursor != "c" || (limit == "" && p.Limit != DefaultPageLimit) {
			t.Fatalf("ParsePage(%q) = %+v", limit, p)
		}
	})
}

func TestNormalizeEmailCases(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		bad      bool
	}{
		{in: "alice@example.com", want: "alice@example.com"},
		{in: "  Alice@Example.COM\t\n", want: "alice@example.com"},
		{in: "a+tag@sub.example.co.uk", want: "a+tag@sub.example.co.uk"},
		{in: "ÜBER@bücher.de", want: "über@bücher.de"},
		{in: strings.Repeat("a", 249) + "@b.co", want: strings.Repeat("a", 249) + "@b.co"}, // 254
		{in: strings.Repeat("a", 250) + "@b.co", bad: true},                                // 255
		{in: "", bad: true},
		{in: "   ", bad: true},
		{in: "alice", bad: true},
		{in: "@example.com", bad: true},
		{in: "alice@", bad: true},
		{in: "a@b@example.com", bad: true},
		{in: "alice@localhost", bad: true},
		{in: "alice@.example.com", bad: true},
		{in: "alice@example.com.", bad: true},
		{in: "alice@example..com", bad: true},
		{in: "al ice@example.com", bad: true},
		{in: "alice@exa\tmple.com", bad: true},
		{in: "alice\x00@example.com", bad: true},
		{in: "alice\u0085@example.com", bad: true},
		{in: "alice\u2028@example.com", bad: true},
	} {
		got, why := NormalizeEmail(tc.in)
		if tc.bad {
			if why == "" || got != "" {
				t.Errorf("NormalizeEmail(%q) = %q, %q; want a rejection", tc.in, got, why)
			}
			continue
		}
		if got != tc.want || why != "" {
			t.Errorf("NormalizeEmail(%q) = %q, %q; want %q", tc.in, got, why, tc.want)
		}
	}
}

func TestNormalizeNameCases(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		bad      bool
	}{
		{in: "Acme", want: "Acme"},
		{in: "  Acme Inc.\t", want: "Acme Inc."},
		{in: "Ünïcödé 日本", want: "Ünïcödé 日本"},
		{in: strings.Repeat("é", 100), want: strings.Repeat("é", 100)},
		{in: strings.Repeat("é", 101), bad: true},
		{in: "", bad: true},
		{in: " \t ", bad: true},
		{in: "a\x00b", bad: true},
		{in: "a\nb", bad: true},
		{in: "a\u009fb", bad: true},
		{in: "a\xffb", bad: true},
	} {
		got, why := NormalizeName(tc.in)
		if tc.bad != (why != "") || got != tc.want {
			t.Errorf("NormalizeName(%q) = %q, %q; want %q (bad %v)", tc.in, got, why, tc.want, tc.bad)
		}
	}
}

func TestValidIDCases(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{NewID("org", time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)), true},
		{"prj_0123456789abcdefghjkmnpqrs", true},
		{"abcd", true},
		{"abc", false},
		{strings.Repeat("a", 64), true},
		{strings.Repeat("a", 65), false},
		{"org_ABC", false},
		{"org_1#x", false},
		{"org_1/x", false},
		{"../../x", false},
		{"org_1 ", false},
		{"org_é1", false},
	} {
		if got := ValidID(tc.in); got != tc.want {
			t.Errorf("ValidID(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"local-0123abcd", true},
		{"a1b2c3d4-aaaa-bbbb-cccc-0123456789ab", true},
		{"auth0|abc", true},
		{strings.Repeat("x", 128), true},
		{strings.Repeat("x", 129), false},
		{"", false},
		{"a b", false},
		{"a#b", false},
		{"a/b", false},
		{"a\x7f", false},
		{"é", false},
	} {
		if got := ValidUserID(tc.in); got != tc.want {
			t.Errorf("ValidUserID(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestParseTokenCases(t *testing.T) {
	tok, hash := NewToken()
	for _, tc := range []struct {
		name, in string
		ok       bool
	}{
		{"issued", tok, true},
		{"zero bytes", strings.Repeat("A", 43), true},
		{"non-canonical last character", strings.Repeat("A", 42) + "B", false},
		{"short", tok[:42], false},
		{"long", tok + "A", false},
		{"padded", tok[:42] + "=", false},
		{"standard alphabet", strings.Repeat("+", 43), false},
		{"slash", strings.Repeat("/", 43), false},
		{"newline inside", tok[:20] + "\n" + tok[21:], false},
		{"space", tok[:42] + " ", false},
		{"empty", "", false},
	} {
		h, ok := ParseToken(tc.in)
		if ok != tc.ok || (ok && h != HashToken(tc.in)) || (!ok && h != "") {
			t.Errorf("%s: ParseToken(%q) = %q, %v; want ok %v", tc.name, tc.in, h, ok, tc.ok)
		}
	}
	if h, _ := ParseToken(tok); h != hash || !fzHex64RE.MatchString(h) {
		t.Errorf("hash %q, want %q (64 lower-case hex)", h, hash)
	}
}

func TestTokenRoundTripProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		b := rapid.SliceOfN(rapid.Byte(), 32, 32).Draw(t, "bytes")
		tok := base64.RawURLEncoding.EncodeToString(b)
		h, ok := ParseToken(tok)
		want := HashToken(tok)
		if !ok || h != want {
			t.Fatalf("ParseToken(%q) = %q, %v", tok, h, ok)
		}
		if _, err := hex.DecodeString(h); err != nil || len(h) != 64 {
			t.Fatalf("hash %q is not 64 hex", h)
		}
	})
}

func TestCursorCodecCases(t *testing.T) {
	c := cursorCodec{key: []byte("k1")}
	cur := c.encode("members/org_1", "local-abc")
	for _, tc := range []struct {
		name, scope, cursor, want string
		ok                        bool
	}{
		{"round trip", "members/org_1", cur, "local-abc", true},
		{"empty cursor", "members/org_1", "", "", true},
		{"other org", "members/org_2", cur, "", false},
		{"other list", "project-members/org_1/prj_1", cur, "", false},
		{"no dot", "members/org_1", strings.Replace(cur, ".", "", 1), "", false},
		{"padded", "members/org_1", cur + "=", "", false},
		{"swapped position", "members/org_1", base64.RawURLEncoding.EncodeToString([]byte("local-abd")) + cur[strings.IndexByte(cur, '.'):], "", false},
		{"signature only", "members/org_1", cur[strings.IndexByte(cur, '.'):], "", false},
		{"too long", "members/org_1", strings.Repeat("A", 1025), "", false},
	} {
		got, err := c.decode(tc.scope, tc.cursor)
		if tc.ok != (err == nil) || got != tc.want {
			t.Errorf("%s: decode = %q, %v; want %q (ok %v)", tc.name, got, err, tc.want, tc.ok)
		}
		if err != nil && ErrorCode(err) != ECodeInvalidCursor {
			t.Errorf("%s: code %s, want invalid_cursor", tc.name, ErrorCode(err))
		}
	}
	if _, err := (cursorCodec{key: []byte("k2")}).decode("members/org_1", cur); err == nil {
		t.Error("a cursor decoded under another key")
	}
	if c.encode("members/org_1", "") != "" {
		t.Error("no position should encode as no cursor")
	}
}

func TestCursorEveryByteChangeProperty(t *testing.T) {
	c := cursorCodec{key: []byte("k")}
	rapid.Check(t, func(t *rapid.T) {
		pos := rapid.StringMatching(`[a-z0-9_-]{1,64}`).Draw(t, "pos")
		cur := c.encode("members/org_1", pos)
		i := rapid.IntRange(0, len(cur)-1).Draw(t, "i")
		b := rapid.ByteRange(1, 255).Draw(t, "xor")
		m := []byte(cur)
		m[i] ^= b
		if got, err := c.decode("members/org_1", string(m)); err == nil {
			t.Fatalf("changed cursor %q decoded to %q", m, got)
		}
	})
}

func TestInviteInputValidateCases(t *testing.T) {
	days := func(n int) *int { return &n }
	emails := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("user%d@example.com", i)
		}
		return out
	}
	grants := func(r ProjectRole, ids ...string) []ProjectGrant {
		var out []ProjectGrant
		for _, id := range ids {
			out = append(out, ProjectGrant{ID: id, Role: r})
		}
		return out
	}
	ids := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("prj_%04d", i)
		}
		return out
	}
	for _, tc := range []struct {
		name   string
		in     InviteInput
		fields []string // nil: accepted
		want   inviteRequest
	}{
		{name: "defaults", in: InviteInput{Emails: []string{" A@B.co "}},
			want: inviteRequest{emails: []string{"a@b.co"}, grant: Grant{OrgRole: OrgMember}, days: DefaultExpiryDays}},
		{name: "duplicates collapse", in: InviteInput{Emails: []string{"a@b.co", "A@B.CO"}, OrgRole: "owner",
			ProjectIDs: []string{"prj_1", "prj_1"}, ProjectRole: "member", ExpiresInDays: days(30)},
			want: inviteRequest{emails: []string{"a@b.co"}, grant: Grant{OrgRole: OrgOwner, Projects: grants(ProjectMemberRole, "prj_1")}, days: 30}},
		{name: "50 addresses and projects", in: InviteInput{Emails: emails(50), ProjectIDs: ids(50), ProjectRole: "owner", ExpiresInDays: days(1)},
			want: inviteRequest{emails: emails(50), grant: Grant{OrgRole: OrgMember, Projects: grants(ProjectOwner, ids(50)...)}, days: 1}},
		{name: "a role per project", in: InviteInput{Emails: emails(1), OrgRole: "manager",
			Projects: []ProjectInput{{ID: "prj_1", Role: "viewer"}, {ID: "prj_2", Role: "owner"}, {ID: "prj_1", Role: "viewer"}}},
			want: inviteRequest{emails: emails(1), grant: Grant{OrgRole: OrgManager, Projects: []ProjectGrant{{ID: "prj_1", Role: ProjectViewer}, {ID: "prj_2", Role: ProjectOwner}}}, days: DefaultExpiryDays}},
		{name: "both project forms", in: InviteInput{Emails: emails(1), ProjectIDs: []string{"prj_1"}, ProjectRole: "member",
			Projects: []ProjectInput{{ID: "prj_1", Role: "viewer"}}}, fields: []string{"projects"}},
		{name: "a project twice with two roles", in: InviteInput{Emails: emails(1),
			Projects: []ProjectInput{{ID: "prj_1", Role: "viewer"}, {ID: "prj_1", Role: "owner"}}}, fields: []string{"projects[1].id"}},
		{name: "bad role per project", in: InviteInput{Emails: emails(1), Projects: []ProjectInput{{ID: "prj_1", Role: "admin"}, {ID: "BAD", Role: "owner"}}},
			fields: []string{"projects[0].role", "projects[1].id"}},
		{name: "the old org role name", in: InviteInput{Emails: emails(1), OrgRole: "user"}, fields: []string{"orgRole"}},
		{name: "no addresses", in: InviteInput{}, fields: []string{"emails"}},
		{name: "51 addresses", in: InviteInput{Emails: emails(51)}, fields: []string{"emails"}},
		{name: "51 projects", in: InviteInput{Emails: emails(1), ProjectIDs: ids(51), ProjectRole: "member"}, fields: []string{"projectIds"}},
		{name: "bad addresses by index", in: InviteInput{Emails: []string{"nope", "c@d"}}, fields: []string{"emails[0]", "emails[1]"}},
		// Malformed addresses next to a good one fail on their own (per-address results).
		{name: "some bad addresses", in: InviteInput{Emails: []string{"nope", "a@b.co"}},
			want: inviteRequest{emails: []string{"a@b.co"}, grant: Grant{OrgRole: OrgMember}, days: DefaultExpiryDays}},
		{name: "bad roles", in: InviteInput{Emails: emails(1), OrgRole: "admin", ProjectIDs: []string{"prj_1"}, ProjectRole: "boss"},
			fields: []string{"orgRole", "projectRole"}},
		{name: "projects need a role", in: InviteInput{Emails: emails(1), ProjectIDs: []string{"prj_1"}}, fields: []string{"projectRole"}},
		{name: "bad project id", in: InviteInput{Emails: emails(1), ProjectIDs: []string{"PRJ#1"}, ProjectRole: "member"}, fields: []string{"projectIds[0]"}},
		{name: "expiry 0", in: InviteInput{Emails: emails(1), ExpiresInDays: days(0)}, fields: []string{"expiresInDays"}},
		{name: "expiry 31", in: InviteInput{Emails: emails(1), ExpiresInDays: days(31)}, fields: []string{"expiresInDays"}},
	} {
		r, err := tc.in.validate()
		if tc.fields == nil {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
				continue
			}
			if !slices.Equal(r.emails, tc.want.emails) || r.grant.OrgRole != tc.want.grant.OrgRole ||
				!slices.Equal(r.grant.Projects, tc.want.grant.Projects) || r.days != tc.want.days {
				t.Errorf("%s: got %+v, want %+v", tc.name, r, tc.want)
			}
			continue
		}
		var e *Error
		if !errors.As(err, &e) || e.Code != ECodeValidationFailed {
			t.Errorf("%s: got %v, want validation_failed", tc.name, err)
			continue
		}
		var got []string
		for _, f := range e.Fields {
			got = append(got, f.Field)
		}
		if !slices.Equal(got, tc.fields) {
			t.Errorf("%s: fields %q, want %q", tc.name, got, tc.fields)
		}
	}
}

func TestNormalizeEmailProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		local := rapid.StringMatching(`[A-Za-z0-9._%+-]{1,40}`).Draw(t, "local")
		dom := rapid.StringMatching(`[A-Za-z0-9-]{1,20}(\.[A-Za-z0-9-]{1,10}){1,3}`).Draw(t, "domain")
		pad := rapid.StringMatching(`[ \t\r\n]{0,3}`).Draw(t, "pad")
		in := pad + local + "@" + dom + pad
		e, why := NormalizeEmail(in)
		if why != "" || e != strings.ToLower(local+"@"+dom) {
			t.Fatalf("NormalizeEmail(%q) = %q, %q", in, e, why)
		}
	})
}
