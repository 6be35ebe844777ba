// Package lambda runs the real Lambda binaries (functions/*) the way Lambda
// runs them, under AWS's Lambda Runtime Interface Emulator (aws-lambda-rie,
// the emulator SAM uses inside its containers): build a function's
// bootstrap, start the emulator with it and an environment, invoke it with
// an event, stop it. It also measures cold starts for the benchmarks.
//
// The emulator takes the bootstrap path as its argument, forwards its own
// environment to the function, starts the function on the first invocation
// (Lambda's init phase) and answers each invocation with the handler's
// result (200) or 502 when init or the handler failed.
package lambda

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/members-saas/members/tests/testenv"
)

// EmulatorName is the emulator's command; go.mod pins its version with a
// tool directive, so `go tool aws-lambda-rie` runs it.
const EmulatorName = "aws-lambda-rie"

// InvokePath is the emulator's invoke endpoint (Lambda's Invoke API path).
const InvokePath = "/2015-03-31/functions/function/invocations"

// BuildFlags are the `go build` flags of the Makefile's build rule (with
// CGO_ENABLED=0); a test keeps the two in step.
var BuildFlags = []string{"-trimpath", "-ldflags", "-s -w", "-tags", "lambda.norpc"}

// Target is a GOOS/GOARCH pair to build for.
type Target struct{ GOOS, GOARCH string }

// Host is this machine: binaries the emulator can run here.
func Host() Target { return Target{runtime.GOOS, runtime.GOARCH} }

// Deploy is what the CDK app deploys (provided.al2023 on arm64).
var Deploy = Target{"linux", "arm64"}

// ModuleRoot returns the folder of the main module of the working
// directory (where go.mod is), asking the go command.
func ModuleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("not inside a Go module")
	}
	return filepath.Dir(mod), nil
}

// Functions returns the names of the Lambda functions under root
// (functions/<name> folders holding a main.go), sorted.
func Functions(root string) ([]string, error) {
	matches, err := filepath.Glob(filepath.Join(root, "functions", "*", "main.go"))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, m := range matches {
		out = append(out, filepath.Base(filepath.Dir(m)))
	}
	slices.Sort(out)
	return out, nil
}

// Build compiles the main packages pkgs (relative to root, e.g.
// "./functions/me") for t with BuildFlags into dir/<last path element>. It
// runs one `go build` for all of them so that shared dependencies compile
// once, with at most parallel build actions at a time (-p; 0: the go
// command's default). Returns the binary path of each package.
func Build(ctx context.Context, root, dir string, t Target, parallel int, pkgs ...string) (map[string]string, error) {
	if len(pkgs) == 0 {
		return map[string]string{}, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	args := append([]string{"build"}, BuildFlags...)
	if parallel > 0 {
		args = append(args, "-p", strconv.Itoa(parallel))
	}
	args = append(args, "-o", dir+string(filepath.Separator))
	args = append(args, pkgs...)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+t.GOOS, "GOARCH="+t.GOARCH)
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go %s (%s/%s): %w\n%s", strings.Join(args, " "), t.GOOS, t.GOARCH, err, out)
	}
	bins := make(map[string]string, len(pkgs))
	for _, p := range pkgs {
		name := filepath.Base(filepath.FromSlash(p))
		if t.GOOS == "windows" {
			name += ".exe"
		}
		bin := filepath.Join(dir, name)
		if _, err := os.Stat(bin); err != nil {
			return nil, fmt.Errorf("go build wrote no binary for %s: %w", p, err)
		}
		bins[p] = bin
	}
	return bins, nil
}

// FindEmulator returns the path of aws-lambda-rie at the version go.mod's
// tool directive pins, building it into the go command's cache if need be
// (`go tool -n aws-lambda-rie`, run in the module root). Returns an error
// saying what failed.
func FindEmulator() (string, error) {
	root, err := ModuleRoot(context.Background())
	if err != nil {
		return "", err
	}
	cmd := exec.Command("go", "tool", "-n", EmulatorName)
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go tool -n %s (pinned by go.mod's tool directive): %v: %s", EmulatorName, err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}

// Options say which binary to run and how.
type Options struct {
	// Bootstrap is the function binary (built for the host).
	Bootstrap string
	// Env is the function's environment. The emulator passes its own
	// environment on to the function, so this (plus PATH) is all of it:
	// nothing leaks in from the caller's environment.
	Env map[string]string
	// Emulator is the aws-lambda-rie binary ("": FindEmulator).
	Emulator string
	// Output, when not nil, also receives the emulator's and the
	// function's output (Logs keeps it either way).
	Output io.Writer
}

// Function is a running emulator with one function binary.
type Function struct {
	// URL is the invoke endpoint.
	URL  string
	addr string
	cmd  *exec.Cmd
	logs *testenv.SyncBuffer
	done chan struct{}
	err  error // the emulator's exit, once done is closed
}

// Start starts the emulator with o.Bootstrap on free loopback ports and
// waits until it accepts connections. The function itself starts on the
// first Invoke, as in Lambda. Call Stop when done.
func Start(ctx context.Context, o Options) (*Function, error) {
	var last error
	for range 3 { // a free port can be taken between probing and binding
		f, err := launch(o)
		if err != nil {
			return nil, err
		}
		if last = f.waitListening(ctx, 10*time.Second); last == nil {
			return f, nil
		}
		_ = f.Stop()
		if ctx.Err() != nil {
			break
		}
	}
	return nil, last
}

// launch starts the emulator process without waiting for it.
func launch(o Options) (*Function, error) {
	emu := o.Emulator
	if emu == "" {
		var err error
		if emu, err = FindEmulator(); err != nil {
			return nil, err
		}
	}
	bin, err := filepath.Abs(o.Bootstrap)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("bootstrap: %w", err)
	}
	invokePort, err := testenv.FreePort()
	if err != nil {
		return nil, err
	}
	apiPort, err := testenv.FreePort()
	if err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", invokePort)
	cmd := exec.Command(emu,
		"--runtime-interface-emulator-address", addr,
		"--runtime-api-address", fmt.Sprintf("127.0.0.1:%d", apiPort),
		bin)
	cmd.Dir = filepath.Dir(bin)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	for k, v := range o.Env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	logs := &testenv.SyncBuffer{}
	var out io.Writer = logs
	if o.Output != nil {
		out = io.MultiWriter(logs, o.Output)
	}
	cmd.Stdout, cmd.Stderr = out, out
	// The function process inherits the output pipe; do not wait for it
	// forever if it outlives the emulator.
	cmd.WaitDelay = 2 * time.Second
	setProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", emu, err)
	}
	f := &Function{URL: "http://" + addr + InvokePath, addr: addr, cmd: cmd, logs: logs, done: make(chan struct{})}
	go func() {
		f.err = cmd.Wait()
		close(f.done)
	}()
	return f, nil
}

