package bootstrap

import (
	"errors"
	"strings"
)

// StackPipeline is the application pipeline with the scan gate.
const StackPipeline = "pipeline"

var _ = Register(Stack{
	Name:    StackPipeline,
	Summary: "ECR and a CodePipeline: build, scan gate (kept in the stack), deploy to EKS, DAST; the source through CodeConnections (GitHub, GitLab, Bitbucket) or an existing CodeCommit repository",
	Order:   30,
	Package: true,
	Data: func() (map[string]string, error) {
		return map[string]string{"ScanBuildspec": ScanBuildspec()}, nil
	},
	Params: []Param{
		artifactsBucket,
		logsKey,
		{
			Key: "ConnectionArn", Flag: "connection-arn", Required: true, RequiredUnless: "CodeCommitRepository",
			Usage:    "CodeConnections connection to GitHub, GitLab or Bitbucket the pipeline reads its source through (with --repository)",
			Validate: validateConnection,
		},
		{
			Key: "RepositoryId", Flag: "repository", Required: true, RequiredUnless: "CodeCommitRepository",
			Usage:    "owner/name of the repository behind --connection-arn",
			Validate: validateRepository,
		},
		{Key: "CodeCommitRepository", Flag: "codecommit-repository", Usage: "an existing CodeCommit repository to build instead (accounts that still have CodeCommit)"},
		{Key: "BranchName", Flag: "branch", Default: "main", Usage: "branch the pipeline builds"},
		{
			Key: "FailOn", Flag: "fail-on", Default: "HIGH",
			Usage:    "severity at which the Scan stage stops the pipeline: CRITICAL, HIGH, MEDIUM, LOW or INFORMATIONAL",
			Validate: oneOf("--fail-on", "CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL"),
		},
		{Key: "ClusterName", Flag: "cluster-name", Default: "secops", Usage: "EKS cluster the Deploy stage deploys to"},
		{Key: "AppUrl", Flag: "app-url", Usage: "URL the DAST stage scans (default: skip DAST)"},
	},
	Check: func(v Values) error {
		if v["CodeCommitRepository"] != "" && (v["ConnectionArn"] != "" || v["RepositoryId"] != "") {
			return errors.New("--codecommit-repository replaces --connection-arn and --repository; give one source")
		}
		return nil
	},
	Variants: []map[string]string{
		{"ConnectionArn": "arn:aws:codeconnections:us-east-1:123456789012:connection/0f9e8d7c-6b5a-4321-9876-543210fedcba", "RepositoryId": "acme/shop"},
		{"CodeCommitRepository": "shop", "FailOn": "CRITICAL", "AppUrl": "https://staging.example.com/"},
	},
})

func validateConnection(v string) error {
	if !strings.HasPrefix(v, "arn:") || !(strings.Contains(v, ":codeconnections:") || strings.Contains(v, ":codestar-connections:")) || !strings.Contains(v, ":connection/") {
		return errors.New("--connection-arn must be a CodeConnections ARN (arn:aws:codeconnections:REGION:ACCOUNT:connection/ID); create one in the console under Developer Tools > Connections")
	}
	return nil
}

func validateRepository(v string) error {
	if owner, name, ok := strings.Cut(v, "/"); !ok || owner == "" || name == "" {
		return errors.New("--repository must be owner/name (the repository behind --connection-arn)")
	}
	return nil
}
