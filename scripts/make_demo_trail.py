#!/usr/bin/env python3
"""Generate the offline demo CloudTrail data under ``examples/``.

Story (account 111122223333, us-east-1, 2026-11-20 10:00Z-10:40Z): a GitHub Actions job
assumes ``role/ci/github-actions-deploy`` over OIDC and runs ``terraform apply``, an
idempotency ``terraform plan`` and ``terraform destroy`` of a demo stack (VPC, subnets,
IGW, route table, S3 bucket, private Route 53 zone, Lambda with IAM role and log group).
State is in S3 (S3-native ``.tflock`` locking, SSE-KMS state object): S3 data events
plus the KMS calls S3 makes on the session's behalf. A console user, a read-only CI role,
AWS services and two deploy-role events of the day before are noise. Every call is a
``Call`` spec; ``build_record`` lays it out in CloudTrail's field order and
``delivery_files`` groups records into 5-minute delivery files. See examples/README.md.

Writes, overwriting (stale ``*.json.gz`` in the log tree are removed):
  examples/cloudtrail/AWSLogs/111122223333/CloudTrail/us-east-1/YYYY/MM/DD/*.json.gz
  examples/permission-policy.json
Stdlib only and deterministic (seeded PRNG, fixed times, gzip without mtime): reruns are
byte-identical. Usage: ``python3 scripts/make_demo_trail.py``
"""

from __future__ import annotations

import gzip
import json
import random
import string
import urllib.parse
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import zip_longest
from pathlib import Path
from typing import Any

JSON = dict[str, Any]
Err = tuple[str, str]

ACCOUNT, REGION = "111122223333", "us-east-1"
ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
LOG_DIR = EXAMPLES / "cloudtrail" / "AWSLogs" / ACCOUNT / "CloudTrail" / REGION
rng = random.Random(20261120)

# fmt: off
# --- principals -------------------------------------------------------------------------
OIDC_PROVIDER = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
SESSION = "GitHubActions"
DEPLOY_ROLE = f"arn:aws:iam::{ACCOUNT}:role/ci/github-actions-deploy"
READONLY_ROLE = f"arn:aws:iam::{ACCOUNT}:role/github-actions-readonly"
DEPLOY_ROLE_ID, READONLY_ROLE_ID = "AROAEXAMPLEDEPLOYROLE", "AROAEXAMPLEREADONLYRL"
DEPLOY_KEY, READONLY_KEY = "ASIAEXAMPLEDEPLOY001", "ASIAEXAMPLEREADONLY1"
RUNNER_IP, RUNNER_IP_PR, ALICE_IP = "20.55.14.72", "52.234.180.19", "203.0.113.24"
# The capture policy allows "*", so the denials come from the role's permissions boundary.
DENY_REASON = "because no permissions boundary allows the {action} action"

# --- resources --------------------------------------------------------------------------
STATE_BUCKET, STATE_KEY = f"acme-tfstate-{ACCOUNT}", "demo-infra/terraform.tfstate"
LOCK_KEY = STATE_KEY + ".tflock"
KMS_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/6f1d2c8e-4b7a-4e39-9c5d-2a8e7f3b1c64"
BUCKET, TRAIL_BUCKET = f"acme-demo-artifacts-{ACCOUNT}", f"acme-org-cloudtrail-{ACCOUNT}"
VPC, DOPT = "vpc-0a1b2c3d4e5f60718", "dopt-0b3f6a9c2e5d18f74"
SUBNETS = {"subnet-0f3c9a1e7b2d48a61": ("10.42.1.0/24", "us-east-1a"),
           "subnet-0a7d2e5c9f1b36e42": ("10.42.2.0/24", "us-east-1b")}
ASSOCS = dict(zip(SUBNETS, ["rtbassoc-0b6e3a9d1f4c72e85", "rtbassoc-0e4a7d1c9b2f65a38"],
                  strict=True))
IGW, RTB, RTB_MAIN = "igw-0c5e8a2d7f1b94e30", "rtb-0d2f6b9e4a7c13f58", "rtb-08e1c4a7d2f5b9e36"
ZONE, ZONE_NAME = "Z0123456789ABCDEFGHIJ", "demo.internal."
CHANGE_CREATE, CHANGE_DELETE = "C0123456789KLMNOPQRST", "C0987654321TSRQPONMLK"
FN, FN_ROLE, FN_ROLE_ID = "demo-function", "demo-function-role", "AROAEXAMPLEDEMOFNROLE"
FN_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{FN}"
FN_ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/{FN_ROLE}"
LOG_GROUP = f"/aws/lambda/{FN}"
LAMBDA_POLICY = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
INSTANCE = "i-0e7b2c9f4a1d63b58"
TAGS = {"Project": "demo-infra", "ManagedBy": "terraform"}
XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/"
# Placeholders in request/response bodies, replaced with the event's own time.
AWS_TIME, ISO_MS, COMPACT = "@aws-time@", "@iso-ms@", "@compact@"

