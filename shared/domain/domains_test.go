package domain

import "testing"

func TestNormalizeDomain(t *testing.T) {
	for in, want := range map[string]string{
		"acme.com": "acme.com", " ACME.com. ": "acme.com", "mail.acme.co.uk": "mail.acme.co.uk", "xn--bcher-kva.example": "xn--bcher-kva.example",
		"a-b.io": "a-b.io",
	} {
		if got, why := NormalizeDomain(in); got != want || why != "" {
			t.Errorf("NormalizeDomain(%q) = %q, %q; want %q", in, got, why, want)
		}
	}
	for _, bad := range []string{"", "acme", ".com", "acme..com", "-acme.com", "acme-.com", "ada@acme.com", "acme.com/x",
		"acme.com:443", "10.0.0.1", "bücher.example", "acme .com", string(make([]byte, 254))} {
		if got, why := NormalizeDomain(bad); why == "" {
			t.Errorf("NormalizeDomain(%q) = %q, want refused", bad, got)
		}
	}
}

func TestPublicMailDomains(t *testing.T) {
	for _, d := range []string{"gmail.com", "outlook.com", "yahoo.com", "hotmail.com", "icloud.com", "proton.me", "eu.gmail.com"} {
		if !IsPublicMailDomain(d) {
			t.Errorf("%s is not refused", d)
		}
	}
	for _, d := range []string{"acme.com", "notgmail.com", "gmail.com.acme.io"} {
		if IsPublicMailDomain(d) {
			t.Errorf("%s is refused", d)
		}
	}
	if _, err := domainName("GMail.com"); ErrorCode(err) != ECodePublicEmailDomain {
		t.Errorf("domainName(GMail.com): %v", err)
	}
	if EmailDomain("ada@acme.com") != "acme.com" || EmailDomain("nobody") != "" {
		t.Error("EmailDomain")
	}
}