// waitListening waits until the invoke address accepts connections.
// Connecting does not invoke: the function is not started by this.
func (f *Function) waitListening(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		c, err := net.DialTimeout("tcp", f.addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-f.done:
			return fmt.Errorf("%s exited before listening (%v):\n%s", EmulatorName, f.err, f.Logs())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not listen on %s within %s:\n%s", EmulatorName, f.addr, limit, f.Logs())
		}
	}
}

// Result is the emulator's answer to one invocation.
type Result struct {
	// Status is 200 when the handler returned a result, 502 when the
	// function failed (at init or in the handler).
	Status int
	// Body is the handler's JSON result, or the error payload.
	Body []byte
}

// Invoke sends one event (a JSON payload) and returns the emulator's answer.
func (f *Function) Invoke(ctx context.Context, payload []byte) (Result, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.URL, bytes.NewReader(payload))
	if err != nil {
		return Result{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return Result{}, fmt.Errorf("invoke: %w", err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return Result{}, fmt.Errorf("invoke: read answer: %w", err)
	}
	return Result{Status: res.StatusCode, Body: b}, nil
}

// InvokeHTTP sends an API Gateway HTTP API (payload 2.0) event and decodes
// the handler's response. Returns an error when the function failed.
func (f *Function) InvokeHTTP(ctx context.Context, event []byte) (events.APIGatewayV2HTTPResponse, error) {
	r, err := f.Invoke(ctx, event)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	if r.Status != http.StatusOK {
		return events.APIGatewayV2HTTPResponse{}, fmt.Errorf("function failed: emulator status %d, payload %s", r.Status, r.Body)
	}
	var out events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(r.Body, &out); err != nil {
		return out, fmt.Errorf("decode handler response %s: %w", r.Body, err)
	}
	return out, nil
}

// Logs returns what the emulator and the function printed so far.
func (f *Function) Logs() string { return f.logs.String() }

// Stop ends the emulator (which ends the function) and waits for it; the
// function's process group is killed should anything outlive the
// emulator. Stop is safe to call more than once.
func (f *Function) Stop() error {
	select {
	case <-f.done:
	default:
		_ = f.cmd.Process.Signal(terminate)
		select {
		case <-f.done:
		case <-time.After(3 * time.Second):
			_ = f.cmd.Process.Kill()
			<-f.done
		}
	}
	killGroup(f.cmd)
	return nil
}

// ColdStart is one measured cold start.
type ColdStart struct {
	// Total runs from starting the emulator with the binary to the end of
	// the first successful invocation: process start, the function's init
	// (its main up to lambda.Start) and one invoke.
	Total time.Duration
	// Init is the emulator's own measure of the init phase ("INIT REPORT
	// (durationMs: …)"); 0 when it logged none.
	Init time.Duration
}

var initReport = regexp.MustCompile(`INIT REPORT\(durationMs: ([0-9.]+)\)`)

// MeasureColdStart starts the emulator with o.Bootstrap, invokes it with
// event as soon as it accepts connections, and stops it. The invocation
// must succeed (emulator status 200); an event the function answers
// without I/O (e.g. a route it does not serve: 404) keeps the measure to
// init. Returns an error with the logs when the function failed.
func MeasureColdStart(ctx context.Context, o Options, event []byte) (ColdStart, error) {
	start := time.Now()
	f, err := launch(o)
	if err != nil {
		return ColdStart{}, err
	}
	defer f.Stop()
	var r Result
	for {
		r, err = f.Invoke(ctx, event)
		if err == nil {
			break
		}
		select {
		case <-f.done:
			return ColdStart{}, fmt.Errorf("%s exited (%v):\n%s", EmulatorName, f.err, f.Logs())
		case <-ctx.Done():
			return ColdStart{}, ctx.Err()
		case <-time.After(time.Millisecond):
		}
		if time.Since(start) > 30*time.Second {
			return ColdStart{}, fmt.Errorf("no answer within 30s: %v\n%s", err, f.Logs())
		}
	}
	total := time.Since(start)
	if r.Status != http.StatusOK {
		return ColdStart{}, fmt.Errorf("first invocation failed: emulator status %d, payload %s\n%s", r.Status, r.Body, f.Logs())
	}
	cs := ColdStart{Total: total}
	if m := initReport.FindStringSubmatch(f.Logs()); m != nil {
		if ms, err := strconv.ParseFloat(m[1], 64); err == nil {
			cs.Init = time.Duration(ms * float64(time.Millisecond))
		}
	}
	return cs, nil
}
