package attn

import (
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestEveryFunctionIsBound checks that every ATTN_API function of
// include/attn.h is called by the package: from Go as C.<name>, or by a
// function of shim.h that the Go code calls, directly or through others.
func TestEveryFunctionIsBound(t *testing.T) {
	header := readText(t, "../../include/attn.h")
	var api []string
	for _, m := range regexp.MustCompile(`(?m)^ATTN_API\b[^(;]*?\b(attn_\w+)\s*\(`).FindAllStringSubmatch(header, -1) {
		api = append(api, m[1])
	}
	if len(api) < 40 {
		t.Fatalf("found only %d ATTN_API functions in attn.h: %v", len(api), api)
	}

	calls := shimCalls(t, readText(t, "shim.h"), api)
	reached := map[string]bool{}
	var visit func(name string)
	visit = func(name string) {
		if !reached[name] {
			reached[name] = true
			for _, callee := range calls[name] {
				visit(callee)
			}
		}
	}
	for _, name := range goCalls(t) {
		visit(name)
	}
	for _, name := range api {
		if !reached[name] {
			t.Errorf("%s has no binding: neither the Go code nor a shim it calls uses it", name)
		}
	}
}

// goCalls returns the names the package's Go files use as C.<name>.
func goCalls(t *testing.T) []string {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	fset := token.NewFileSet()
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok {
				if x, ok := sel.X.(*ast.Ident); ok && x.Name == "C" {
					names = append(names, sel.Sel.Name)
				}
			}
			return true
		})
	}
	return names
}

// shimCalls maps each function that shim.h defines, with a body or with
// the GOATTN_SHIM macro, to the libattn and shim functions it names.
func shimCalls(t *testing.T, shim string, api []string) map[string][]string {
	bodies := map[string]string{}
	for _, m := range regexp.MustCompile(`(?ms)^static inline [^;{]*?\b(\w+)\([^)]*\)\s*\{(.*?)^\}`).FindAllStringSubmatch(shim, -1) {
		bodies[m[1]] = m[2]
	}
	macro := regexp.MustCompile(`(?m)^#define GOATTN_SHIM\(.*\\\n(.*)$`).FindStringSubmatch(shim)
	if macro == nil {
		t.Fatal("shim.h: no #define GOATTN_SHIM")
	}
	for _, m := range regexp.MustCompile(`(?ms)^GOATTN_SHIM\((\w+),(.*?)\)\)$`).FindAllStringSubmatch(shim, -1) {
		bodies["go"+m[1]] = m[1] + " " + m[2] + " " + macro[1]
	}
	known := slices.Concat(api, slices.Collect(maps.Keys(bodies)))
	calls := map[string][]string{}
	word := regexp.MustCompile(`\w+`)
	for name, body := range bodies {
		for _, w := range word.FindAllString(body, -1) {
			if slices.Contains(known, w) {
				calls[name] = append(calls[name], w)
			}
		}
	}
	return calls
}

func readText(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