# --- user agents and per-service details ------------------------------------------------
GO_SDK = "aws-sdk-go-v2/1.32.6 ua/2.1 os/linux lang/go#1.23.3 md/GOOS#linux md/GOARCH#amd64"
TF = "APN/1.0 HashiCorp/1.0 Terraform/1.10.5 (+https://www.terraform.io)"
AGENTS = {
    "tf": f"{TF} terraform-provider-aws/5.80.0 (+https://registry.terraform.io/providers/"
          f"hashicorp/aws) {GO_SDK} api/{{api}}",
    "backend": f"{TF} {GO_SDK} api/{{api}}",
    "action": "aws-sdk-js/3.699.0 ua/2.1 os/linux#6.5.0-1025-azure lang/js md/nodejs#20.18.1 "
              "api/sts#3.699.0 m/E configure-aws-credentials-for-github-actions",
    "cli": "aws-cli/2.22.4 md/awscrt#0.22.0 ua/2.0 os/linux#6.5.0-1025-azure md/arch#x86_64 "
           "lang/python#3.12.6 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe "
           "md/distrib#ubuntu.24 md/prompt#off",
    "browser": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
               "(KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    "console": "AWS Internal",
    "s3console": "[S3Console/0.4, aws-internal/3 aws-sdk-java/1.12.750 Linux/5.10.228-219.884."
                 "amzn2int.x86_64 OpenJDK_64-Bit_Server_VM/25.432-b06 java/1.8.0_432 "
                 "vendor/Oracle_Corporation cfg/retry-mode/standard]",
}
SDK_API = {"ec2": "ec2#1.190.0", "iam": "iam#1.38.2", "sts": "sts#1.33.2", "s3": "s3#1.71.0",
           "route53": "route53#1.46.3", "logs": "cloudwatchlogs#1.45.0", "lambda": "lambda#1.69.1"}
HOSTS = {"iam": "iam.amazonaws.com", "route53": "route53.amazonaws.com",
         "signin": "signin.aws.amazon.com"}
API_VERSION = {"route53": "2013-04-01", "logs": "20140328"}
EVENT_VERSION = {"sts": "1.08", "kms": "1.08", "route53": "1.08"}
# fmt: on


def rand(n: int, alphabet: str = string.ascii_uppercase + string.digits) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def new_uuid() -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


# --- the call spec ----------------------------------------------------------------------
@dataclass
class Call:
    """One API call as made; ``build_record`` turns it into a CloudTrail record."""

    src: str  # "ec2" -> eventSource ec2.amazonaws.com
    name: str  # eventName
    params: JSON | None = None  # requestParameters (None -> null)
    resp: JSON | None = None  # responseElements of a successful write
    gap: float = 0.6  # seconds after the actor's previous call
    err: Err | None = None  # (errorCode, errorMessage)
    ro: bool | None = None  # readOnly; inferred from the name when None
    res: list[JSON] | None = None  # resources
    extra: JSON | None = None  # additionalEventData
    data: bool = False  # S3 data event
    ua: str = "tf"  # key into AGENTS
    via: str | None = None  # invokedBy: made by a service on the caller's behalf
    identity: JSON | None = None  # replaces the actor's userIdentity
    kind: str = "AwsApiCall"  # eventType
    details: JSON | None = None  # serviceEventDetails


def c(src: str, name: str, params: JSON | None = None, **kw: Any) -> Call:
    return Call(src, name, params, **kw)


def ec2(
    name: str, gap: float = 0.6, err: Err | None = None, resp: JSON | None = None, **params: Any
) -> Call:
    return Call("ec2", name, params or None, resp, gap, err)


def ok(**more: Any) -> JSON:
    return {"_return": True, **more}


def items(key: str, *values: Any) -> JSON:
    return {"items": [{key: v} for v in values]}


def filters(named: dict[str, str]) -> JSON:
    return {"items": [{"name": k, "valueSet": items("value", v)} for k, v in named.items()]}


def kv_tags(key: str = "key", value: str = "value", name: str | None = None) -> list[JSON]:
    return [{key: k, value: v} for k, v in {**({"Name": name} if name else {}), **TAGS}.items()]


def tag_spec(rtype: str, name: str) -> JSON:
    return {"items": [{"resourceType": rtype, "tags": kv_tags(name=name)}]}


DESCRIBE = {
    "vpc": ("DescribeVpcs", "vpcSet", "vpcId", VPC),
    "igw": ("DescribeInternetGateways", "internetGatewayIdSet", "internetGatewayId", IGW),
    "rtb": ("DescribeRouteTables", "routeTableIdSet", "routeTableId", RTB),
}


def describe(what: str, gap: float = 0.6, err: Err | None = None) -> Call:
    """Terraform's describe-by-id read of one VPC resource (or a subnet id)."""
    name, set_key, id_key, rid = DESCRIBE.get(
        what, ("DescribeSubnets", "subnetSet", "subnetId", what)
    )
    return ec2(name, gap, err, **{set_key: items(id_key, rid)}, filterSet={})


def s3(
    name: str,
    sub: str | None = None,
    body: JSON | None = None,
    bucket: str = BUCKET,
    key: str | None = None,
    gap: float = 0.3,
    err: Err | None = None,
    resp: JSON | None = None,
    out: int = 0,
    into: int = 0,
    ua: str = "tf",
    prefix: str | None = None,
    sse: str | None = None,
) -> Call:
    """An S3 call in CloudTrail's shape: bucketName/Host/subresource key, x-amz-id-2 etc."""
    params: JSON = {"bucketName": bucket, "Host": f"{bucket}.s3.{REGION}.amazonaws.com"}
    if name == "ListBuckets":
        params = {"Host": "s3.amazonaws.com"}
    if prefix is not None:
        params.update(
            {"list-type": "2", "prefix": prefix, "delimiter": "/", "encoding-type": "url"}
        )
    params.update({**({sub: ""} if sub else {}), **(body or {}), **({"key": key} if key else {})})
    extra: JSON = {
        "SignatureVersion": "SigV4",
        "CipherSuite": "TLS_AES_128_GCM_SHA256",
        "bytesTransferredIn": into,
        "AuthenticationMethod": "AuthHeader",
        "x-amz-id-2": rand(76, string.ascii_letters + string.digits + "+/") + "=",
        "bytesTransferredOut": out,
        **({"SSEApplied": sse} if sse else {}),
    }
    bucket_res = {"accountId": ACCOUNT, "type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{bucket}"}
    res: list[JSON] | None = [bucket_res]
    if key:
        res = [bucket_res, {"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::{bucket}/{key}"}]
    elif prefix is not None:
        res = [
            {"type": "AWS::S3::Object", "ARNPrefix": f"arn:aws:s3:::{bucket}/{prefix}"},
            bucket_res,
        ]
    elif name in ("CreateBucket", "ListBuckets"):
        res = None
    data = name.endswith("Object") or name == "ListObjects"
    return Call("s3", name, params, resp, gap, err, res=res, extra=extra, data=data, ua=ua)


