// Package release holds how secops release binaries are built: the Go
// flags .goreleaser.yaml passes, written once so that the tests build
// exactly what a release ships, check the release configuration against
// them, and check that the result is static, stripped, reproducible and
// within its size budget.
package release

import "strings"

// Tags are the build tags of a release. Both keep out a package that
// looks up methods by name through reflection (net/rpc for aws-lambda-go's
// pre-al2023 RPC mode, x/net/trace's HTML pages for gRPC), which makes the
// linker keep every exported method of every type: tens of megabytes of
// unused AWS SDK operations.
var Tags = []string{"lambda.norpc", "grpcnotrace"}

// Env is the environment a release build needs: no cgo, so the binary
// links no C library and runs on any Linux, Lambda's provided.al2023 and
// distroless/static included.
var Env = []string{"CGO_ENABLED=0"}

// Flags are the go build flags of a release besides -ldflags.
func Flags() []string {
	return []string{"-trimpath", "-tags=" + strings.Join(Tags, ",")}
}

// StripFlags strip the symbol table and DWARF and leave no build ID.
const StripFlags = "-s -w -buildid="

// Stamp is what a release embeds through -ldflags -X. Date is the commit's
// time, never the build's, so two builds of one commit are the same bytes.
type Stamp struct {
	Version string
	Commit  string
	Date    string
}

// LDFlags is the -ldflags value of a release build.
func LDFlags(s Stamp) string {
	return StripFlags +
		" -X main.version=" + s.Version +
		" -X main.commit=" + s.Commit +
		" -X main.date=" + s.Date
}

// BuildArgs are the arguments of `go build` for a release binary.
func BuildArgs(s Stamp, out string) []string {
	args := append([]string{"build"}, Flags()...)
	return append(args, "-ldflags="+LDFlags(s), "-o", out, "./cmd/secops")
}

// Size budget of the linux/amd64 release binary and of the Lambda package
// (the same binary, zipped at the best compression), in bytes. Lambda
// takes 50 MB zipped by direct upload; the budgets keep a wide margin and
// the binary lean.
const (
	MaxBinaryBytes    = 60_000_000
	MaxLambdaZipBytes = 25_000_000
)
