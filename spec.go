// Package members holds what must live at the repository root: the HTTP
// API's OpenAPI 3.1 contract, openapi.yaml, embedded so the local server
// can serve it and the tests can check it (go:embed cannot reach a parent
// directory, so the embedding package sits beside the file).
package members

import _ "embed"

// OpenAPI is openapi.yaml, the contract of the HTTP API.
//
//go:embed openapi.yaml
var OpenAPI []byte
