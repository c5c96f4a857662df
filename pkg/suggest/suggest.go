// Package suggest finds the name a user most likely meant ("did you mean").
package suggest

// Distance is the Levenshtein edit distance of a and b, counted in bytes
// (the names compared are ASCII).
func Distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Closest returns the candidate nearest to word and its distance; on a
// tie the alphabetically first wins, so suggestions do not change from run
// to run. It returns "" and -1 when there are no candidates.
func Closest(word string, candidates []string) (string, int) {
	best, bestDist := "", -1
	for _, c := range candidates {
		d := Distance(word, c)
		if bestDist < 0 || d < bestDist || d == bestDist && c < best {
			best, bestDist = c, d
		}
	}
	return best, bestDist
}
