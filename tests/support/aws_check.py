"""The seeds' last steps with the credentials in the environment: who am I, then make a bucket.

Usage: aws_check.py [BUCKET]. Prints `ARN <caller arn>` and `BUCKET <name>`. boto3 reads
AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN / AWS_REGION / AWS_ENDPOINT_URL.
"""
import os
import sys

import boto3

session = boto3.session.Session()
print("ARN", session.client("sts").get_caller_identity()["Arn"], flush=True)
if len(sys.argv) > 1:
    region = session.region_name or "us-east-1"
    extra = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    session.client("s3").create_bucket(Bucket=sys.argv[1], **extra)
    print("BUCKET", sys.argv[1])
