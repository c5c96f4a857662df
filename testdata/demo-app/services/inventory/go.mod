// The inventory service's module. Its dependencies are pinned to old,
// vulnerable versions on purpose (see EXPECTED.md). It has no Go code in
// this demo, so loading the main module never needs these downloaded.
module example.com/demo-app/services/inventory

go 1.22

require (
	golang.org/x/text v0.3.5
	gopkg.in/yaml.v2 v2.2.2
)
