package bootstrap

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// StackStatus is one row of `secops bootstrap status`.
type StackStatus struct {
	Stack       string     `json:"stack"`
	Name        string     `json:"name"`
	Status      string     `json:"status"` // NOT_DEPLOYED when the stack does not exist
	LastUpdated *time.Time `json:"lastUpdated,omitempty"`
	Drift       string     `json:"drift,omitempty"` // IN_SYNC, DRIFTED, UNKNOWN, NOT_CHECKED, or the detection failure
	DriftCount  int        `json:"driftedResources,omitempty"`
	// DriftError says why drift could not be detected (Drift is UNKNOWN).
	DriftError string `json:"driftError,omitempty"`
}

// NotDeployed is the status of a stack that does not exist.
const NotDeployed = "NOT_DEPLOYED"

// Status reports every stack's state and, when drift is true, runs drift
// detection on each deployed stack and waits for the result.
func (d *Deployer) Status(ctx context.Context, names []string, drift bool) ([]StackStatus, error) {
	stacks, err := d.lookup(names)
	if err != nil {
		return nil, err
	}
	var rows []StackStatus
	for _, stack := range stacks {
		st, name := stack.Name, stack.CloudFormationName()
		s, err := d.describeStack(ctx, name)
		if err != nil {
			return rows, err
		}
		row := StackStatus{Stack: st, Name: name, Status: NotDeployed}
		if s == nil {
			rows = append(rows, row)
			continue
		}
		row.Status = string(s.StackStatus)
		row.LastUpdated = s.LastUpdatedTime
		if row.LastUpdated == nil {
			row.LastUpdated = s.CreationTime
		}
		row.Drift = "NOT_CHECKED"
		if s.DriftInformation != nil && s.DriftInformation.StackDriftStatus != "" {
			row.Drift = string(s.DriftInformation.StackDriftStatus)
		}
		if drift && !statusInProgress(s.StackStatus) {
			row.Drift, row.DriftCount, err = d.detectDrift(ctx, name)
			if err != nil {
				if ctx.Err() != nil {
					return rows, err
				}
				// Drift is extra information: a missing permission or an
				// endpoint without drift detection must not hide the states.
				row.Drift, row.DriftError = "UNKNOWN", err.Error()
			}
		}
		rows = append(rows, row)
	}
	d.progress().Done("")
	return rows, nil
}

func (d *Deployer) detectDrift(ctx context.Context, name string) (string, int, error) {
	d.progress().Step("%s: detecting drift", name)
	out, err := d.CFN.DetectStackDrift(ctx, &cloudformation.DetectStackDriftInput{StackName: aws.String(name)})
	if err != nil {
		return "", 0, fmt.Errorf("detect drift of stack %s: %w", name, err)
	}
	deadline := d.now().Add(d.timeout())
	for {
		st, err := d.CFN.DescribeStackDriftDetectionStatus(ctx, &cloudformation.DescribeStackDriftDetectionStatusInput{StackDriftDetectionId: out.StackDriftDetectionId})
		if err != nil {
			return "", 0, fmt.Errorf("read drift of stack %s: %w", name, err)
		}
		switch st.DetectionStatus {
		case types.StackDriftDetectionStatusDetectionComplete:
			return string(st.StackDriftStatus), int(aws.ToInt32(st.DriftedStackResourceCount)), nil
		case types.StackDriftDetectionStatusDetectionFailed:
			return "DETECTION_FAILED: " + aws.ToString(st.DetectionStatusReason), int(aws.ToInt32(st.DriftedStackResourceCount)), nil
		}
		if d.now().After(deadline) {
			return "UNKNOWN", 0, nil
		}
		if err := d.sleep(ctx); err != nil {
			return "", 0, err
		}
	}
}

// ScannerInstance returns the instance id of the scanner host, for
// `secops scan --remote` (pkg/scan/remote).
func (d *Deployer) ScannerInstance(ctx context.Context) (string, error) {
	name := CloudFormationName(StackScanner)
	s, err := d.describeStack(ctx, name)
	if err != nil {
		return "", err
	}
	if s == nil || statusFailed(s.StackStatus) || s.StackStatus == types.StackStatusReviewInProgress {
		return "", fmt.Errorf("no scanner host: deploy it with 'secops bootstrap apply --stacks scanner'")
	}
	if id := outputs(s)["ScannerInstanceId"]; id != "" {
		return id, nil
	}
	id, err := d.physicalID(ctx, name, "ScannerInstance")
	if err == nil && id == "" {
		err = fmt.Errorf("stack %s has no ScannerInstance: redeploy it with 'secops bootstrap apply --stacks scanner'", name)
	}
	return id, err
}
