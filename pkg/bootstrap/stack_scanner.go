package bootstrap

import "errors"

// StackScanner is the opt-in host that runs secops scan --remote.
const StackScanner = "scanner"

var _ = Register(Stack{
	Name:    StackScanner,
	Summary: "(optional) an SSM-managed EC2 host for secops scan --remote",
	Order:   40,
	OptIn:   true,
	Package: true,
	Params: []Param{
		artifactsBucket,
		{Key: "SubnetId", Flag: "subnet-id", Usage: "subnet for the scanner host, with --vpc-id (default: the default VPC)"},
		{Key: "VpcId", Flag: "vpc-id", Usage: "VPC of --subnet-id, for the scanner's security group"},
	},
	Check: func(v Values) error {
		if (v["SubnetId"] == "") != (v["VpcId"] == "") {
			return errors.New("the scanner needs --subnet-id and --vpc-id together (the security group must be in the subnet's VPC), or neither for the default VPC")
		}
		return nil
	},
})