def s3_put(name: str, sub: str, root: str, body: JSON) -> Call:
    return s3(name, sub, {root: {"xmlns": XMLNS, **body}}, into=180)


# --- Terraform state: S3 backend, S3-native lock file, SSE-KMS state object -------------
def state(op: str, gap: float = 1.0) -> list[Call]:
    """One backend operation: 'init' | 'lock' | 'read' | 'write' | 'unlock'.

    Reading/writing the SSE-KMS state object makes S3 call KMS Decrypt/GenerateDataKey
    with the session's credentials (userIdentity.invokedBy = s3.amazonaws.com).
    """
    kw: JSON = {"bucket": STATE_BUCKET, "ua": "backend", "gap": gap}
    version = {"x-amz-version-id": rand(32, string.ascii_letters + string.digits + "._")}
    context = {"encryptionContext": {"aws:s3:arn": f"arn:aws:s3:::{STATE_BUCKET}/{STATE_KEY}"}}
    kms: JSON = {
        "src": "kms",
        "gap": 0,
        "ro": True,
        "via": "s3.amazonaws.com",
        "res": [{"accountId": ACCOUNT, "type": "AWS::KMS::Key", "ARN": KMS_KEY}],
    }
    sse = {
        "x-amz-server-side-encryption": "aws:kms",
        "x-amz-server-side-encryption-aws-kms-key-id": KMS_KEY,
    }
    # fmt: off
    return {
        "init": [s3("ListObjects", prefix="env:/", out=310, **kw)],   # workspace listing
        "lock": [s3("PutObject", key=LOCK_KEY, into=232, sse="Default_SSE_S3",
                    resp={"x-amz-server-side-encryption": "AES256", **version}, **kw)],
        "unlock": [s3("DeleteObject", key=LOCK_KEY, **kw)],
        "read": [s3("GetObject", key=STATE_KEY, out=18342, sse="SSE_KMS", **kw),
                 Call(name="Decrypt", params={
                     **context, "encryptionAlgorithm": "SYMMETRIC_DEFAULT"}, **kms)],
        "write": [s3("PutObject", body=sse, key=STATE_KEY, into=18342, sse="SSE_KMS",
                     resp={**sse, **version}, **kw),
                  Call(name="GenerateDataKey", params={
                      "keyId": KMS_KEY, **context, "keySpec": "AES_256"}, **kms)],
    }[op]
    # fmt: on


# --- read-after-write / refresh reads, per Terraform resource ---------------------------
# fmt: off
def reads_vpc() -> list[Call]:
    # one DescribeVpcAttribute per attribute (DNS support, DNS hostnames, NAU metrics);
    # CloudTrail records only the vpcId of these requests
    return [describe("vpc"), *[ec2("DescribeVpcAttribute", 0.2, vpcId=VPC) for _ in range(3)],
            ec2("DescribeRouteTables", routeTableIdSet={},
                filterSet=filters({"association.main": "true", "vpc-id": VPC})),
            ec2("DescribeNetworkAcls", networkAclIdSet={},
                filterSet=filters({"default": "true", "vpc-id": VPC})),
            ec2("DescribeSecurityGroups", securityGroupSet={}, securityGroupIdSet={},
                filterSet=filters({"group-name": "default", "vpc-id": VPC}))]


def describe_tags() -> Call:
    return ec2("DescribeTags", filterSet=filters({"resource-id": RTB_MAIN, "key": "Name"}))


NO_POLICY = ("NoSuchBucketPolicy", "The bucket policy does not exist")
BUCKET_READS: list[tuple[str, str, Err | None]] = [
    ("GetBucketPolicy", "policy", NO_POLICY),
    ("GetBucketAcl", "acl", None),
    ("GetBucketCors", "cors", ("NoSuchCORSConfiguration", "The CORS configuration does not exist")),
    ("GetBucketWebsite", "website", ("NoSuchWebsiteConfiguration",
                                     "The specified bucket does not have a website configuration")),
    ("GetBucketVersioning", "versioning", None),
    ("GetAccelerateConfiguration", "accelerate", None),
    ("GetBucketRequestPayment", "requestPayment", None),
    ("GetBucketLogging", "logging", None),
    ("GetBucketLifecycle", "lifecycle", ("NoSuchLifecycleConfiguration",
                                         "The lifecycle configuration does not exist")),
    ("GetBucketReplication", "replication", ("ReplicationConfigurationNotFoundError",
                                             "The replication configuration was not found")),
    ("GetBucketEncryption", "encryption", None),
    ("GetBucketObjectLockConfiguration", "object-lock", (
        "ObjectLockConfigurationNotFoundError",
        "Object Lock configuration does not exist for this bucket")),
    ("GetBucketTagging", "tagging", None),
]
# reads of the aws_s3_bucket_{public_access_block,ownership_controls,versioning,...} resources
BUCKET_CONFIG_READS: list[tuple[str, str, Err | None]] = [
    ("GetBucketPublicAccessBlock", "publicAccessBlock", None),
    ("GetBucketOwnershipControls", "ownershipControls", None),
    ("GetBucketVersioning", "versioning", None), ("GetBucketEncryption", "encryption", None)]
# fmt: on


def reads_bucket(reads: list[tuple[str, str, Err | None]] = BUCKET_READS) -> list[Call]:
    return [s3(n, sub, err=e, out=340 if e else 180) for n, sub, e in reads]


def reads_zone() -> list[Call]:
    return [
        c("route53", "GetHostedZone", {"id": ZONE}),
        c("route53", "ListTagsForResource", {"resourceType": "hostedzone", "resourceId": ZONE}),
        c("route53", "ListResourceRecordSets", {"hostedZoneId": ZONE}),
    ]


def role_calls(
    names: tuple[str, ...] = ("GetRole", "ListRolePolicies", "ListAttachedRolePolicies"),
) -> list[Call]:
    return [c("iam", n, {"roleName": FN_ROLE}) for n in names]


def reads_log_group(throttled: bool = False) -> list[Call]:
    throttle = [c("logs", "DescribeLogGroups", err=("ThrottlingException", "Rate exceeded"))]
    arn = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{LOG_GROUP}"
    return [
        *(throttle if throttled else []),
        c("logs", "DescribeLogGroups", {"logGroupNamePrefix": LOG_GROUP}, gap=1.4),
        c("logs", "ListTagsForResource", {"resourceArn": arn}),
    ]


def get_function(gap: float = 0.6) -> Call:
    return c("lambda", "GetFunction20150331v2", {"functionName": FN}, gap=gap)


def reads_function() -> list[Call]:
    return [
        get_function(),
        c("lambda", "GetFunctionCodeSigningConfig", {"functionName": FN}),
        c("lambda", "ListVersionsByFunction20150331", {"functionName": FN, "maxItems": 10000}),
    ]


def interleave(*groups: list[Call]) -> list[Call]:
    """Round-robin merge, like Terraform walking independent resources in parallel."""
    return [call for batch in zip_longest(*groups) for call in batch if call is not None]


def refresh() -> list[Call]:
    return interleave(
        reads_vpc(),
        [*map(describe, SUBNETS), describe("igw"), describe("rtb"), describe("rtb")],
        [describe("rtb") for _ in ASSOCS] + [describe_tags()],
        reads_bucket(),
        reads_bucket(BUCKET_CONFIG_READS),
        reads_zone(),
        role_calls() + role_calls(("ListAttachedRolePolicies",)),
        reads_log_group(throttled=True),
        reads_function(),
    )


# --- the deploy session's phases --------------------------------------------------------
def denied(action: str, resource: str) -> Err:
    user = f"arn:aws:sts::{ACCOUNT}:assumed-role/github-actions-deploy/{SESSION}"
    return (
        "AccessDenied",
        f"User: {user} is not authorized to perform: {action} on resource: "
        f"{resource} " + DENY_REASON.format(action=action),
    )


def unauthorized() -> Err:
    blob = rand(640, string.ascii_letters + string.digits + "-_")
    return (
        "Client.UnauthorizedOperation",
        "You are not authorized to perform this operation. "
        f"Encoded authorization failure message: {blob}",
    )


# The call specs below are data tables; they are kept hand-aligned rather than exploded
# one key per line by the formatter.
# fmt: off
def create_calls() -> dict[str, Call]:
    """The apply's create calls whose request/response bodies are long."""
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
        "Action": "sts:AssumeRole"}]}, separators=(",", ":"))
    fn = {"functionName": FN, "role": FN_ROLE_ARN, "runtime": "python3.12",
          "handler": "app.handler", "code": {}, "description": "", "timeout": 10,
          "memorySize": 128, "publish": False, "packageType": "Zip", "architectures": ["x86_64"],
          "loggingConfig": {"logFormat": "Text", "logGroup": LOG_GROUP}, "tags": dict(TAGS)}
    ref = f"terraform-{COMPACT}941200000001"
    zone_config = {"comment": "Managed by Terraform", "privateZone": True}
    return {
        "role": c("iam", "CreateRole", {
            "path": "/", "roleName": FN_ROLE, "assumeRolePolicyDocument": trust,
            "maxSessionDuration": 3600, "description": ""}, gap=22, resp={"role": {
                "path": "/", "roleName": FN_ROLE, "roleId": FN_ROLE_ID, "arn": FN_ROLE_ARN,
                "createDate": AWS_TIME,
                "assumeRolePolicyDocument": urllib.parse.quote(trust, safe="")}}),
        "vpc": ec2("CreateVpc", 0.3, cidrBlock="10.42.0.0/16", instanceTenancy="default",
                   amazonProvidedIpv6CidrBlock=False, tagSpecificationSet=tag_spec("vpc", "demo-vpc"),
                   resp={"vpc": {"vpcId": VPC, "state": "pending", "ownerId": ACCOUNT,
                                 "cidrBlock": "10.42.0.0/16", "dhcpOptionsId": DOPT,
                                 "instanceTenancy": "default", "isDefault": False,
                                 "tagSet": {"items": kv_tags(name="demo-vpc")}}}),
        **{f"subnet-{az}": ec2(
            "CreateSubnet", 0.2, vpcId=VPC, cidrBlock=cidr, availabilityZone=az,
            tagSpecificationSet=tag_spec("subnet", f"demo-{az}"),
            resp={"subnet": {"subnetId": sid, "state": "available", "vpcId": VPC,
                             "cidrBlock": cidr, "availabilityZone": az, "ownerId": ACCOUNT,
                             "subnetArn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:subnet/{sid}"}})
           for sid, (cidr, az) in SUBNETS.items()},
        "igw": ec2("CreateInternetGateway", tagSpecificationSet=tag_spec("internet-gateway", "demo-igw"),
                   resp={"internetGateway": {"internetGatewayId": IGW, "ownerId": ACCOUNT,
                                             "attachmentSet": {}}}),
        "rtb": ec2("CreateRouteTable", vpcId=VPC, tagSpecificationSet=tag_spec("route-table", "demo-public"),
                   resp={"routeTable": {"routeTableId": RTB, "vpcId": VPC, "ownerId": ACCOUNT}}),
        "zone": c("route53", "CreateHostedZone", {
            "name": ZONE_NAME.rstrip("."), "callerReference": ref, "hostedZoneConfig": zone_config,
            "vPC": {"vPCRegion": REGION, "vPCId": VPC}}, resp={
            "changeInfo": {"id": f"/change/{CHANGE_CREATE}", "status": "PENDING",
                           "submittedAt": AWS_TIME},
            "location": f"https://route53.amazonaws.com/2013-04-01/hostedzone/{ZONE}",
            "hostedZone": {"id": f"/hostedzone/{ZONE}", "name": ZONE_NAME, "callerReference": ref,
                           "config": zone_config, "resourceRecordSetCount": 2}}),
        "function-too-early": c("lambda", "CreateFunction20150331", fn, gap=1.5, err=(
            "InvalidParameterValueException",
            "The role defined for the function cannot be assumed by Lambda.")),
        "function": c("lambda", "CreateFunction20150331", fn, gap=5.5, resp={
            **{k: fn[k] for k in ("functionName", "role", "runtime", "handler", "timeout",
                                  "memorySize", "architectures", "packageType")},
            "functionArn": FN_ARN, "codeSize": 1342, "version": "$LATEST",
            "lastModified": ISO_MS, "state": "Pending", "stateReasonCode": "Creating",
            "stateReason": "The function is being created.", "revisionId": new_uuid()}),
    }


