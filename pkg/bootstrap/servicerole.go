package bootstrap

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// iamAPI creates the service-linked role the Config recorder uses.
type iamAPI interface {
	CreateServiceLinkedRole(ctx context.Context, in *iam.CreateServiceLinkedRoleInput, optFns ...func(*iam.Options)) (*iam.CreateServiceLinkedRoleOutput, error)
}

// configService is the service whose service-linked role
// (AWSServiceRoleForConfig) records the account: what Security Hub's
// Config.1 control asks for.
const configService = "config.amazonaws.com"

// ensureServiceLinkedRole creates a service's service-linked role unless
// the account has it already. The security stack's recorder names the role
// by ARN, so it must exist before the stack.
func (d *Deployer) ensureServiceLinkedRole(ctx context.Context, service string) error {
	if d.IAM == nil {
		return nil
	}
	_, err := d.IAM.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String(service)})
	var in *iamtypes.InvalidInputException
	var exists *iamtypes.EntityAlreadyExistsException
	switch {
	case err == nil:
		d.progress().Done("created the service-linked role of %s", service)
		return nil
	case errors.As(err, &in) && strings.Contains(in.ErrorMessage(), "has been taken"), errors.As(err, &exists):
		return nil // the account has it
	}
	return fmt.Errorf("create the service-linked role of %s (iam:CreateServiceLinkedRole): %w", service, err)
}
