package bootstrap

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// StackScanner is the opt-in host that runs secops scan --remote.
const StackScanner = "scanner"

// scannerAMIParameter is the public SSM parameter with the newest Amazon
// Linux 2023 AMI (the SSM agent is preinstalled).
const scannerAMIParameter = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"

var _ = Register(Stack{
	Name:    StackScanner,
	Summary: "(optional) an SSM-managed EC2 host for secops scan --remote, without inbound ports",
	Order:   40,
	OptIn:   true,
	Package: true,
	Params: []Param{
		artifactsBucket,
		{
			Key: "SubnetId", Flag: "subnet-id", Resolve: defaultSubnet, Validate: prefixed("--subnet-id", "subnet-"),
			Usage: "subnet of the scanner host, with a route to the SSM, S3 and registry endpoints through a NAT gateway or VPC endpoints (default: a subnet of the default VPC, with a public IP)",
		},
		{Key: "VpcId", Resolve: subnetVPC, Follows: "SubnetId"},
		{
			Key: "AssociatePublicIp", Flag: "public-ip", Resolve: publicIPFor, Follows: "SubnetId", Validate: oneOf("--public-ip", "true", "false"),
			Usage: "give the scanner host a public IP: true or false (default: true in the default VPC, which has no NAT gateway, else false)",
		},
		{
			Key: "ImageId", Flag: "image-id", Resolve: latestScannerAMI, Validate: validateAMI,
			Usage: "AMI of the scanner host (default: the newest Amazon Linux 2023 when the stack is created, kept afterwards; 'latest' looks it up again, which replaces the host)",
		},
	},
	Variants: []map[string]string{
		{"AssociatePublicIp": "true", "InstanceType": "t3.medium"},
	},
})

// parameterStoreAPI reads the public parameter that names the newest
// Amazon Linux AMI.
type parameterStoreAPI interface {
	GetParameter(ctx context.Context, in *ssm.GetParameterInput, optFns ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
}

func latestScannerAMI(ctx context.Context, d *Deployer, _ Values) (string, error) {
	if d.SSM == nil {
		return "", fmt.Errorf("look up the scanner AMI: no SSM client configured; pass --image-id")
	}
	out, err := d.SSM.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(scannerAMIParameter)})
	if err != nil {
		return "", fmt.Errorf("look up the newest Amazon Linux 2023 AMI (ssm:GetParameter %s): %w; or pass --image-id", scannerAMIParameter, err)
	}
	if out.Parameter == nil || !strings.HasPrefix(aws.ToString(out.Parameter.Value), "ami-") {
		return "", fmt.Errorf("look up the newest Amazon Linux 2023 AMI: %s holds no AMI id; pass --image-id", scannerAMIParameter)
	}
	return aws.ToString(out.Parameter.Value), nil
}

// subnet reads one subnet, or the default VPC's first (by Availability
// Zone) when id is empty.
func (d *Deployer) subnet(ctx context.Context, id string) (Subnet, error) {
	if d.EC2 == nil {
		return Subnet{}, fmt.Errorf("find the scanner's subnet: no EC2 client configured")
	}
	filter := map[string]string{"default-for-az": "true"}
	if id != "" {
		filter = map[string]string{"subnet-id": id}
	}
	subnets, err := d.EC2.DescribeSubnets(ctx, filter)
	if err != nil {
		return Subnet{}, fmt.Errorf("find the scanner's subnet: %w", err)
	}
	if len(subnets) == 0 {
		if id != "" {
			return Subnet{}, fmt.Errorf("subnet %s not found in %s", id, d.Region)
		}
		return Subnet{}, fmt.Errorf("no default VPC in this Region: pass --subnet-id, a subnet with a route to the SSM, S3 and registry endpoints")
	}
	sort.Slice(subnets, func(i, j int) bool { return subnets[i].AvailabilityZone < subnets[j].AvailabilityZone })
	return subnets[0], nil
}

func defaultSubnet(ctx context.Context, d *Deployer, _ Values) (string, error) {
	s, err := d.subnet(ctx, "")
	return s.ID, err
}

func subnetVPC(ctx context.Context, d *Deployer, v Values) (string, error) {
	s, err := d.subnet(ctx, v["SubnetId"])
	return s.VpcID, err
}

// publicIPFor gives the host a public IP in the default VPC, whose
// subnets reach the internet only that way; elsewhere the subnet is
// expected to route through a NAT gateway or VPC endpoints.
func publicIPFor(ctx context.Context, d *Deployer, v Values) (string, error) {
	s, err := d.subnet(ctx, v["SubnetId"])
	if err != nil {
		return "", err
	}
	return fmt.Sprint(s.DefaultForAz), nil
}

func validateAMI(v string) error {
	if v == Refresh {
		return nil
	}
	return prefixed("--image-id", "ami-")(v)
}

// prefixed accepts ids of one kind (subnet-, ami-).
func prefixed(flag, prefix string) func(string) error {
	return func(v string) error {
		if !strings.HasPrefix(v, prefix) {
			return fmt.Errorf("%s %q: want an id starting %s", flag, v, prefix)
		}
		return nil
	}
}