def apply_phase() -> list[Call]:
    new = create_calls()
    return [
        *state("init", gap=8), *state("lock", gap=9), *state("read"),
        c("sts", "GetCallerIdentity", gap=2),
        new["role"], c("iam", "TagRole", {"roleName": FN_ROLE, "tags": kv_tags()}, gap=0.4,
                       err=denied("iam:TagRole", FN_ROLE_ARN)),
        new["vpc"], s3("CreateBucket", body={"x-amz-acl": "private"}, gap=0.2),
        c("logs", "CreateLogGroup", {"logGroupName": LOG_GROUP, "tags": dict(TAGS)}, gap=0.2),
        *role_calls(("GetRole",)), describe("vpc", 0.2),
        c("logs", "PutRetentionPolicy", {"logGroupName": LOG_GROUP, "retentionInDays": 14}),
        s3("PutBucketTagging", "tagging", {"Tagging": {"xmlns": XMLNS, "TagSet": {
            "Tag": kv_tags("Key", "Value")}}}, into=260),
        ec2("ModifyVpcAttribute", vpcId=VPC, enableDnsHostnames={"value": True}, resp=ok()),
        ec2("ModifyVpcAttribute", vpcId=VPC, enableDnsSupport={"value": True}, resp=ok()),
        *role_calls(), *reads_log_group(throttled=True),
        c("iam", "AttachRolePolicy", {"roleName": FN_ROLE, "policyArn": LAMBDA_POLICY}),
        *interleave(reads_vpc(), reads_bucket()), *role_calls(("ListAttachedRolePolicies",)),
        ec2("DescribeAddressesAttribute", err=unauthorized(), DescribeAddressesAttributeRequest={
            "Attribute": "domain-name", "MaxResults": 100}),
        new["subnet-us-east-1a"], new["subnet-us-east-1b"], new["igw"], new["rtb"],
        ec2("CreateTags", resourcesSet=items("resourceId", RTB_MAIN), resp=ok(),
            tagSet={"items": [{"key": "Name", "value": "demo-main"}]}),
        new["zone"],
        s3_put("PutBucketPublicAccessBlock", "publicAccessBlock", "PublicAccessBlockConfiguration",
               dict.fromkeys(("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy",
                              "RestrictPublicBuckets"), True)),
        s3_put("PutBucketOwnershipControls", "ownershipControls", "OwnershipControls",
               {"Rule": {"ObjectOwnership": "BucketOwnerEnforced"}}),
        c("route53", "GetChange", {"id": CHANGE_CREATE}, gap=1.2),
        *[describe(s, 0.3) for s in SUBNETS], describe("igw"), describe("rtb"), describe_tags(),
        s3_put("PutBucketVersioning", "versioning", "VersioningConfiguration", {"Status": "Enabled"}),
        s3_put("PutBucketEncryption", "encryption", "ServerSideEncryptionConfiguration", {"Rule": {
            "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"},
            "BucketKeyEnabled": False}}),
        *[ec2("ModifySubnetAttribute", subnetId=s, mapPublicIpOnLaunch={"value": True}, resp=ok())
          for s in SUBNETS],
        ec2("AttachInternetGateway", internetGatewayId=IGW, vpcId=VPC, resp=ok()),
        *reads_bucket(BUCKET_CONFIG_READS), *reads_bucket(BUCKET_CONFIG_READS),
        new["function-too-early"], *map(describe, SUBNETS), describe("igw"), describe("igw", 0.4),
        ec2("CreateRoute", routeTableId=RTB, destinationCidrBlock="0.0.0.0/0", gatewayId=IGW,
            resp=ok()),
        describe("rtb", err=("Client.RequestLimitExceeded", "Request limit exceeded.")),
        describe("rtb", 2.1),
        *[ec2("AssociateRouteTable", 0.2, routeTableId=RTB, subnetId=sid, resp={
            "associationId": aid, "associationState": {"state": "associated"}})
          for sid, aid in ASSOCS.items()],
        *[describe("rtb", 0.3) for _ in range(4)], describe("rtb"), *state("write", gap=4),
        new["function"], get_function(gap=1), get_function(gap=5),
        c("route53", "GetChange", {"id": CHANGE_CREATE}, gap=4), get_function(gap=5),
        c("route53", "GetChange", {"id": CHANGE_CREATE}, gap=9),
        c("route53", "ChangeTagsForResource", {"resourceType": "hostedzone", "resourceId": ZONE,
                                               "addTags": kv_tags()}),
        *interleave(reads_zone(), reads_function()), *state("write", gap=3), *state("unlock"),
    ]


