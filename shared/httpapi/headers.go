package httpapi

// ResponseHeaders are set on every API response, problems and empty ones
// included: answers are per caller and must not be cached by browsers or
// proxies (no-store), and a browser must not guess another content type
// than the one sent (nosniff), so no JSON answer is ever run as a script or
// page. The local server sets them on its own answers too.
var ResponseHeaders = map[string]string{
	"Cache-Control":          "no-store",
	"X-Content-Type-Options": "nosniff",
}

// setResponseHeaders adds ResponseHeaders to h.
func setResponseHeaders(h map[string]string) {
	for k, v := range ResponseHeaders {
		h[k] = v
	}
}
