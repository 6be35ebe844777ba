// Package integration drives the real handlers through the local API
// Gateway, with the real AWS SDK against a DynamoDB-compatible server over
// HTTP and the real SES v2 client against the SES emulator.
package integration

import (
	"testing"

	"github.com/members-saas/members/tests/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }
