package lambda_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	rie "github.com/members-saas/members/tests/lambda"
)

// coldStartEvent is a route no function serves: each answers it with a 404
// problem without I/O (hello-lambda with 200), so a cold start measures
// process start, init and one invoke, and needs no table or mail server.
var coldStartEvent = []byte(`{"version":"2.0","routeKey":"GET /_coldstart","rawPath":"/_coldstart","rawQueryString":"",` +
	`"headers":{},"requestContext":{"http":{"method":"GET","path":"/_coldstart"},"routeKey":"GET /_coldstart","stage":"$default"},` +
	`"isBase64Encoded":false}`)

// coldStartEnv lets the functions pass init; the endpoints are never
// reached by coldStartEvent.
func coldStartEnv(fn string) map[string]string {
	return map[string]string{
		"TABLE_NAME": "members-coldstart", "APP_BASE_URL": "http://console.test", "MAIL_FROM": mailFrom,
		"DYNAMODB_ENDPOINT": "http://127.0.0.1:9", "SES_ENDPOINT": "http://127.0.0.1:9", "AWS_REGION": "us-east-1",
		"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "example-secret", "AWS_EC2_METADATA_DISABLED": "true",
		"AWS_LAMBDA_FUNCTION_NAME": fn, "EVENT_BUS_NAME": "members-coldstart", // publish-events: no Records, no call
	}
}

// BenchmarkColdStart starts each function (built for this machine) under
// the emulator and invokes it once (rie.MeasureColdStart). Per function it
// reports, as medians and as ratios to hello-lambda's medians:
//   - coldstart-ms: from starting the emulator with the binary to the end
//     of the first successful invocation (includes the emulator's start);
//   - init-ms: the init phase alone, as the emulator measures it;
//   - arm64-MB: the binary as deployed (linux/arm64, the Makefile's flags).
func BenchmarkColdStart(b *testing.B) {
	emu := emulator(b)
	host := hostBinaries(b)
	fns, err := rie.Functions(root)
	if err != nil {
		b.Fatal(err)
	}
	pkgs := []string{helloPkg}
	for _, f := range fns {
		pkgs = append(pkgs, fnPkg(f))
	}
	ctx := context.Background()
	deploy, err := rie.Build(ctx, root, filepath.Join(b.TempDir(), "deploy"), rie.Deploy, 2, pkgs...)
	if err != nil {
		b.Fatal(err)
	}
	size := func(pkg string) float64 {
		fi, err := os.Stat(deploy[pkg])
		if err != nil {
			b.Fatal(err)
		}
		return float64(fi.Size())
	}
	measure := func(pkg, fn string) rie.ColdStart {
		cs, err := rie.MeasureColdStart(ctx, rie.Options{Emulator: emu, Bootstrap: host[pkg], Env: coldStartEnv(fn)}, coldStartEvent)
		if err != nil {
			b.Fatalf("%s: %v", fn, err)
		}
		return cs
	}
	// hello-lambda's medians of 9 are the baselines of the ratios.
	var totals, inits []time.Duration
	for range 9 {
		cs := measure(helloPkg, "hello-lambda")
		totals, inits = append(totals, cs.Total), append(inits, cs.Init)
	}
	slices.Sort(totals)
	slices.Sort(inits)
	baseTotal, baseInit, baseSize := totals[len(totals)/2], inits[len(inits)/2], size(helloPkg)

	names := append([]string{"hello-lambda"}, fns...)
	for _, fn := range names {
		pkg := fnPkg(fn)
		if fn == "hello-lambda" {
			pkg = helloPkg
		}
		b.Run(fn, func(b *testing.B) {
			// Medians, as hello-lambda's: on a shared machine a few starts
			// take several times longer, and a mean of 10 follows them.
			var totals, inits []time.Duration
			for b.Loop() {
				cs := measure(pkg, fn)
				totals, inits = append(totals, cs.Total), append(inits, cs.Init)
			}
			slices.Sort(totals)
			slices.Sort(inits)
			total, init := totals[len(totals)/2], inits[len(inits)/2]
			ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
			b.ReportMetric(ms(total), "coldstart-ms")
			b.ReportMetric(float64(total)/float64(baseTotal), "coldstart-x-hello")
			b.ReportMetric(ms(init), "init-ms")
			if baseInit > 0 {
				b.ReportMetric(float64(init)/float64(baseInit), "init-x-hello")
			}
			b.ReportMetric(size(pkg)/1e6, "arm64-MB")
			b.ReportMetric(size(pkg)/baseSize, "size-x-hello")
		})
	}
}