def idempotency_plan() -> list[Call]:
    return [*state("init", gap=6), *state("lock", gap=8), *state("read"), *refresh(),
            *state("unlock", gap=2)]


def destroy_phase() -> list[Call]:
    deletes = interleave(
        [c("lambda", "DeleteFunction20150331", {"functionName": FN}),
         c("logs", "DeleteLogGroup", {"logGroupName": LOG_GROUP}, gap=1.1),
         c("iam", "DetachRolePolicy", {"roleName": FN_ROLE, "policyArn": LAMBDA_POLICY}),
         *role_calls(("ListInstanceProfilesForRole", "ListRolePolicies",
                      "ListAttachedRolePolicies", "DeleteRole"))],
        [s3("DeleteBucketPublicAccessBlock", "publicAccessBlock"),
         s3("DeleteBucketOwnershipControls", "ownershipControls"),
         s3_put("PutBucketVersioning", "versioning", "VersioningConfiguration",
                {"Status": "Suspended"}),
         s3("DeleteBucketEncryption", "encryption"), s3("DeleteBucket", gap=1.2)],
        [c("route53", "DeleteHostedZone", {"id": ZONE}, resp={"changeInfo": {
            "id": f"/change/{CHANGE_DELETE}", "status": "PENDING", "submittedAt": AWS_TIME}}),
         c("route53", "GetChange", {"id": CHANGE_DELETE}, gap=4)],
        [ec2("DeleteTags", resourcesSet=items("resourceId", RTB_MAIN),
             tagSet={"items": [{"key": "Name"}]}, resp=ok()),
         *[ec2("DisassociateRouteTable", 0.2, associationId=a,
               resp=ok(associationState={"state": "disassociating"})) for a in ASSOCS.values()],
         ec2("DeleteRoute", routeTableId=RTB, destinationCidrBlock="0.0.0.0/0", resp=ok()),
         describe("rtb"), describe("rtb")])
    return [
        *state("init", gap=5), *state("lock", gap=7), *state("read"), *refresh(), *deletes,
        ec2("DetachInternetGateway", 1.5, internetGatewayId=IGW, vpcId=VPC, resp=ok()),
        ec2("DeleteRouteTable", routeTableId=RTB, resp=ok()),
        describe("rtb", err=("Client.InvalidRouteTableID.NotFound",
                             f"The routeTable ID '{RTB}' does not exist")),
        describe("igw", 4), describe("igw", 9), describe("igw", 15),
        ec2("DeleteInternetGateway", internetGatewayId=IGW, resp=ok()),
        *[ec2("DeleteSubnet", 0.4, subnetId=s, resp=ok()) for s in SUBNETS],
        c("route53", "GetChange", {"id": CHANGE_DELETE}, gap=20),
        c("route53", "GetChange", {"id": CHANGE_DELETE}, gap=30),
        ec2("DeleteVpc", 1.3, vpcId=VPC, resp=ok()),
        describe("vpc", 1.0, ("Client.InvalidVpcID.NotFound", f"The vpc ID '{VPC}' does not exist")),
        *state("write", gap=2), *state("unlock"),
    ]
# fmt: on


# --- actors and the timeline ------------------------------------------------------------
@dataclass
class Actor:
    identity: JSON
    ip: str
    console: bool = False


# fmt: off
def assumed_role(role_arn: str, role_id: str, key: str, created: str) -> JSON:
    name = role_arn.rsplit("/", 1)[1]
    return {"type": "AssumedRole", "principalId": f"{role_id}:{SESSION}",
            "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{name}/{SESSION}",
            "accountId": ACCOUNT, "accessKeyId": key, "sessionContext": {
                "sessionIssuer": {"type": "Role", "principalId": role_id, "arn": role_arn,
                                  "accountId": ACCOUNT, "userName": name},
                "webIdFederationData": {"federatedProvider": OIDC_PROVIDER, "attributes": {}},
                "attributes": {"creationDate": created, "mfaAuthenticated": "false"}}}


def assume_call(role_arn: str, role_id: str, subject: str, key: str, expires: str) -> Call:
    """AssumeRoleWithWebIdentity as made by GitHub's configure-aws-credentials action."""
    session_arn = f"arn:aws:sts::{ACCOUNT}:assumed-role/{role_arn.rsplit('/', 1)[1]}/{SESSION}"
    who = {"type": "WebIdentityUser", "principalId": f"{OIDC_PROVIDER}:sts.amazonaws.com:{subject}",
           "userName": subject, "identityProvider": OIDC_PROVIDER}
    return c("sts", "AssumeRoleWithWebIdentity",
             {"roleArn": role_arn, "roleSessionName": SESSION, "durationSeconds": 3600},
             resp={"credentials": {"accessKeyId": key, "sessionToken": "", "expiration": expires},
                   "subjectFromWebIdentityToken": subject,
                   "assumedRoleUser": {"assumedRoleId": f"{role_id}:{SESSION}", "arn": session_arn},
                   "provider": OIDC_PROVIDER, "audience": "sts.amazonaws.com"},
             extra={"identityProviderConnectionVerificationMethod": "IAMTrustStore",
                    "RequestDetails": {"awsServingRegion": REGION, "endpointType": "regional"}},
             ro=True, identity=who, ua="action", gap=0,
             res=[{"accountId": ACCOUNT, "type": "AWS::IAM::Role", "ARN": role_arn}])


