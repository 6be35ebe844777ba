// Package layout checks the shape of the repository: shipped code does not
// depend on test rigs, no shipped package imports testing, the README's
// Layout section names every top-level folder, and the Makefile declares
// only targets it has.
package layout

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/members-saas/members"

// shipped are the folders whose packages ship in a Lambda or the local server.
var shipped = []string{"./functions/...", "./shared/...", "./cmd/..."}

// repoRoot is the repository's top folder (two up from this file).
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

func goList(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	cmd.Dir = repoRoot()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %v: %v", args, err)
	}
	return string(out)
}

// No package under functions/, shared/ or cmd/ depends on a package under
// tests/ (go list -deps, without tests).
func TestShippedCodeDoesNotDependOnTestRigs(t *testing.T) {
	out := goList(t, append([]string{"-deps", "-f", "{{.ImportPath}}"}, shipped...)...)
	for _, p := range strings.Fields(out) {
		if strings.HasPrefix(p, module+"/tests/") || p == module+"/tests" {
			t.Errorf("shipped code depends on %s", p)
		}
	}
}

// No package under functions/, shared/ or cmd/ imports testing outside its
// _test.go files (so no test rig hides there).
func TestShippedCodeDoesNotImportTesting(t *testing.T) {
	out := goList(t, append([]string{"-f", "{{.ImportPath}} {{join .Imports \" \"}}"}, shipped...)...)
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Fields(line)
		if len(f) > 0 && slices.Contains(f[1:], "testing") {
			t.Errorf("%s imports testing in a non-test file", f[0])
		}
	}
}

// The README's Layout section lists exactly the top-level folders of the
// tree (tracked or new, not ignored).
func TestReadmeLayoutListsEveryFolder(t *testing.T) {
	root := repoRoot()
	cmd := exec.Command("git", "ls-files", "--cached", "--others", "--exclude-standard")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Skipf("not a git checkout: %v", err)
	}
	tree := map[string]bool{}
	for _, f := range strings.Split(string(out), "\n") {
		if dir, _, ok := strings.Cut(f, "/"); ok {
			if _, err := os.Stat(filepath.Join(root, f)); err == nil { // not deleted in the work tree
				tree[dir] = true
			}
		}
	}

	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	section := regexp.MustCompile(`(?s)\n## Layout\n(.*?)\n## `).FindSubmatch(readme)
	if section == nil {
		t.Fatal("README.md has no Layout section")
	}
	listed := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^- `([^`/]+)/`").FindAllSubmatch(section[1], -1) {
		listed[string(m[1])] = true
	}
	if missing, extra := diff(tree, listed), diff(listed, tree); len(missing)+len(extra) > 0 {
		t.Errorf("README Layout section: folders not listed %v, listed but absent %v", missing, extra)
	}
}

// Every target the Makefile declares .PHONY has a rule.
func TestMakefileDeclaresOnlyItsTargets(t *testing.T) {
	mk, err := os.ReadFile(filepath.Join(repoRoot(), "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	rules := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^([A-Za-z0-9_-]+):`).FindAllSubmatch(mk, -1) {
		rules[string(m[1])] = true
	}
	phony := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\.PHONY:(.*)$`).FindAllSubmatch(mk, -1) {
		for _, n := range strings.Fields(string(m[1])) {
			phony[n] = true
		}
	}
	if len(phony) == 0 {
		t.Fatal("no .PHONY line")
	}
	if missing := diff(phony, rules); len(missing) > 0 {
		t.Errorf("Makefile declares targets without a rule: %v", missing)
	}
	for _, want := range []string{"test", "test-unit"} {
		if !rules[want] {
			t.Errorf("Makefile has no %s target", want)
		}
	}
}

// diff returns the keys of a that are not in b, sorted.
func diff(a, b map[string]bool) []string {
	var out []string
	for k := range a {
		if !b[k] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}
