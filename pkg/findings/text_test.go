package findings

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTruncate(t *testing.T) {
	tests := []struct {
		s    string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly ten", 11, "exactly ten"},
		{"one too long", 11, "one too lo…"},
		{"취약한 패키지 버전", 5, "취약한 …"},
		{"취약한", 3, "취약한"},
		{"abc", 1, "…"},
		{"abc", 0, ""},
	}
	for _, tt := range tests {
		got := Truncate(tt.s, tt.n)
		if got != tt.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tt.s, tt.n, got, tt.want)
		}
		if utf8.RuneCountInString(got) > tt.n || !utf8.ValidString(got) {
			t.Errorf("Truncate(%q, %d) = %q: too long or invalid", tt.s, tt.n, got)
		}
	}
	// A title cut for ASFF passes strict validation.
	long := strings.Repeat("é", 1000)
	if n := utf8.RuneCountInString(Truncate(long, maxTitleLength)); n != maxTitleLength {
		t.Errorf("cut title has %d characters, want %d", n, maxTitleLength)
	}
}
