package lambdahandler

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// dynamoAPI is what the dedup store calls.
type dynamoAPI interface {
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
}

// DynamoDedup remembers what was posted in a DynamoDB table (partition key
// pk, TTL attribute expiresAt), so that it survives cold starts and
// concurrent function instances: a claim is one conditional PutItem, which
// only one of two instances racing for the same key wins.
type DynamoDedup struct {
	Client dynamoAPI
	Table  string
	// TTL is how long a claim holds; DynamoDB deletes expired items within
	// about two days, so expiry is also checked in the condition.
	TTL time.Duration
}

// Claim implements notify.Dedup.
func (d *DynamoDedup) Claim(ctx context.Context, key string, now time.Time) (bool, error) {
	_, err := d.Client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(d.Table),
		Item: map[string]ddbtypes.AttributeValue{
			"pk":        &ddbtypes.AttributeValueMemberS{Value: key},
			"expiresAt": &ddbtypes.AttributeValueMemberN{Value: strconv.FormatInt(now.Add(d.TTL).Unix(), 10)},
			"postedAt":  &ddbtypes.AttributeValueMemberS{Value: now.UTC().Format(time.RFC3339)},
		},
		ConditionExpression:       aws.String("attribute_not_exists(pk) OR expiresAt < :now"),
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":now": &ddbtypes.AttributeValueMemberN{Value: strconv.FormatInt(now.Unix(), 10)}},
	})
	var ccf *ddbtypes.ConditionalCheckFailedException
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &ccf):
		return false, nil
	}
	return false, fmt.Errorf("dedup table %s (dynamodb:PutItem): %w", d.Table, err)
}

// Release implements notify.Dedup.
func (d *DynamoDedup) Release(ctx context.Context, key string) error {
	_, err := d.Client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: aws.String(d.Table),
		Key:       map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberS{Value: key}},
	})
	if err != nil {
		return fmt.Errorf("dedup table %s (dynamodb:DeleteItem): %w", d.Table, err)
	}
	return nil
}
