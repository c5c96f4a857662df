package compliance

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/smithy-go"
)

// ErrNoCredentials is wrapped into errors caused by missing AWS credentials.
var ErrNoCredentials = errors.New("no AWS credentials: run 'aws configure' (or 'aws sso login'), or pass --profile")

// explain turns an AWS Config error into one that says what to do.
func explain(op string, err error) error {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "AccessDeniedException", "AccessDenied", "UnauthorizedOperation":
			return fmt.Errorf("AWS Config %s: access denied: allow the IAM action config:%s for this identity: %w", op, op, err)
		case "UnrecognizedClientException", "InvalidSignatureException", "ExpiredTokenException", "InvalidClientTokenId":
			return fmt.Errorf("AWS Config %s: the credentials were rejected (expired or wrong account?): refresh them or pass --profile: %w", op, err)
		}
		return fmt.Errorf("AWS Config %s: %w", op, err)
	}
	if isNoCredentials(err) {
		return fmt.Errorf("AWS Config %s: %w", op, ErrNoCredentials)
	}
	return fmt.Errorf("AWS Config %s: %w", op, err)
}

func explainPack(op, pack string, err error) error {
	var ae smithy.APIError
	if errors.As(err, &ae) && ae.ErrorCode() == "NoSuchConformancePackException" {
		return fmt.Errorf("conformance pack %q does not exist in this Region: list the packs with 'secops compliance' (or pass --region): %w", pack, err)
	}
	return explain(op, err)
}

func explainRule(op, rule string, err error) error {
	var ae smithy.APIError
	if errors.As(err, &ae) && ae.ErrorCode() == "NoSuchConfigRuleException" {
		return fmt.Errorf("config rule %q does not exist in this Region: list the rules with 'secops compliance rules': %w", rule, err)
	}
	return explain(op, err)
}

// isNoCredentials recognises the SDK's failure to find any credentials,
// which it reports before sending the request.
func isNoCredentials(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "get identity: get credentials") ||
		strings.Contains(msg, "failed to retrieve credentials") ||
		strings.Contains(msg, "no EC2 IMDS role found") ||
		strings.Contains(msg, "failed to refresh cached credentials")
}
