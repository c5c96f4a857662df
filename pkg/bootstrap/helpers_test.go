package bootstrap

// allStacks names every registered stack, in deployment order.
var allStacks = Names(Stacks().All())

// renderNames renders the named stacks.
func renderNames(names ...string) ([]Template, error) {
	var stacks []Stack
	for _, s := range Stacks().All() {
		for _, n := range names {
			if s.Name == n {
				stacks = append(stacks, s)
			}
		}
	}
	return Render(stacks)
}
