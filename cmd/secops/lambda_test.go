package main

import (
	"fmt"
	"testing"
)

func TestLambdaBootstrapArgs(t *testing.T) {
	inLambda := func(k string) string {
		if k == "AWS_LAMBDA_RUNTIME_API" {
			return "127.0.0.1:9001"
		}
		return ""
	}
	outside := func(string) string { return "" }
	for _, tt := range []struct {
		argv0 string
		args  []string
		env   func(string) string
		want  string
	}{
		{"/var/task/bootstrap", nil, inLambda, "[lambda]"},
		{"/var/task/bootstrap", []string{"version"}, inLambda, "[version]"},
		{"/usr/local/bin/secops", nil, inLambda, "[]"},
		{"./bootstrap", nil, outside, "[]"},
	} {
		if got := fmt.Sprint(lambdaBootstrapArgs(tt.argv0, tt.args, tt.env)); got != tt.want {
			t.Errorf("%s %v: %s, want %s", tt.argv0, tt.args, got, tt.want)
		}
	}
}
