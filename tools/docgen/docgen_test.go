package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The generated sections of every Markdown file are what docgen writes.
func TestDocsUpToDate(t *testing.T) {
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	files, err := markdownFiles(root)
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range marker.FindAllSubmatch(src, -1) {
			used[string(m[2])] = true
		}
		got, err := render(root, src)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if !bytes.Equal(got, src) {
			rel, _ := filepath.Rel(root, f)
			t.Errorf("%s is out of date: run `go generate ./tools/docgen` (or `make generate`)", rel)
		}
	}
	for name := range sections {
		if !used[name] {
			t.Errorf("section %s appears in no Markdown file", name)
		}
	}
}

func TestRenderMarkers(t *testing.T) {
	sections["test-x"] = func(string) (string, error) { return "one\ntwo", nil }
	defer delete(sections, "test-x")
	got, err := render("", []byte("a\n<!-- BEGIN generated:test-x -->\nstale\n<!-- END generated:test-x -->\nb\n"))
	if want := "a\n<!-- BEGIN generated:test-x -->\none\ntwo\n<!-- END generated:test-x -->\nb\n"; err != nil || string(got) != want {
		t.Fatalf("render = %q, %v; want %q", got, err, want)
	}
	for _, bad := range []string{
		"<!-- BEGIN generated:test-x -->\n",
		"<!-- END generated:test-x -->\n",
		"<!-- BEGIN generated:nope -->\n<!-- END generated:nope -->\n",
	} {
		if _, err := render("", []byte(bad)); err == nil || !strings.Contains(err.Error(), "generated") {
			t.Errorf("render(%q) = %v, want an error", bad, err)
		}
	}
}
