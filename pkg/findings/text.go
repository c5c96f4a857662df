package findings

// Truncate cuts s to at most n characters (runes, as ASFF counts them for
// Title, Description and the other limited fields), ending a cut text
// with "…". It never splits a character, and reads only as much of s as
// it keeps.
func Truncate(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if len(s) <= n {
		return s // n bytes are at most n runes
	}
	count, cut := 0, 0
	for i := range s {
		if count == n-1 {
			cut = i
		}
		if count == n {
			return s[:cut] + "…"
		}
		count++
	}
	return s
}
