package lambda_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	rie "github.com/members-saas/members/tests/lambda"
)

// MaxSizeXHello is the binary-size target of docs/benchmarks.md: every
// function's bootstrap, built as deployed (linux/arm64, the Makefile's
// flags), at most 1.6 times hello-lambda's.
const MaxSizeXHello = 1.6

// TestBinarySize fails when a function's deployed binary is over
// MaxSizeXHello times hello-lambda's. A function links only the operations
// of its own routes (httpapi.InviteOps, ...): passing a main httpapi.AllOps,
// or importing a heavy package from a package every function links, shows
// up here. Sizes do not vary from build to build.
func TestBinarySize(t *testing.T) {
	if testing.Short() {
		t.Skip("builds every function for linux/arm64")
	}
	fns, err := rie.Functions(root)
	if err != nil {
		t.Fatal(err)
	}
	pkgs := []string{helloPkg}
	for _, f := range fns {
		pkgs = append(pkgs, fnPkg(f))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	bins, err := rie.Build(ctx, root, filepath.Join(t.TempDir(), "deploy"), rie.Deploy, 2, pkgs...)
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	size := func(pkg string) int64 {
		fi, err := os.Stat(bins[pkg])
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	hello := size(helloPkg)
	for _, fn := range fns {
		s := size(fnPkg(fn))
		x := float64(s) / float64(hello)
		t.Logf("%-16s %10d bytes %.3f× hello-lambda", fn, s, x)
		if x > MaxSizeXHello {
			t.Errorf("functions/%s: %d bytes, %.3f× hello-lambda's %d (target ≤ %.1f×, docs/benchmarks.md)", fn, s, x, hello, MaxSizeXHello)
		}
	}
}
