// Package integration holds the integration tests (see the _test files).
package integration
