package localstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"

	"github.com/secops-dev/secops/pkg/findings"
)

// mergeBase is what findings.Merge reads of the stored finding when the
// same finding is imported again, plus its types and resource ids to tell
// whether the side tables change. Decoding only these attributes keeps a
// re-scan of many findings fast; TestMergeBaseIsEnough holds it to giving
// exactly what a Merge with the whole stored finding gives.
type mergeBase struct {
	CreatedAt         string
	FirstObservedAt   string
	UpdatedAt         string
	LastObservedAt    string
	Workflow          *findings.Workflow
	WorkflowState     string
	Note              *findings.Note
	UserDefinedFields map[string]string
	VerificationState string
	RecordState       string
	Compliance        *struct{ Status string }

	Types     []string
	Resources []struct{ Id string }
}

func decodeMergeBase(doc []byte) (mergeBase, error) {
	var b mergeBase
	if err := json.Unmarshal(doc, &b); err != nil {
		return b, fmt.Errorf("decode stored finding: %w (the store may be damaged)", err)
	}
	return b, nil
}

// finding is the stored finding as far as Merge is concerned.
func (b mergeBase) finding() findings.Finding {
	f := findings.Finding{
		CreatedAt:         b.CreatedAt,
		FirstObservedAt:   b.FirstObservedAt,
		UpdatedAt:         b.UpdatedAt,
		LastObservedAt:    b.LastObservedAt,
		Workflow:          b.Workflow,
		WorkflowState:     b.WorkflowState,
		Note:              b.Note,
		UserDefinedFields: b.UserDefinedFields,
		VerificationState: b.VerificationState,
		RecordState:       b.RecordState,
	}
	if b.Compliance != nil {
		f.Compliance = &findings.Compliance{Status: b.Compliance.Status}
	}
	return f
}

// sameSides reports whether r has the stored types and resource ids.
func (b mergeBase) sameSides(r row) bool {
	if !slices.Equal(b.Types, r.types) || len(b.Resources) != len(r.resources) {
		return false
	}
	for i, res := range b.Resources {
		if res.Id != r.resources[i] {
			return false
		}
	}
	return true
}

// merged is a re-imported finding merged with the stored one.
type merged struct {
	row       row
	rowErr    error // the merged finding could not be encoded
	sameSides bool
	// kept is the merged finding's first sighting and user triage, for
	// ImportOptions.Echo.
	kept findings.Finding
}

func mergeOne(f *findings.Finding, old storedFinding) (merged, error) {
	base, err := decodeMergeBase(old.doc)
	if err != nil {
		return merged{}, err
	}
	m := findings.Merge(base.finding(), *f)
	r, err := rowOf(&m)
	var kept findings.Finding
	kept.TakeStored(&m)
	return merged{row: r, rowErr: err, sameSides: err == nil && base.sameSides(r), kept: kept}, nil
}

// mergeChunk merges the findings of chunk that the store holds with their
// stored versions, on all cores.
func mergeChunk(chunk []incoming, stored map[key]storedFinding) ([]merged, error) {
	out := make([]merged, len(chunk))
	if len(stored) == 0 {
		return out, nil
	}
	errs := make([]error, len(chunk))
	workers := max(1, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(chunk); i += workers {
				in := &chunk[i]
				old, ok := stored[in.k]
				if !ok || in.invalid != nil {
					continue
				}
				out[i], errs[i] = mergeOne(in.f, old)
			}
		}()
	}
	wg.Wait()
	return out, errors.Join(errs...)
}
