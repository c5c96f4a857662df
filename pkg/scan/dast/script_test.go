package dast

import (
	"reflect"
	"testing"
)

func TestJSValueStrings(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want any
	}{
		{`"plain"`, "plain"},
		{`'caf\u00e9 \u4e2d'`, "café 中"},
		{`"tab\there\nline"`, "tab\there\nline"},
		{`"bad \uZZZZ escape"`, `bad uZZZZ escape`},
		{`{"q": "\u0041BC", "n": 2}`, map[string]any{"q": "ABC", "n": float64(2)}},
	} {
		if got := jsValue(tc.src); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("jsValue(%s) = %#v, want %#v", tc.src, got, tc.want)
		}
	}
}
