package bootstrap

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// s3API is the part of the S3 client bootstrap uses: uploading the secops
// package and, on destroy --delete-data, emptying and deleting the buckets.
type s3API interface {
	HeadObject(ctx context.Context, in *s3.HeadObjectInput, optFns ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
	PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	ListObjectVersions(ctx context.Context, in *s3.ListObjectVersionsInput, optFns ...func(*s3.Options)) (*s3.ListObjectVersionsOutput, error)
	DeleteObjects(ctx context.Context, in *s3.DeleteObjectsInput, optFns ...func(*s3.Options)) (*s3.DeleteObjectsOutput, error)
	DeleteBucket(ctx context.Context, in *s3.DeleteBucketInput, optFns ...func(*s3.Options)) (*s3.DeleteBucketOutput, error)
}

// PackagePrefix is where packages live in the artifacts bucket. Only secops
// bootstrap writes there: the bucket policy denies the stacks' roles, and
// CodePipeline's artifacts go under the pipeline's name (secops-pipeline/).
const PackagePrefix = "packages/"

// PackageKey is the object key of a secops package: content-addressed, so
// an unchanged binary keeps the same key and re-running apply changes
// nothing.
func PackageKey(zip []byte) string {
	sum := sha256.Sum256(zip)
	return PackagePrefix + "secops-linux-amd64-" + hex.EncodeToString(sum[:8]) + ".zip"
}

// PackageSHA256 is the hex SHA-256 of a package: the installers on
// CodeBuild and the scanner host check the download against it before they
// run anything from it.
func PackageSHA256(zip []byte) string {
	sum := sha256.Sum256(zip)
	return hex.EncodeToString(sum[:])
}

// uploadPackage puts the package in the bucket unless it is already there.
func (d *Deployer) uploadPackage(ctx context.Context, bucket string, zip []byte) (string, error) {
	key := PackageKey(zip)
	if d.S3 == nil {
		return "", fmt.Errorf("upload secops package: no S3 client configured")
	}
	_, err := d.S3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err == nil {
		return key, nil
	}
	if !isS3NotFound(err) {
		return "", fmt.Errorf("upload secops package: check s3://%s/%s: %w", bucket, key, err)
	}
	d.progress().Step("uploading secops package to s3://%s/%s (%d KB)", bucket, key, len(zip)/1024)
	_, err = d.S3.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(zip),
		ContentType: aws.String("application/zip"),
	})
	if err != nil {
		return "", fmt.Errorf("upload secops package to s3://%s/%s: %w", bucket, key, err)
	}
	return key, nil
}

func isS3NotFound(err error) bool {
	var nf *s3types.NotFound
	var nsk *s3types.NoSuchKey
	if errors.As(err, &nf) || errors.As(err, &nsk) {
		return true
	}
	var ae smithy.APIError
	return errors.As(err, &ae) && (ae.ErrorCode() == "NotFound" || ae.ErrorCode() == "NoSuchKey" || ae.ErrorCode() == "404")
}

// deleteBucket empties a versioned bucket (every version and delete
// marker) and deletes it; false when the bucket was already gone. A log
// delivery that lands between emptying and deleting makes it empty the
// bucket again.
func (d *Deployer) deleteBucket(ctx context.Context, bucket string) (bool, error) {
	for attempt := 1; ; attempt++ {
		gone, err := d.emptyBucket(ctx, bucket)
		if err != nil || gone {
			return false, err
		}
		_, err = d.S3.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(bucket)})
		var ae smithy.APIError
		switch {
		case err == nil:
			return true, nil
		case isNoSuchBucket(err):
			return false, nil
		case errors.As(err, &ae) && ae.ErrorCode() == "BucketNotEmpty" && attempt < 3:
			continue
		}
		return false, fmt.Errorf("delete bucket %s: %w", bucket, err)
	}
}

// emptyBucket deletes every object version and delete marker; gone is true
// when the bucket does not exist.
func (d *Deployer) emptyBucket(ctx context.Context, bucket string) (gone bool, err error) {
	var keyMarker, versionMarker *string
	for {
		page, err := d.S3.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{
			Bucket: aws.String(bucket), KeyMarker: keyMarker, VersionIdMarker: versionMarker,
		})
		if err != nil {
			if isNoSuchBucket(err) {
				return true, nil
			}
			return false, fmt.Errorf("empty bucket %s: %w", bucket, err)
		}
		var objs []s3types.ObjectIdentifier
		for _, v := range page.Versions {
			objs = append(objs, s3types.ObjectIdentifier{Key: v.Key, VersionId: v.VersionId})
		}
		for _, m := range page.DeleteMarkers {
			objs = append(objs, s3types.ObjectIdentifier{Key: m.Key, VersionId: m.VersionId})
		}
		for len(objs) > 0 {
			n := min(len(objs), 1000)
			out, err := d.S3.DeleteObjects(ctx, &s3.DeleteObjectsInput{
				Bucket: aws.String(bucket), Delete: &s3types.Delete{Objects: objs[:n], Quiet: aws.Bool(true)},
			})
			if err != nil {
				return false, fmt.Errorf("empty bucket %s: %w", bucket, err)
			}
			if len(out.Errors) > 0 {
				e := out.Errors[0]
				return false, fmt.Errorf("empty bucket %s: %d objects not deleted, first %s: %s", bucket, len(out.Errors), aws.ToString(e.Key), aws.ToString(e.Message))
			}
			objs = objs[n:]
		}
		if !aws.ToBool(page.IsTruncated) {
			return false, nil
		}
		keyMarker, versionMarker = page.NextKeyMarker, page.NextVersionIdMarker
	}
}

func isNoSuchBucket(err error) bool {
	var nb *s3types.NoSuchBucket
	if errors.As(err, &nb) {
		return true
	}
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == "NoSuchBucket"
}
