package bootstrap

// StackPipeline is the application pipeline with the scan gate.
const StackPipeline = "pipeline"

var _ = Register(Stack{
	Name:    StackPipeline,
	Summary: "ECR and a CodePipeline: build, scan gate, deploy to EKS, DAST",
	Order:   30,
	Package: true,
	Params: []Param{
		artifactsBucket,
		{Key: "ConnectionArn", Flag: "connection-arn", Usage: "CodeConnections ARN for a GitHub/GitLab/Bitbucket source (default: a CodeCommit repository)"},
		{Key: "RepositoryId", Flag: "repository", Default: "secops-app", Usage: "source repository: owner/name with --connection-arn, else the CodeCommit name (default secops-app)"},
		{Key: "BranchName", Flag: "branch", Default: "main", Usage: "branch the pipeline builds (default main)"},
		{Key: "ClusterName", Flag: "cluster-name", Default: "secops", Usage: "EKS cluster the Deploy stage deploys to (default secops)"},
		{Key: "AppUrl", Flag: "app-url", Usage: "URL the DAST stage scans (default: skip DAST)"},
	},
	Variants: []map[string]string{
		{"ConnectionArn": "arn:aws:codeconnections:us-east-1:123456789012:connection/0f9e8d7c-6b5a-4321-9876-543210fedcba", "RepositoryId": "acme/shop"},
		{"ConnectionArn": "", "RepositoryId": "shop"},
	},
})