DEPLOY = Actor(assumed_role(DEPLOY_ROLE, DEPLOY_ROLE_ID, DEPLOY_KEY, "2026-11-20T10:00:41Z"),
               RUNNER_IP)
DEPLOY_DAY_BEFORE = Actor(assumed_role(DEPLOY_ROLE, DEPLOY_ROLE_ID, "ASIAEXAMPLEDEPLOY000",
                                       "2026-11-19T07:59:52Z"), "20.42.87.133")
READONLY = Actor(assumed_role(READONLY_ROLE, READONLY_ROLE_ID, READONLY_KEY,
                              "2026-11-20T10:14:03Z"), RUNNER_IP_PR)
ALICE = {"type": "IAMUser", "principalId": "AIDAEXAMPLEALICEUSER1",
         "arn": f"arn:aws:iam::{ACCOUNT}:user/alice", "accountId": ACCOUNT, "userName": "alice"}
ALICE_CONSOLE = Actor({**ALICE, "accessKeyId": "ASIAEXAMPLEALICE0001", "sessionContext": {
    "sessionIssuer": {}, "webIdFederationData": {},
    "attributes": {"creationDate": "2026-11-20T10:07:12Z", "mfaAuthenticated": "true"}}},
    ALICE_IP, console=True)
AWS_SERVICE = Actor({"type": "AWSService", "invokedBy": "cloudtrail.amazonaws.com"}, "")
SSM_PARAM = "/ci/demo-infra/terraform-version"
TIMELINE: list[tuple[str, Actor, list[Call]]] = [
    ("2026-11-19T07:59:58Z", DEPLOY_DAY_BEFORE, [
        c("secretsmanager", "GetSecretValue", {"secretId": "ci/demo-infra/slack-webhook"},
          gap=9, ua="cli"),
        c("ssm", "GetParameter", {"name": SSM_PARAM}, gap=2, ua="cli", res=[{
            "ARN": f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter{SSM_PARAM}", "accountId": ACCOUNT}])]),
    ("2026-11-20T10:00:41Z", DEPLOY, [
        assume_call(DEPLOY_ROLE, DEPLOY_ROLE_ID, "repo:acme/infra:ref:refs/heads/main",
                    DEPLOY_KEY, "Nov 20, 2026, 11:00:41 AM"), *apply_phase()]),
    ("2026-11-20T10:06:50Z", DEPLOY, idempotency_plan()),
    ("2026-11-20T10:07:12Z", ALICE_CONSOLE, [
        c("signin", "ConsoleLogin", None, resp={"ConsoleLogin": "Success"}, ro=False, gap=0,
          ua="browser", identity=ALICE, kind="AwsConsoleSignIn",
          extra={"LoginTo": "https://console.aws.amazon.com/console/home?region=us-east-1",
                 "MobileVersion": "No", "MFAIdentifier": f"arn:aws:iam::{ACCOUNT}:mfa/alice",
                 "MFAUsed": "Yes"}),
        *[ec2(n, g, maxResults=1000, instancesSet={}, filterSet={})
          for n, g in (("DescribeInstances", 28), ("DescribeInstanceStatus", 1))],
        s3("ListBuckets", gap=25, ua="s3console", out=1204),
        ec2("TerminateInstances", 85, instancesSet=items("instanceId", INSTANCE), resp={
            "instancesSet": {"items": [{"instanceId": INSTANCE,
                                        "currentState": {"code": 32, "name": "shutting-down"},
                                        "previousState": {"code": 16, "name": "running"}}]}}),
        ec2("DescribeInstances", 1, maxResults=1000, instancesSet={}, filterSet={})]),
    ("2026-11-20T10:14:03Z", READONLY, [
        assume_call(READONLY_ROLE, READONLY_ROLE_ID, "repo:acme/infra:pull_request",
                    READONLY_KEY, "Nov 20, 2026, 11:14:03 AM"),
        s3("GetBucketPolicy", "policy", gap=11, out=340, err=NO_POLICY),
        ec2("DescribeInstances", 2, instancesSet={},
            filterSet=filters({"instance-state-name": "running"}))]),
    ("2026-11-20T10:19:44Z", AWS_SERVICE, [
        c("kms", "RotateKey", None, gap=0, kind="AwsServiceEvent", ro=False,
          via="kms.amazonaws.com", details={"keyId": KMS_KEY.rsplit("/", 1)[1]},
          res=[{"accountId": ACCOUNT, "type": "AWS::KMS::Key", "ARN": KMS_KEY}])]),
    ("2026-11-20T09:59:00Z", AWS_SERVICE,   # the trail's own bucket ACL check, every ~5 min
     [s3("GetBucketAcl", "acl", bucket=TRAIL_BUCKET, gap=gap, out=552)
      for gap in (302, 301, 299, 303, 298, 300, 302, 301)]),
    ("2026-11-20T10:34:50Z", DEPLOY, destroy_phase()),
]
# fmt: on


# --- records and delivery files ---------------------------------------------------------
def stamp(body: JSON | None, when: datetime) -> JSON | None:
    """Replace the time placeholders in a request/response body with the event's time."""
    if body is None:
        return None
    text = (
        json.dumps(body)
        .replace(AWS_TIME, f"{when:%b %d, %Y, %I:%M:%S %p}")
        .replace(ISO_MS, f"{when:%Y-%m-%dT%H:%M:%S}.518+0000")
        .replace(COMPACT, f"{when:%Y%m%d%H%M%S}")
    )
    stamped: JSON = json.loads(text)
    return stamped


def build_record(call: Call, actor: Actor, when: datetime) -> JSON:
    """Lay out one record with CloudTrail's field order."""
    src, via = call.src, {"invokedBy": call.via} if call.via else {}
    identity = (
        {"accountId": ACCOUNT, **via}
        if call.kind == "AwsServiceEvent"
        else {**(call.identity or actor.identity), **via}
    )
    by_service = identity.get("invokedBy")
    ua = by_service or AGENTS[call.ua].format(api=SDK_API.get(src, src))
    if src == "s3" and not ua.startswith("[") and not by_service:
        ua = f"[{ua}]"
    readonly = (
        call.ro
        if call.ro is not None
        else call.name.startswith(("Describe", "Get", "List", "Head"))
    )
    request_id = rand(16) if src == "s3" else new_uuid()
    rec: JSON = {
        "eventVersion": EVENT_VERSION.get(src, "1.09"),
        "userIdentity": identity,
        "eventTime": f"{when:%Y-%m-%dT%H:%M:%SZ}",
        "eventSource": f"{src}.amazonaws.com",
        "eventName": call.name,
        "awsRegion": REGION,
        "sourceIPAddress": by_service or actor.ip,
        "userAgent": ua,
    }
    if call.err:
        rec["errorCode"], rec["errorMessage"] = call.err
    throttled = call.err is not None and "exceeded" in call.err[1]
    rec["requestParameters"] = None if throttled else stamp(call.params, when)
    resp = None if call.err or (readonly and src != "sts") else stamp(call.resp, when)
    rec["responseElements"] = {"requestId": request_id, **resp} if src == "ec2" and resp else resp
    if call.extra:
        rec["additionalEventData"] = call.extra
    if call.kind == "AwsApiCall":
        rec["requestID"] = request_id
    rec.update({"eventID": new_uuid(), "readOnly": readonly})
    if call.res:
        rec["resources"] = call.res
    rec["eventType"] = call.kind
    if src in API_VERSION:
        rec["apiVersion"] = API_VERSION[src]
    rec.update({"managementEvent": not call.data, "recipientAccountId": ACCOUNT})
    if call.details:
        rec["serviceEventDetails"] = call.details
    rec["eventCategory"] = "Data" if call.data else "Management"
    if not by_service and ua != AGENTS["console"]:
        host = HOSTS.get(src) or (call.params or {}).get("Host") or f"{src}.{REGION}.amazonaws.com"
        rec["tlsDetails"] = {
            "tlsVersion": "TLSv1.3",
            "cipherSuite": "TLS_AES_128_GCM_SHA256",
            "clientProvidedHostHeader": host,
        }
    if actor.console and call.kind == "AwsApiCall":
        rec["sessionCredentialFromConsole"] = "true"
    return rec


def build_records() -> list[JSON]:
    records = []
    for start, actor, calls in TIMELINE:
        t = datetime.strptime(start, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        for call in calls:
            t += timedelta(seconds=call.gap)
            records.append(build_record(call, actor, t.replace(microsecond=0)))
    return records


def delivery_files(records: list[JSON]) -> dict[Path, list[JSON]]:
    """Group records the way CloudTrail delivers them.

    ``<account>_CloudTrail_<region>_<YYYYMMDDTHHMMZ>_<16 alnum>.json.gz`` holds the events
    of the five minutes before that time; some events of a window's last 30 s arrive in the
    next window's file, busy windows are split over two files (two delivery hosts), and
    records inside a file are only roughly time-ordered.
    """
    windows: dict[tuple[datetime, int], list[JSON]] = defaultdict(list)
    for rec in records:
        when = datetime.strptime(rec["eventTime"], "%Y-%m-%dT%H:%M:%SZ")
        start = when.replace(minute=when.minute - when.minute % 5, second=0)
        late = (when - start).seconds >= 270 and int(rec["eventID"][:2], 16) % 3 == 0
        end = start + timedelta(minutes=10 if late else 5)
        busy = len(windows.get((end, 0), [])) >= 60
        windows[(end, int(busy and rec["eventSource"] == "ec2.amazonaws.com"))].append(rec)
    files: dict[Path, list[JSON]] = {}
    for end, host in sorted(windows):
        recs = sorted(
            windows[(end, host)],
            key=lambda r: (r["eventTime"][:18], int(r["eventID"][-2:], 16) % 4),
        )
        suffix = rand(16, string.ascii_letters + string.digits)
        name = f"{ACCOUNT}_CloudTrail_{REGION}_{end:%Y%m%dT%H%MZ}_{suffix}.json.gz"
        files[LOG_DIR / f"{end:%Y/%m/%d}" / name] = recs
    return files


# fmt: off
STARTING_POLICY: JSON = {"Version": "2012-10-17", "Statement": [
    {"Sid": "S3StateManagement", "Effect": "Allow",
     "Action": ["s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
     "Resource": [f"arn:aws:s3:::{STATE_BUCKET}", f"arn:aws:s3:::{STATE_BUCKET}/demo-infra/*"]},
    {"Sid": "TemporaryCaptureAll", "Effect": "Allow", "Action": "*", "Resource": "*"}]}
# fmt: on


def main() -> None:
    records = build_records()
    for stale in LOG_DIR.rglob("*.json.gz") if LOG_DIR.exists() else []:
        stale.unlink()
    for path, recs in delivery_files(records).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        body = json.dumps({"Records": recs}, separators=(",", ":")).encode()
        path.write_bytes(gzip.compress(body, mtime=0))
        print(f"{len(recs):4d}  {path.relative_to(ROOT)}")
    policy = EXAMPLES / "permission-policy.json"
    policy.write_text(json.dumps(STARTING_POLICY, indent=2) + "\n")
    print(f"{len(records):4d}  events in total; wrote {policy.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
