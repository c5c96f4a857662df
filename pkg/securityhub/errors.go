package securityhub

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
)

// explain wraps an error from AWS with what the user can do about it.
// action is the IAM action of the call, e.g. "securityhub:GetFindings".
// The AWS error stays reachable with errors.As.
func explain(action string, err error) error {
	if noCredentials(err) {
		return fmt.Errorf("%s: no usable AWS credentials: if the SSO session expired run `aws sso login --profile …`, else check --profile, AWS_PROFILE or AWS_ACCESS_KEY_ID: %w", action, err)
	}
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		var maxAttempts *retry.MaxAttemptsError
		if errors.As(err, &maxAttempts) {
			return fmt.Errorf("%s: %w", action, err)
		}
		return fmt.Errorf("%s: %w (check the network and --endpoint-url)", action, err)
	}
	code, msg := apiErr.ErrorCode(), apiErr.ErrorMessage()
	switch {
	case code == "AccessDeniedException" || code == "AccessDenied" || code == "UnauthorizedOperation":
		return fmt.Errorf("%s: access denied (%s): allow the IAM action %s for these credentials: %w", action, msg, action, err)
	case code == "InvalidAccessException" || strings.Contains(msg, "not subscribed to AWS Security Hub"):
		return fmt.Errorf("%s: Security Hub is not enabled in this account and Region: run `aws securityhub enable-security-hub` or `secops bootstrap apply --stacks security`: %w", action, err)
	case code == "ExpiredToken" || code == "ExpiredTokenException" || code == "RequestExpired" || strings.Contains(strings.ToLower(msg), "security token included in the request is expired"):
		return fmt.Errorf("%s: the AWS credentials have expired: refresh them (aws sso login --profile …, or new session credentials) and run again: %w", action, err)
	case code == "UnrecognizedClientException" || code == "InvalidClientTokenId" || code == "InvalidSignatureException" || code == "SignatureDoesNotMatch":
		return fmt.Errorf("%s: AWS does not accept these credentials: check --profile and AWS_ACCESS_KEY_ID: %w", action, err)
	case isThrottle(code):
		return fmt.Errorf("%s: Security Hub kept throttling the request after every retry: try again later: %w", action, err)
	}
	return fmt.Errorf("%s: %w", action, err)
}

// noCredentials reports whether the SDK failed to get credentials before
// sending the request (an expired SSO session, no profile, no instance
// role): every SDK client wraps that failure as "get identity: …".
func noCredentials(err error) bool {
	return !errors.Is(err, context.Canceled) && strings.Contains(err.Error(), "get identity: get credentials: ")
}

func isThrottle(code string) bool {
	switch code {
	case "ThrottlingException", "TooManyRequestsException", "LimitExceededException", "Throttling", "RequestLimitExceeded":
		return true
	}
	return false
}

// fatal reports whether err stops every further request too (credentials,
// permissions, Security Hub not enabled, cancellation), so that a push
// stops instead of failing each batch alike.
func fatal(err error) bool {
	if noCredentials(err) {
		return true
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		switch code := apiErr.ErrorCode(); {
		case code == "AccessDeniedException", code == "AccessDenied", code == "InvalidAccessException",
			code == "ExpiredToken", code == "ExpiredTokenException", code == "RequestExpired",
			code == "UnrecognizedClientException", code == "InvalidClientTokenId", code == "InvalidSignatureException":
			return true
		}
		return strings.Contains(apiErr.ErrorMessage(), "not subscribed to AWS Security Hub")
	}
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// errorCode is the AWS error code of err, or a short name for errors
// without one, for the FailedFinding of each finding a request carried.
func errorCode(err error) string {
	if noCredentials(err) {
		return "NoCredentials"
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	switch {
	case errors.Is(err, context.Canceled):
		return "Canceled"
	case errors.Is(err, context.DeadlineExceeded):
		return "Timeout"
	}
	return "RequestFailed"
}
