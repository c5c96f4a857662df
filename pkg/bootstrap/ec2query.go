package bootstrap

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Subnet is what the scanner stack needs to know about a subnet.
type Subnet struct {
	ID               string
	VpcID            string
	AvailabilityZone string
	// DefaultForAz: a subnet of the default VPC, which has no NAT gateway.
	DefaultForAz bool
}

// ec2API finds the scanner's subnet and VPC. Only this one call of EC2's
// query API is needed, so it is made by hand (EC2QueryClient) rather than
// through the SDK's EC2 client, the largest of all.
type ec2API interface {
	DescribeSubnets(ctx context.Context, filters map[string]string) ([]Subnet, error)
}

// EC2QueryClient calls EC2's query API (form-encoded POST, XML replies)
// with SigV4.
type EC2QueryClient struct {
	Config aws.Config
	// Endpoint defaults to the Config's BaseEndpoint, else the Region's.
	Endpoint string
	HTTP     *http.Client
}

func (c *EC2QueryClient) endpoint() string {
	switch {
	case c.Endpoint != "":
		return c.Endpoint
	case c.Config.BaseEndpoint != nil && *c.Config.BaseEndpoint != "":
		return *c.Config.BaseEndpoint
	case strings.HasPrefix(c.Config.Region, "cn-"):
		return "https://ec2." + c.Config.Region + ".amazonaws.com.cn"
	}
	return "https://ec2." + c.Config.Region + ".amazonaws.com"
}

// DescribeSubnets lists the subnets that match every filter.
func (c *EC2QueryClient) DescribeSubnets(ctx context.Context, filters map[string]string) ([]Subnet, error) {
	form := url.Values{"Action": {"DescribeSubnets"}, "Version": {"2016-11-15"}}
	keys := make([]string, 0, len(filters))
	for k := range filters {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		form.Set(fmt.Sprintf("Filter.%d.Name", i+1), k)
		form.Set(fmt.Sprintf("Filter.%d.Value.1", i+1), filters[k])
	}
	var out struct {
		Subnets []struct {
			ID           string `xml:"subnetId"`
			VpcID        string `xml:"vpcId"`
			AZ           string `xml:"availabilityZone"`
			DefaultForAz bool   `xml:"defaultForAz"`
		} `xml:"subnetSet>item"`
		NextToken string `xml:"nextToken"`
	}
	var subnets []Subnet
	for {
		if err := c.call(ctx, form, &out); err != nil {
			return nil, fmt.Errorf("ec2:DescribeSubnets: %w", err)
		}
		for _, s := range out.Subnets {
			subnets = append(subnets, Subnet{ID: s.ID, VpcID: s.VpcID, AvailabilityZone: s.AZ, DefaultForAz: s.DefaultForAz})
		}
		if out.NextToken == "" {
			return subnets, nil
		}
		form.Set("NextToken", out.NextToken)
		out.Subnets, out.NextToken = nil, ""
	}
}

func (c *EC2QueryClient) call(ctx context.Context, form url.Values, out any) error {
	body := []byte(form.Encode())
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint(), bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	if c.Config.Credentials == nil {
		return fmt.Errorf("no AWS credentials")
	}
	creds, err := c.Config.Credentials.Retrieve(ctx)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "ec2", c.Config.Region, time.Now()); err != nil {
		return err
	}
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Code    string `xml:"Errors>Error>Code"`
			Message string `xml:"Errors>Error>Message"`
		}
		if xml.Unmarshal(raw, &e) == nil && e.Code != "" {
			return fmt.Errorf("%s: %s", e.Code, e.Message)
		}
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return xml.Unmarshal(raw, out)
}
