package suggest

import "testing"

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"fail-on", "fail-on", 0}, {"fial-on", "fail-on", 2}, {"kitten", "sitting", 3},
		{"", "abc", 3}, {"npm", "", 3}, {"pypi", "pypy", 1},
	}
	for _, tt := range tests {
		if got := Distance(tt.a, tt.b); got != tt.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := Distance(tt.b, tt.a); got != tt.want {
			t.Errorf("Distance(%q, %q) = %d, want %d (symmetric)", tt.b, tt.a, got, tt.want)
		}
	}
}

func TestClosest(t *testing.T) {
	got, d := Closest("outpt", []string{"store", "output", "profile"})
	if got != "output" || d != 1 {
		t.Errorf("Closest = %q, %d", got, d)
	}
	// Ties go to the alphabetically first candidate, whatever the order.
	if got, _ := Closest("ab", []string{"ac", "aa"}); got != "aa" {
		t.Errorf("tie = %q, want aa", got)
	}
	if got, d := Closest("x", nil); got != "" || d != -1 {
		t.Errorf("no candidates: %q, %d", got, d)
	}
}
