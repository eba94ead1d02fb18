"""Creates in moto what the seeds create in IAM: a user with an MFA device and the role
s3FullforAssumeRole whose trust policy requires MFA."""
import json

import boto3

iam = boto3.client("iam")
iam.create_user(UserName="alice")
iam.create_virtual_mfa_device(VirtualMFADeviceName="alice")
trust = {
    "Version": "2012-10-17",
    "Statement": [{
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
        "Action": "sts:AssumeRole",
        "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
    }],
}
for role in ["s3FullforAssumeRole", "ReadOnly", "CREATED_ROLE", "DeployRole"]:
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(trust))
iam.put_role_policy(
    RoleName="s3FullforAssumeRole",
    PolicyName="s3Full",
    PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}),
)
