package members

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awss3deployment"
	"github.com/aws/jsii-runtime-go"

	"github.com/members-saas/members/shared/console"
)

// The pages' connect-src names the deployed API's exact origin. The
// CloudFront CSP header cannot: the distribution would then depend on the
// API, which depends on the distribution's URL (CORS origins, Cognito
// callbacks). So the header keeps the region's API Gateway origins, and
// each page also carries a <meta> CSP with the exact API origin, written by
// the deployment that writes config.json, after both exist. A browser
// enforces every policy it is given, so a page may fetch only what both
// allow: its own origin, this API and the sign-in service.

// cspPages are the console's HTML pages; each gets the <meta> policy.
var cspPages = []string{"index.html", "accept.html", "join.html"}

var headOpen = regexp.MustCompile(`(?i)<head(\s[^>]*)?>`)

// connectSrcDirective returns the connect-src directive shared/console
// builds for props' origins, the API origin still as cspAPIPlaceholder.
func connectSrcDirective(props ConsoleProps) string {
	cfg, err := console.Config{APIBaseURL: cspAPIPlaceholder, Auth: console.AuthOIDC,
		OIDCIssuer: cspAuthPlaceholder, ClientID: "-", OIDCExtraOrigins: props.ExtraOrigins}.Validate()
	if err != nil {
		panic(fmt.Sprintf("members: console CSP: %v", err))
	}
	for _, d := range strings.Split(console.ContentSecurityPolicy(cfg), ";") {
		if d = strings.TrimSpace(d); strings.HasPrefix(d, "connect-src ") {
			return strings.ReplaceAll(d, cspAuthPlaceholder, *props.AuthOrigin)
		}
	}
	panic("members: console CSP has no connect-src")
}

// withMetaCSP returns page with a <meta> Content-Security-Policy of policy
// as the first element of its head (before any script), or right after the
// doctype when it has no head element.
func withMetaCSP(page []byte, policy string) []byte {
	meta := []byte(`<meta http-equiv="Content-Security-Policy" content="` + strings.ReplaceAll(policy, `"`, "&quot;") + `">`)
	if loc := headOpen.FindIndex(page); loc != nil {
		return append(append(append([]byte{}, page[:loc[1]]...), append([]byte("\n"), meta...)...), page[loc[1]:]...)
	}
	if i := bytes.IndexByte(page, '>'); bytes.HasPrefix(bytes.ToLower(page), []byte("<!doctype")) && i >= 0 {
		return append(append(append([]byte{}, page[:i+1]...), append([]byte("\n<head>"), append(meta, []byte("</head>")...)...)...), page[i+1:]...)
	}
	return append(append([]byte("<head>"), append(meta, []byte("</head>\n")...)...), page...)
}

// pageSources returns the console's pages from dir, each with the <meta>
// policy naming apiURL (a deploy-time token) as the API origin. It panics
// when a page cannot be read: the console directory is a build input.
func (k *Console) pageSources(dir, apiURL string) []awss3deployment.ISource {
	policy := strings.ReplaceAll(k.connectSrc, cspAPIPlaceholder, apiURL)
	var out []awss3deployment.ISource
	for _, name := range cspPages {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			panic(fmt.Sprintf("members: console page: %v", err))
		}
		out = append(out, awss3deployment.Source_Data(jsii.String(name), jsii.String(string(withMetaCSP(b, policy))), nil))
	}
	return out
}
