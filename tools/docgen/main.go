// Command docgen writes the generated sections of the repository's
// Markdown files from the code's tables, so that a list in the docs has one
// source. A section is the text between
//
//	<!-- BEGIN generated:NAME -->
//	<!-- END generated:NAME -->
//
// and sections maps each NAME to the function that renders it. Run it with
// `go generate ./tools/docgen` (or `make generate`); its test fails when a
// file differs from what it would write.
//
// To add a section: write a func(root string) (string, error) returning
// the Markdown, add it to sections, and put the two marker lines where it
// belongs.
package main

//go:generate go run .

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
)

// sections renders each generated section; root is the repository's top
// folder.
var sections = map[string]func(root string) (string, error){
	"routes":          routesTable,
	"error-codes":     errorCodes,
	"configuration":   configTable,
	"shared-packages": sharedPackages,
	"permissions":     permissions,
	"event-types":     eventTypes,
}

// elsewhere names the sections that need the synthesized CDK stack: the
// infra/members tests generate and check them (docs/deploy.md's cdk-nag
// sections, docs/operations.md's alarm and metric tables), so docgen leaves
// them as they are.
var elsewhere = map[string]string{
	"nag-rules":        "infra/members TestNagRulesDoc",
	"nag-suppressions": "infra/members TestSecurityReviewDoc",
	"alarms":           "infra/members TestRunbook",
	"metrics":          "infra/members TestRunbook",
}

func main() {
	root, err := repoRoot()
	if err == nil {
		var changed []string
		changed, err = write(root)
		for _, f := range changed {
			fmt.Println("docgen: wrote", f)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "docgen:", err)
		os.Exit(1)
	}
}

// repoRoot is the repository's top folder: two up from this source file,
// where go.mod is.
func repoRoot() (string, error) {
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		return "", fmt.Errorf("repository root: %w", err)
	}
	return root, nil
}

// markdownFiles returns the Markdown files under root, skipping
// node_modules, build output and hidden folders.
func markdownFiles(root string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != root {
			switch n := d.Name(); {
			case strings.HasPrefix(n, "."), n == "node_modules", n == "build", n == "cdk.out", n == "testdata":
				return filepath.SkipDir
			}
		}
		if !d.IsDir() && strings.HasSuffix(p, ".md") {
			out = append(out, p)
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}

var marker = regexp.MustCompile(`<!-- (BEGIN|END) generated:([A-Za-z0-9_-]+) -->`)

// render returns src with every generated section rewritten. Returns an
// error for an unknown section, a marker without its pair, or a renderer's
// error.
func render(root string, src []byte) ([]byte, error) {
	var out bytes.Buffer
	rest := src
	for {
		loc := marker.FindSubmatchIndex(rest)
		if loc == nil {
			out.Write(rest)
			return out.Bytes(), nil
		}
		kind, name := string(rest[loc[2]:loc[3]]), string(rest[loc[4]:loc[5]])
		if kind != "BEGIN" {
			return nil, fmt.Errorf("END generated:%s without its BEGIN", name)
		}
		end := []byte("<!-- END generated:" + name + " -->")
		i := bytes.Index(rest[loc[1]:], end)
		if i < 0 {
			return nil, fmt.Errorf("BEGIN generated:%s without its END", name)
		}
		gen, ok := sections[name]
		if _, other := elsewhere[name]; !ok && other {
			gen = keep(rest[loc[1] : loc[1]+i])
			ok = true
		}
		if !ok {
			return nil, fmt.Errorf("unknown generated section %q (see sections in tools/docgen)", name)
		}
		body, err := gen(root)
		if err != nil {
			return nil, fmt.Errorf("section %s: %w", name, err)
		}
		out.Write(rest[:loc[1]])
		out.WriteString("\n" + strings.TrimRight(body, "\n") + "\n")
		out.Write(end)
		rest = rest[loc[1]+i+len(end):]
	}
}

// write rewrites the Markdown files under root whose generated sections
// are out of date, returning their paths.
func write(root string) ([]string, error) {
	files, err := markdownFiles(root)
	if err != nil {
		return nil, err
	}
	var changed []string
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		got, err := render(root, src)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		if !bytes.Equal(got, src) {
			if err := os.WriteFile(f, got, 0o644); err != nil {
				return nil, err
			}
			changed = append(changed, f)
		}
	}
	return changed, nil
}

// keep is the generator of a section checked elsewhere: its current text.
func keep(body []byte) func(string) (string, error) {
	return func(string) (string, error) { return strings.TrimPrefix(string(body), "\n"), nil }
}
