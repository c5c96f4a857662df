package bootstrap

import (
	"context"
)

// Plan creates a change set for each stack, reads what it would change,
// and deletes it again (with the empty stack a CREATE change set leaves).
// Stacks that read another stack's outputs are planned with placeholder
// values when it does not exist yet.
func (d *Deployer) Plan(ctx context.Context, names []string, in Inputs) ([]Change, error) {
	stacks, err := d.lookup(names)
	if err != nil {
		return nil, err
	}
	var rows []Change
	for _, s := range stacks {
		for _, p := range s.Params {
			if v := in.Values[p.Key]; v != "" && p.Validate != nil {
				if err := p.Validate(v); err != nil {
					return rows, err
				}
			}
		}
		if s.Check != nil {
			if err := s.Check(in.Values); err != nil {
				return rows, err
			}
		}
		t, err := s.Render()
		if err != nil {
			return rows, err
		}
		existing, err := d.describeStack(ctx, t.Name)
		if err != nil {
			return rows, err
		}
		if err := checkDeployable(t.Name, existing); err != nil {
			return rows, err
		}
		params, err := d.parameters(ctx, s, t, existing, in, &applyState{}, false)
		if err != nil {
			return rows, err
		}
		d.progress().Step("%s: creating change set", t.Name)
		cs, err := d.createChangeSet(ctx, t, existing, params)
		if err != nil {
			d.progress().Done("")
			return rows, err
		}
		d.discard(ctx, cs)
		d.progress().Done("")
		if cs.noChange || len(cs.changes) == 0 {
			rows = append(rows, Change{Stack: t.Stack, Action: "none"})
			continue
		}
		rows = append(rows, cs.changes...)
	}
	return rows, nil
}
