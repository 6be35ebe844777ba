package lambda_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/members-saas/members/shared/config"
	"github.com/members-saas/members/shared/domain"
	"github.com/members-saas/members/shared/localserver"
	"github.com/members-saas/members/shared/store"
	rie "github.com/members-saas/members/tests/lambda"
	"github.com/members-saas/members/tests/testenv"
)

// The processes and binaries one test run shares, started on first use and
// stopped by TestMain.
var (
	root     = testenv.RepoRoot()
	buildDir string // removed by TestMain

	binOnce sync.Once
	bins    map[string]string // package ("./functions/me") → host binary
	binErr  error

	partsOnce sync.Once
	parts     *localParts
	partsErr  error

	tableSeq atomic.Int64

	findEmulator = sync.OnceValues(rie.FindEmulator)
)

// helloPkg is the baseline of the cold-start benchmark.
const helloPkg = "./tests/lambda/hello-lambda"

func TestMain(m *testing.M) {
	code := m.Run()
	if parts != nil {
		parts.close()
	}
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// emulator returns aws-lambda-rie's path. Without it the test fails under
// CI=true and is skipped elsewhere.
func emulator(t testing.TB) string {
	t.Helper()
	p, err := findEmulator()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	return p
}

func fnPkg(name string) string { return "./functions/" + name }

// hostBinaries builds every function and hello-lambda for this machine,
// once per test run, in one go build (2 build actions at a time).
func hostBinaries(t testing.TB) map[string]string {
	t.Helper()
	binOnce.Do(func() {
		fns, err := rie.Functions(root)
		if err != nil {
			binErr = err
			return
		}
		pkgs := []string{helloPkg}
		for _, f := range fns {
			pkgs = append(pkgs, fnPkg(f))
		}
		if buildDir, err = os.MkdirTemp("", "members-rie-"); err != nil {
			binErr = err
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
		defer cancel()
		start := time.Now()
		bins, binErr = rie.Build(ctx, root, filepath.Join(buildDir, "host"), rie.Host(), 2, pkgs...)
		fmt.Fprintf(os.Stderr, "rie: built %d binaries for %s/%s in %s\n", len(pkgs), rie.Host().GOOS, rie.Host().GOARCH,
			time.Since(start).Round(time.Millisecond))
	})
	if binErr != nil {
		t.Fatalf("build: %v", binErr)
	}
	return bins
}

// localParts are DynamoDB Local and the SES emulator the
// functions reach over loopback.
type localParts struct {
	dynamoURL string
	ses       *testenv.SES
	clients   localserver.Clients
	// dns publishes the example domain's TXT record (DNS_RESOLVER).
	dns   *testenv.DNS
	close func()
}

func startParts(t testing.TB) *localParts {
	t.Helper()
	partsOnce.Do(func() {
		ses, err := testenv.StartSES()
		if err != nil {
			partsErr = err
			return
		}
		dyn, err := testenv.StartDynamo()
		if err != nil {
			ses.Stop()
			partsErr = err
			return
		}
		cl, err := localserver.NewClients(context.Background(), config.Config{DynamoEndpoint: dyn.URL, SESEndpoint: ses.URL, Region: "us-east-1"})
		if err != nil {
			dyn.Stop()
			ses.Stop()
			partsErr = err
			return
		}
		dns, err := testenv.NewDNS()
		if err != nil {
			dyn.Stop()
			ses.Stop()
			partsErr = err
			return
		}
		dns.SetTXT(domain.ChallengeLabel+"."+rie.ExampleDomain, domain.ChallengePrefix+rie.ExampleDomainChallenge)
		parts = &localParts{dynamoURL: dyn.URL, ses: ses, clients: cl, dns: dns,
			close: func() { dyn.Stop(); ses.Stop(); dns.Close() }}
	})
	if partsErr != nil {
		t.Fatalf("local parts: %v", partsErr)
	}
	return parts
}

// newTable creates a fresh, empty table and returns its name and store.
func (p *localParts) newTable(t testing.TB) (string, *store.Store) {
	t.Helper()
	name := fmt.Sprintf("members-rie-%d-%d", os.Getpid(), tableSeq.Add(1))
	if _, err := store.EnsureTable(context.Background(), p.clients.DynamoDB, name); err != nil {
		t.Fatalf("create table: %v", err)
	}
	return name, store.New(p.clients.DynamoDB, name)
}

const (
	appBaseURL = "http://console.test"
	mailFrom   = "Members <no-reply@members.test>"
)

// env is a function's environment against the local parts and table.
func (p *localParts) env(fn, table string) map[string]string {
	return map[string]string{
		"TABLE_NAME":                  table,
		"APP_BASE_URL":                appBaseURL,
		"MAIL_FROM":                   mailFrom,
		"DYNAMODB_ENDPOINT":           p.dynamoURL,
		"SES_ENDPOINT":                p.ses.URL,
		"AWS_REGION":                  "us-east-1",
		"AWS_ACCESS_KEY_ID":           "AKIAEXAMPLE",
		"AWS_SECRET_ACCESS_KEY":       "example-secret",
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_LAMBDA_FUNCTION_NAME":    fn,
		"AWS_LAMBDA_FUNCTION_TIMEOUT": "30",
		"DNS_RESOLVER":                p.dns.Addr,
	}
}

// start runs function fn under the emulator with env and stops it when the
// test ends, logging its output when the test failed.
func start(t *testing.T, fn string, env map[string]string) *rie.Function {
	t.Helper()
	emu := emulator(t)
	bin := hostBinaries(t)[fnPkg(fn)]
	if bin == "" {
		t.Fatalf("no binary for function %q", fn)
	}
	f, err := rie.Start(context.Background(), rie.Options{Emulator: emu, Bootstrap: bin, Env: env})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		f.Stop()
		if t.Failed() {
			t.Logf("%s output:\n%s", fn, f.Logs())
		}
	})
	return f
}

// readEvent returns the bytes of events/<name>.
func readEvent(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "events", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// httpEventFiles lists the API Gateway events (events/*.json but ses-* and
// stream-*).
func httpEventFiles(t testing.TB) []string {
	t.Helper()
	all, err := filepath.Glob(filepath.Join(root, "events", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range all {
		if b := filepath.Base(f); !strings.HasPrefix(b, "ses-") && !strings.HasPrefix(b, "stream-") {
			out = append(out, b)
		}
	}
	if len(out) == 0 {
		t.Fatal("no events/*.json")
	}
	return out
}
