#!/usr/bin/env python3
"""Generate the offline demo CloudTrail data under ``examples/``.

The data is one account (111122223333), us-east-1, 2026-11-20 10:00Z-10:40Z.
A GitHub Actions job assumes ``role/ci/github-actions-deploy`` over OIDC and
runs a Terratest-style cycle on a small demo stack (VPC, subnets, IGW, route
table, S3 bucket, private Route 53 zone, Lambda with its IAM role and log
group): ``terraform apply``, an idempotency ``terraform plan``, then
``terraform destroy``. State lives in an S3 backend with S3-native locking
(``.tflock``) and an SSE-KMS state object, logged as S3 data events plus the
KMS calls S3 makes on the session's behalf. Other principals (a console user,
a read-only CI role, AWS services) and two deploy-role events dated the day
before are mixed in as noise. ``examples/README.md`` lists what tests may rely on.

Writes (overwriting, and removing stale ``*.json.gz`` in the log tree):
  examples/cloudtrail/AWSLogs/111122223333/CloudTrail/us-east-1/YYYY/MM/DD/*.json.gz
  examples/permission-policy.json

Deterministic and stdlib-only: ids come from a PRNG with a fixed seed, all
times are fixed, and gzip headers carry no mtime, so reruns are byte-identical.
Usage: ``python3 scripts/make_demo_trail.py``
"""

from __future__ import annotations

import gzip
import json
import random
import string
import urllib.parse
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from itertools import zip_longest
from pathlib import Path
from typing import Any

JSON = dict[str, Any]

ACCOUNT = "111122223333"
REGION = "us-east-1"
ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
LOG_DIR = EXAMPLES / "cloudtrail" / "AWSLogs" / ACCOUNT / "CloudTrail" / REGION
rng = random.Random(20261120)

# --- principals -------------------------------------------------------------
OIDC_PROVIDER = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
SESSION = "GitHubActions"
DEPLOY_ROLE = f"arn:aws:iam::{ACCOUNT}:role/ci/github-actions-deploy"
DEPLOY_ROLE_ID = "AROAEXAMPLEDEPLOYROLE"
READONLY_ROLE = f"arn:aws:iam::{ACCOUNT}:role/github-actions-readonly"
READONLY_ROLE_ID = "AROAEXAMPLEREADONLYRL"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
RUNNER_IP, RUNNER_IP_PR, ALICE_IP = "20.55.14.72", "52.234.180.19", "203.0.113.24"
# Denials are explained by the role's permissions boundary (the capture policy allows "*").
DENY_REASON = "because no permissions boundary allows the {action} action"

# --- resources --------------------------------------------------------------
STATE_BUCKET, STATE_KEY = f"acme-tfstate-{ACCOUNT}", "demo-infra/terraform.tfstate"
LOCK_KEY = STATE_KEY + ".tflock"
KMS_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/6f1d2c8e-4b7a-4e39-9c5d-2a8e7f3b1c64"
BUCKET, TRAIL_BUCKET = f"acme-demo-artifacts-{ACCOUNT}", f"acme-org-cloudtrail-{ACCOUNT}"
VPC, DOPT = "vpc-0a1b2c3d4e5f60718", "dopt-0b3f6a9c2e5d18f74"
SUBNETS = {"subnet-0f3c9a1e7b2d48a61": ("10.42.1.0/24", "us-east-1a"),
           "subnet-0a7d2e5c9f1b36e42": ("10.42.2.0/24", "us-east-1b")}
ASSOCS = dict(zip(SUBNETS, ["rtbassoc-0b6e3a9d1f4c72e85", "rtbassoc-0e4a7d1c9b2f65a38"]))
IGW, RTB, RTB_MAIN = "igw-0c5e8a2d7f1b94e30", "rtb-0d2f6b9e4a7c13f58", "rtb-08e1c4a7d2f5b9e36"
NACL, SG = "acl-0c1d4e7a2b5f83d96", "sg-0a9e2c5f8b1d47e63"
ZONE, ZONE_NAME = "Z0123456789ABCDEFGHIJ", "demo.internal."
CHANGE_CREATE, CHANGE_DELETE = "C0123456789KLMNOPQRST", "C0987654321TSRQPONMLK"
FN, FN_ROLE, FN_ROLE_ID = "demo-function", "demo-function-role", "AROAEXAMPLEDEMOFNROLE"
FN_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{FN}"
FN_ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/{FN_ROLE}"
LOG_GROUP = f"/aws/lambda/{FN}"
LAMBDA_POLICY = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
TAGS = {"Project": "demo-infra", "ManagedBy": "terraform"}
XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/"

# --- user agents ------------------------------------------------------------
GO_SDK = ("aws-sdk-go-v2/1.32.6 ua/2.1 os/linux lang/go#1.23.3 md/GOOS#linux "
          "md/GOARCH#amd64 api/{api}")
TF = "APN/1.0 HashiCorp/1.0 Terraform/1.10.5 (+https://www.terraform.io)"
TF_PROVIDER = (f"{TF} terraform-provider-aws/5.80.0 (+https://registry.terraform.io/"
               f"providers/hashicorp/aws) {GO_SDK}")
TF_BACKEND = f"{TF} {GO_SDK}"
GHA_ACTION = ("aws-sdk-js/3.699.0 ua/2.1 os/linux#6.5.0-1025-azure lang/js md/nodejs#20.18.1 "
              "api/sts#3.699.0 m/E configure-aws-credentials-for-github-actions")
BROWSER = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
           "(KHTML, like Gecko) Version/18.1 Safari/605.1.15")
S3_CONSOLE = ("[S3Console/0.4, aws-internal/3 aws-sdk-java/1.12.750 Linux/5.10.228-219.884."
              "amzn2int.x86_64 OpenJDK_64-Bit_Server_VM/25.432-b06 java/1.8.0_432 "
              "vendor/Oracle_Corporation cfg/retry-mode/standard]")
SDK_API = {"ec2": "ec2#1.190.0", "iam": "iam#1.38.2", "sts": "sts#1.33.2", "s3": "s3#1.71.0",
           "route53": "route53#1.46.3", "logs": "cloudwatchlogs#1.45.0",
           "lambda": "lambda#1.69.1"}
HOSTS = {"iam": "iam.amazonaws.com", "route53": "route53.amazonaws.com",
         "signin": "signin.aws.amazon.com"}
API_VERSION = {"route53": "2013-04-01", "logs": "20140328"}
EVENT_VERSION = {"sts": "1.08", "kms": "1.08", "route53": "1.08"}


# --- random-but-deterministic ids ---------------------------------------------
def rand(n: int, alphabet: str = string.ascii_uppercase + string.digits) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def new_uuid() -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def amz_id_2() -> str:
    return rand(76, string.ascii_letters + string.digits + "+/") + "="


def encoded_failure() -> str:
    return rand(640, string.ascii_letters + string.digits + "-_")


# --- the call spec --------------------------------------------------------------
@dataclass
class Call:
    """One API call as the caller made it; ``build_record`` turns it into a record."""

    src: str                             # "ec2" -> eventSource ec2.amazonaws.com
    name: str                            # eventName
    params: JSON | None = None           # requestParameters (None -> null)
    resp: JSON | None = None             # responseElements of a successful write call
    gap: float = 0.6                     # seconds after the previous call of the same actor
    err: tuple[str, str] | None = None   # (errorCode, errorMessage)
    ro: bool | None = None               # readOnly; inferred from the name when None
    res: list[JSON] | None = None        # resources
    extra: JSON | None = None            # additionalEventData
    data: bool = False                   # S3 data event
    ua: str = "tf"                       # key into Actor.agents, or a literal user agent
    via: str | None = None               # invokedBy: made by a service on the caller's behalf
    identity: JSON | None = None         # overrides the actor's userIdentity
    kind: str = "AwsApiCall"             # eventType
    details: JSON | None = None          # serviceEventDetails


def c(src: str, name: str, params: JSON | None = None, **kw: Any) -> Call:
    return Call(src, name, params, **kw)


def ec2(name: str, gap: float = 0.6, err: tuple[str, str] | None = None,
        resp: JSON | None = None, **params: Any) -> Call:
    return Call("ec2", name, params or None, resp, gap, err)


def items(key: str, *values: Any) -> JSON:
    return {"items": [{key: v} for v in values]}


def filters(named: dict[str, str]) -> JSON:
    return {"items": [{"name": k, "valueSet": {"items": [{"value": v}]}} for k, v in named.items()]}


def ec2_tags(name: str) -> JSON:
    return {"items": [{"key": k, "value": v} for k, v in {"Name": name, **TAGS}.items()]}


def tag_spec(rtype: str, name: str) -> JSON:
    return {"items": [{"resourceType": rtype, "tags": ec2_tags(name)["items"]}]}


def kv_tags(key: str = "key", value: str = "value") -> list[JSON]:
    return [{key: k, value: v} for k, v in TAGS.items()]


def s3(name: str, sub: str | None = None, body: JSON | None = None, bucket: str = BUCKET,
       key: str | None = None, gap: float = 0.3, err: tuple[str, str] | None = None,
       resp: JSON | None = None, out: int = 0, into: int = 0, ua: str = "tf",
       prefix: str | None = None, sse: str | None = None) -> Call:
    """An S3 call in CloudTrail's shape: bucketName/Host/subresource key, x-amz-id-2 etc."""
    params: JSON = {"bucketName": bucket, "Host": f"{bucket}.s3.{REGION}.amazonaws.com"}
    if sub:
        params[sub] = ""
    if prefix is not None:
        params.update({"list-type": "2", "prefix": prefix, "delimiter": "/",
                       "encoding-type": "url"})
    params.update(body or {})
    if key:
        params["key"] = key
    extra: JSON = {"SignatureVersion": "SigV4", "CipherSuite": "TLS_AES_128_GCM_SHA256",
                   "bytesTransferredIn": into, "AuthenticationMethod": "AuthHeader",
                   "x-amz-id-2": amz_id_2(), "bytesTransferredOut": out}
    if sse:
        extra["SSEApplied"] = sse
    bucket_res = {"accountId": ACCOUNT, "type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{bucket}"}
    res: list[JSON] | None = [bucket_res]
    if key:
        res = [bucket_res, {"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::{bucket}/{key}"}]
    elif prefix is not None:
        res = [{"type": "AWS::S3::Object", "ARNPrefix": f"arn:aws:s3:::{bucket}/{prefix}"},
               bucket_res]
    elif name in ("CreateBucket", "ListBuckets"):
        res = None
    data = name.endswith("Object") or name == "ListObjects"
    return Call("s3", name, params, resp, gap, err, res=res, extra=extra, data=data, ua=ua)


def s3_put(name: str, sub: str, root: str, body: JSON) -> Call:
    return s3(name, sub, {root: {"xmlns": XMLNS, **body}}, into=180)


def s3_missing(name: str, sub: str, code: str, message: str, gap: float = 0.3) -> Call:
    return s3(name, sub, err=(code, message), out=340, gap=gap)


# --- Terraform state (S3 backend, S3-native lock file, SSE-KMS state object) -------------
def kms_on_behalf(name: str, params: JSON) -> Call:
    return c("kms", name, {"keyId": KMS_KEY, **params} if name != "Decrypt" else params,
             gap=0, ro=True, via="s3.amazonaws.com",
             res=[{"accountId": ACCOUNT, "type": "AWS::KMS::Key", "ARN": KMS_KEY}])


STATE_CONTEXT = {"encryptionContext": {"aws:s3:arn": f"arn:aws:s3:::{STATE_BUCKET}/{STATE_KEY}"}}


def state(op: str, gap: float = 1.0) -> list[Call]:
    """One backend operation: 'init' | 'lock' | 'read' | 'write' | 'unlock'."""
    kw: JSON = {"bucket": STATE_BUCKET, "ua": "backend", "gap": gap}
    vid = {"x-amz-version-id": rand(32, string.ascii_letters + string.digits + "._")}
    if op == "init":
        return [s3("ListObjects", prefix="env:/", out=310, **kw)]
    if op == "lock":
        return [s3("PutObject", key=LOCK_KEY, into=232, sse="Default_SSE_S3",
                   resp={"x-amz-server-side-encryption": "AES256", **vid}, **kw)]
    if op == "unlock":
        return [s3("DeleteObject", key=LOCK_KEY, **kw)]
    if op == "read":
        return [s3("GetObject", key=STATE_KEY, out=18342, sse="SSE_KMS", **kw),
                kms_on_behalf("Decrypt", {**STATE_CONTEXT,
                                          "encryptionAlgorithm": "SYMMETRIC_DEFAULT"})]
    sse = {"x-amz-server-side-encryption": "aws:kms",
           "x-amz-server-side-encryption-aws-kms-key-id": KMS_KEY}
    put = s3("PutObject", body=sse, key=STATE_KEY, into=18342, sse="SSE_KMS",
             resp={**sse, **vid}, **kw)
    return [put, kms_on_behalf("GenerateDataKey", {**STATE_CONTEXT, "keySpec": "AES_256"})]


# --- read-after-write / refresh reads, per Terraform resource ---------------------------
def reads_vpc() -> list[Call]:
    # one DescribeVpcAttribute per attribute (DNS support/hostnames, NAU metrics); CloudTrail
    # records only the vpcId of these requests
    return [ec2("DescribeVpcs", vpcSet=items("vpcId", VPC), filterSet={}),
            *[ec2("DescribeVpcAttribute", vpcId=VPC, gap=0.2) for _ in range(3)],
            ec2("DescribeRouteTables", routeTableIdSet={},
                filterSet=filters({"association.main": "true", "vpc-id": VPC})),
            ec2("DescribeNetworkAcls", networkAclIdSet={}, filterSet=filters({"default": "true", "vpc-id": VPC})),
            ec2("DescribeSecurityGroups", securityGroupSet={}, securityGroupIdSet={},
                filterSet=filters({"group-name": "default", "vpc-id": VPC}))]


def d_subnet(subnet: str, gap: float = 0.6) -> Call:
    return ec2("DescribeSubnets", gap, subnetSet=items("subnetId", subnet), filterSet={})


def d_igw(gap: float = 0.6) -> Call:
    return ec2("DescribeInternetGateways", gap, internetGatewayIdSet=items("internetGatewayId", IGW),
               filterSet={})


def d_rtb(gap: float = 0.6, err: tuple[str, str] | None = None) -> Call:
    return ec2("DescribeRouteTables", gap, err, routeTableIdSet=items("routeTableId", RTB),
               filterSet={})


def d_tags() -> Call:
    return ec2("DescribeTags", filterSet=filters({"resource-id": RTB_MAIN, "key": "Name"}))


BUCKET_READS: list[tuple[str, str, tuple[str, str] | None]] = [
    ("GetBucketPolicy", "policy", ("NoSuchBucketPolicy", "The bucket policy does not exist")),
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
BUCKET_SUBRESOURCES = [("GetBucketPublicAccessBlock", "publicAccessBlock"),
                       ("GetBucketOwnershipControls", "ownershipControls"),
                       ("GetBucketVersioning", "versioning"),
                       ("GetBucketEncryption", "encryption")]


def reads_bucket() -> list[Call]:
    return [s3(n, sub, err=e, out=340 if e else 180) for n, sub, e in BUCKET_READS]


def reads_bucket_subresources() -> list[Call]:
    return [s3(n, sub, out=220) for n, sub in BUCKET_SUBRESOURCES]


def reads_zone() -> list[Call]:
    return [c("route53", "GetHostedZone", {"id": ZONE}),
            c("route53", "ListTagsForResource", {"resourceType": "hostedzone", "resourceId": ZONE}),
            c("route53", "ListResourceRecordSets", {"hostedZoneId": ZONE})]


def reads_role() -> list[Call]:
    return [c("iam", n, {"roleName": FN_ROLE})
            for n in ("GetRole", "ListRolePolicies", "ListAttachedRolePolicies")]


def reads_attachment() -> Call:
    return c("iam", "ListAttachedRolePolicies", {"roleName": FN_ROLE})


def reads_log_group(throttled: bool = False) -> list[Call]:
    throttle = [c("logs", "DescribeLogGroups", None,
                  err=("ThrottlingException", "Rate exceeded"))] if throttled else []
    return [*throttle,
            c("logs", "DescribeLogGroups", {"logGroupNamePrefix": LOG_GROUP}, gap=1.4),
            c("logs", "ListTagsForResource", {"resourceArn": (
                f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{LOG_GROUP}")})]


def get_function(gap: float = 0.6) -> Call:
    return c("lambda", "GetFunction20150331v2", {"functionName": FN}, gap=gap)


def reads_function() -> list[Call]:
    return [get_function(),
            c("lambda", "GetFunctionCodeSigningConfig", {"functionName": FN}),
            c("lambda", "ListVersionsByFunction20150331", {"functionName": FN, "maxItems": 10000})]


def interleave(*groups: list[Call]) -> list[Call]:
    """Round-robin merge, like Terraform walking independent resources in parallel."""
    return [call for batch in zip_longest(*groups) for call in batch if call is not None]


def refresh() -> list[Call]:
    return interleave(
        reads_vpc(), [d_subnet(s) for s in SUBNETS] + [d_igw(), d_rtb(), d_rtb()],
        [d_rtb() for _ in ASSOCS] + [d_tags()], reads_bucket(), reads_bucket_subresources(),
        reads_zone(), reads_role() + [reads_attachment()], reads_log_group(True),
        reads_function())


# --- the phases of the deploy session ------------------------------------------------
def unauthorized() -> str:
    return ("You are not authorized to perform this operation. "
            f"Encoded authorization failure message: {encoded_failure()}")


def access_denied(action: str, resource: str) -> str:
    user = f"arn:aws:sts::{ACCOUNT}:assumed-role/github-actions-deploy/{SESSION}"
    return (f"User: {user} is not authorized to perform: {action} on resource: {resource} "
            + DENY_REASON.format(action=action))


def apply_phase() -> list[Call]:
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
        "Action": "sts:AssumeRole"}]}, separators=(",", ":"))
    created = "Nov 20, 2026, 10:01:31 AM"
    role = c("iam", "CreateRole", {"path": "/", "roleName": FN_ROLE, "maxSessionDuration": 3600,
                                   "assumeRolePolicyDocument": trust, "description": ""},
             resp={"role": {"path": "/", "roleName": FN_ROLE, "roleId": FN_ROLE_ID,
                            "arn": FN_ROLE_ARN, "createDate": created,
                            "assumeRolePolicyDocument": urllib.parse.quote(trust, safe="")}},
             gap=22)
    tag_role = c("iam", "TagRole", {"roleName": FN_ROLE, "tags": kv_tags()},
                 err=("AccessDenied", access_denied("iam:TagRole", FN_ROLE_ARN)), gap=0.4)
    vpc = ec2("CreateVpc", cidrBlock="10.42.0.0/16", instanceTenancy="default",
              amazonProvidedIpv6CidrBlock=False, tagSpecificationSet=tag_spec("vpc", "demo-vpc"),
              resp={"vpc": {"vpcId": VPC, "state": "pending", "ownerId": ACCOUNT,
                            "cidrBlock": "10.42.0.0/16", "dhcpOptionsId": DOPT,
                            "instanceTenancy": "default", "ipv6CidrBlockAssociationSet": {},
                            "tagSet": ec2_tags("demo-vpc"), "isDefault": False}}, gap=0.3)
    subnets = [ec2("CreateSubnet", vpcId=VPC, cidrBlock=cidr, availabilityZone=az,
                   tagSpecificationSet=tag_spec("subnet", f"demo-{az}"),
                   resp={"subnet": {"subnetId": sid, "state": "available", "vpcId": VPC,
                                    "cidrBlock": cidr, "availabilityZone": az,
                                    "subnetArn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:subnet/{sid}",
                                    "ownerId": ACCOUNT, "mapPublicIpOnLaunch": False,
                                    "tagSet": ec2_tags(f"demo-{az}")}}, gap=0.2)
               for sid, (cidr, az) in SUBNETS.items()]
    zone = c("route53", "CreateHostedZone", {
        "name": ZONE_NAME.rstrip("."), "callerReference": "terraform-20261120100136941200000001",
        "hostedZoneConfig": {"comment": "Managed by Terraform", "privateZone": True},
        "vPC": {"vPCRegion": REGION, "vPCId": VPC}},
        resp={"changeInfo": {"id": f"/change/{CHANGE_CREATE}", "status": "PENDING",
                             "submittedAt": "Nov 20, 2026, 10:01:36 AM"},
              "location": f"https://route53.amazonaws.com/2013-04-01/hostedzone/{ZONE}",
              "hostedZone": {"id": f"/hostedzone/{ZONE}", "name": ZONE_NAME,
                             "callerReference": "terraform-20261120100136941200000001",
                             "config": {"comment": "Managed by Terraform", "privateZone": True},
                             "resourceRecordSetCount": 2},
              "vPC": {"vPCRegion": REGION, "vPCId": VPC}})
    function = {"functionName": FN, "role": FN_ROLE_ARN, "runtime": "python3.12",
                "handler": "app.handler", "code": {}, "description": "", "timeout": 10,
                "memorySize": 128, "publish": False, "packageType": "Zip",
                "architectures": ["x86_64"], "tracingConfig": {"mode": "PassThrough"},
                "loggingConfig": {"logFormat": "Text", "logGroup": LOG_GROUP},
                "tags": dict(TAGS)}
    function_resp = {**{k: function[k] for k in ("functionName", "role", "runtime", "handler",
                                                 "timeout", "memorySize", "architectures")},
                     "functionArn": FN_ARN, "codeSize": 1342, "version": "$LATEST",
                     "codeSha256": "dGhpcy1pcy1kZW1vLWRhdGEtbm90LWEtcmVhbC1oYXNoLg==",
                     "lastModified": "2026-11-20T10:02:19.518+0000", "state": "Pending",
                     "stateReason": "The function is being created.",
                     "stateReasonCode": "Creating", "packageType": "Zip",
                     "revisionId": new_uuid()}
    assoc = [ec2("AssociateRouteTable", routeTableId=RTB, subnetId=sid, gap=0.2,
                 resp={"associationId": aid, "associationState": {"state": "associated"}})
             for sid, aid in ASSOCS.items()]
    return [
        *state("init", gap=8), *state("lock", gap=9), *state("read"),
        c("sts", "GetCallerIdentity", gap=2),
        role, tag_role, vpc,
        s3("CreateBucket", body={"x-amz-acl": "private"}, gap=0.2),
        c("logs", "CreateLogGroup", {"logGroupName": LOG_GROUP, "tags": dict(TAGS)}, gap=0.2),
        c("iam", "GetRole", {"roleName": FN_ROLE}), ec2("DescribeVpcs", vpcSet=items("vpcId", VPC),
                                                        filterSet={}, gap=0.2),
        c("logs", "PutRetentionPolicy", {"logGroupName": LOG_GROUP, "retentionInDays": 14}),
        s3("PutBucketTagging", "tagging", {"Tagging": {"xmlns": XMLNS, "TagSet": {
            "Tag": kv_tags("Key", "Value")}}}, into=260),
        ec2("ModifyVpcAttribute", vpcId=VPC, enableDnsHostnames={"value": True}, resp={"_return": True}),
        ec2("ModifyVpcAttribute", vpcId=VPC, enableDnsSupport={"value": True}, resp={"_return": True}),
        *reads_role(), *reads_log_group(throttled=True),
        c("iam", "AttachRolePolicy", {"roleName": FN_ROLE, "policyArn": LAMBDA_POLICY}),
        *interleave(reads_vpc(), reads_bucket()), reads_attachment(),
        ec2("DescribeAddressesAttribute", DescribeAddressesAttributeRequest={
            "Attribute": "domain-name", "MaxResults": 100},
            err=("Client.UnauthorizedOperation", unauthorized())),
        *subnets,
        ec2("CreateInternetGateway", tagSpecificationSet=tag_spec("internet-gateway", "demo-igw"),
            resp={"internetGateway": {"internetGatewayId": IGW, "ownerId": ACCOUNT,
                                      "attachmentSet": {}, "tagSet": ec2_tags("demo-igw")}}),
        ec2("CreateRouteTable", vpcId=VPC, tagSpecificationSet=tag_spec("route-table", "demo-public"),
            resp={"routeTable": {"routeTableId": RTB, "vpcId": VPC, "ownerId": ACCOUNT,
                                 "routeSet": {"items": [{"destinationCidrBlock": "10.42.0.0/16",
                                                         "gatewayId": "local", "state": "active",
                                                         "origin": "CreateRouteTable"}]},
                                 "associationSet": {}, "propagatingVgwSet": {},
                                 "tagSet": ec2_tags("demo-public")}}),
        ec2("CreateTags", resourcesSet=items("resourceId", RTB_MAIN),
            tagSet={"items": [{"key": "Name", "value": "demo-main"}]}, resp={"_return": True}),
        zone,
        s3_put("PutBucketPublicAccessBlock", "publicAccessBlock", "PublicAccessBlockConfiguration",
               {k: True for k in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy",
                                  "RestrictPublicBuckets")}),
        s3_put("PutBucketOwnershipControls", "ownershipControls", "OwnershipControls",
               {"Rule": {"ObjectOwnership": "BucketOwnerEnforced"}}),
        c("route53", "GetChange", {"id": CHANGE_CREATE}, gap=1.2),
        *[d_subnet(s, gap=0.3) for s in SUBNETS], d_igw(), d_rtb(), d_tags(),
        s3_put("PutBucketVersioning", "versioning", "VersioningConfiguration", {"Status": "Enabled"}),
        s3_put("PutBucketEncryption", "encryption", "ServerSideEncryptionConfiguration", {"Rule": {
            "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"},
            "BucketKeyEnabled": False}}),
        *[ec2("ModifySubnetAttribute", subnetId=s, mapPublicIpOnLaunch={"value": True},
              resp={"_return": True}) for s in SUBNETS],
        ec2("AttachInternetGateway", internetGatewayId=IGW, vpcId=VPC, resp={"_return": True}),
        *reads_bucket_subresources(), *reads_bucket_subresources(),
        c("lambda", "CreateFunction20150331", function, gap=1.5, err=(
            "InvalidParameterValueException",
            "The role defined for the function cannot be assumed by Lambda.")),
        *[d_subnet(s) for s in SUBNETS], d_igw(), d_igw(gap=0.4),
        ec2("CreateRoute", routeTableId=RTB, destinationCidrBlock="0.0.0.0/0", gatewayId=IGW,
            resp={"_return": True}),
        d_rtb(err=("Client.RequestLimitExceeded", "Request limit exceeded.")), d_rtb(gap=2.1),
        *assoc, *[d_rtb(gap=0.3) for _ in range(4)], d_rtb(),
        *state("write", gap=4),
        c("lambda", "CreateFunction20150331", function, resp=function_resp, gap=5.5),
        get_function(gap=1), get_function(gap=5), c("route53", "GetChange", {"id": CHANGE_CREATE}, gap=9),
        c("route53", "ChangeTagsForResource", {"resourceType": "hostedzone", "resourceId": ZONE,
                                               "addTags": kv_tags()}),
        *interleave(reads_zone(), reads_function()),
        get_function(gap=6), *state("write", gap=3), *state("unlock"),
    ]


def idempotency_plan() -> list[Call]:
    return [*state("init", gap=6), *state("lock", gap=8), *state("read"), *refresh(),
            *state("unlock", gap=2)]


def destroy_phase() -> list[Call]:
    deletes = interleave(
        [c("lambda", "DeleteFunction20150331", {"functionName": FN}),
         c("logs", "DeleteLogGroup", {"logGroupName": LOG_GROUP}, gap=1.1),
         c("iam", "DetachRolePolicy", {"roleName": FN_ROLE, "policyArn": LAMBDA_POLICY}),
         c("iam", "ListInstanceProfilesForRole", {"roleName": FN_ROLE}, gap=0.9),
         *reads_role()[1:], c("iam", "DeleteRole", {"roleName": FN_ROLE})],
        [s3("DeleteBucketPublicAccessBlock", "publicAccessBlock"),
         s3("DeleteBucketOwnershipControls", "ownershipControls"),
         s3_put("PutBucketVersioning", "versioning", "VersioningConfiguration",
                {"Status": "Suspended"}),
         s3("DeleteBucketEncryption", "encryption"), s3("DeleteBucket", gap=1.2)],
        [c("route53", "DeleteHostedZone", {"id": ZONE}, resp={"changeInfo": {
            "id": f"/change/{CHANGE_DELETE}", "status": "PENDING",
            "submittedAt": "Nov 20, 2026, 10:31:12 AM"}}),
         c("route53", "GetChange", {"id": CHANGE_DELETE}, gap=4)],
        [ec2("DeleteTags", resourcesSet=items("resourceId", RTB_MAIN),
             tagSet={"items": [{"key": "Name"}]}, resp={"_return": True}),
         *[ec2("DisassociateRouteTable", associationId=a, gap=0.2, resp={
             "_return": True, "associationState": {"state": "disassociating"}})
           for a in ASSOCS.values()],
         ec2("DeleteRoute", routeTableId=RTB, destinationCidrBlock="0.0.0.0/0",
             resp={"_return": True}),
         d_rtb(), d_rtb()])
    return [
        *state("init", gap=5), *state("lock", gap=7), *state("read"), *refresh(), *deletes,
        ec2("DetachInternetGateway", internetGatewayId=IGW, vpcId=VPC, resp={"_return": True},
            gap=1.5),
        ec2("DeleteRouteTable", routeTableId=RTB, resp={"_return": True}),
        d_rtb(err=("Client.InvalidRouteTableID.NotFound", f"The routeTable ID '{RTB}' does not exist")),
        d_igw(gap=4), d_igw(gap=9),
        ec2("DeleteInternetGateway", internetGatewayId=IGW, resp={"_return": True}),
        *[ec2("DeleteSubnet", subnetId=s, gap=0.4, resp={"_return": True}) for s in SUBNETS],
        c("route53", "GetChange", {"id": CHANGE_DELETE}, gap=20),
        ec2("DeleteVpc", vpcId=VPC, resp={"_return": True}, gap=1.3),
        *state("write", gap=2), *state("unlock"),
    ]


# --- actors and the timeline --------------------------------------------------------
@dataclass
class Actor:
    identity: JSON
    ip: str
    agents: dict[str, str] = field(default_factory=dict)
    console: bool = False


def assumed_role(role_arn: str, role_id: str, key: str, created: str, web_id: bool = True) -> JSON:
    name = role_arn.rsplit("/", 1)[1]
    ctx: JSON = {"sessionIssuer": {"type": "Role", "principalId": role_id, "arn": role_arn,
                                   "accountId": ACCOUNT, "userName": name}}
    if web_id:
        ctx["webIdFederationData"] = {"federatedProvider": OIDC_PROVIDER, "attributes": {}}
    ctx["attributes"] = {"creationDate": created, "mfaAuthenticated": "false"}
    return {"type": "AssumedRole", "principalId": f"{role_id}:{SESSION}",
            "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{name}/{SESSION}",
            "accountId": ACCOUNT, "accessKeyId": key, "sessionContext": ctx}


def assume_call(role_arn: str, role_id: str, subject: str, key: str, expires: str) -> Call:
    """The AssumeRoleWithWebIdentity call of GitHub's configure-aws-credentials action."""
    name = role_arn.rsplit("/", 1)[1]
    who = {"type": "WebIdentityUser",
           "principalId": f"{OIDC_PROVIDER}:sts.amazonaws.com:{subject}",
           "userName": subject, "identityProvider": OIDC_PROVIDER}
    return c("sts", "AssumeRoleWithWebIdentity",
             {"roleArn": role_arn, "roleSessionName": SESSION, "durationSeconds": 3600},
             resp={"credentials": {"accessKeyId": key, "sessionToken": "", "expiration": expires},
                   "subjectFromWebIdentityToken": subject,
                   "assumedRoleUser": {"assumedRoleId": f"{role_id}:{SESSION}",
                                       "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{name}/{SESSION}"},
                   "provider": OIDC_PROVIDER, "audience": "sts.amazonaws.com"},
             extra={"identityProviderConnectionVerificationMethod": "IAMTrustStore",
                    "RequestDetails": {"awsServingRegion": REGION, "endpointType": "regional"}},
             ro=True, identity=who, ua="action", gap=0,
             res=[{"accountId": ACCOUNT, "type": "AWS::IAM::Role", "ARN": role_arn}])


CI_AGENTS = {"tf": TF_PROVIDER, "backend": TF_BACKEND, "action": GHA_ACTION}
DEPLOY_KEY, READONLY_KEY = "ASIAEXAMPLEDEPLOY001", "ASIAEXAMPLEREADONLY1"
DEPLOY = Actor(assumed_role(DEPLOY_ROLE, DEPLOY_ROLE_ID, DEPLOY_KEY, "2026-11-20T10:00:41Z"),
               RUNNER_IP, CI_AGENTS)
DEPLOY_YESTERDAY = Actor(assumed_role(DEPLOY_ROLE, DEPLOY_ROLE_ID, "ASIAEXAMPLEDEPLOY000",
                                      "2026-11-19T07:59:52Z"), "20.42.87.133",
                         {"tf": GO_SDK.replace("api/{api}", "exec-env/github-actions")})
READONLY = Actor(assumed_role(READONLY_ROLE, READONLY_ROLE_ID, READONLY_KEY, "2026-11-20T10:14:03Z"),
                 RUNNER_IP_PR, {"tf": TF_PROVIDER, "action": GHA_ACTION})
ALICE_USER = {"type": "IAMUser", "principalId": "AIDAEXAMPLEALICEUSER1", "arn": ALICE,
              "accountId": ACCOUNT, "userName": "alice"}
ALICE_CONSOLE = Actor({**ALICE_USER, "accessKeyId": "ASIAEXAMPLEALICE0001", "sessionContext": {
    "sessionIssuer": {}, "webIdFederationData": {},
    "attributes": {"creationDate": "2026-11-20T10:07:12Z", "mfaAuthenticated": "true"}}},
    ALICE_IP, {"tf": "AWS Internal"}, console=True)
AWS = Actor({"accountId": ACCOUNT}, "")

TIMELINE: list[tuple[str, Actor, list[Call]]] = [
    ("2026-11-19T07:59:58Z", DEPLOY_YESTERDAY, [
        c("secretsmanager", "GetSecretValue", {"secretId": "ci/demo-infra/slack-webhook"}, gap=9),
        c("ssm", "GetParameter", {"name": "/ci/demo-infra/terraform-version"}, gap=2, res=[{
            "ARN": f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/ci/demo-infra/terraform-version",
            "accountId": ACCOUNT}])]),
    ("2026-11-20T10:00:41Z", DEPLOY, [
        assume_call(DEPLOY_ROLE, DEPLOY_ROLE_ID, "repo:acme/infra:ref:refs/heads/main",
                    DEPLOY_KEY, "Nov 20, 2026, 11:00:41 AM"), *apply_phase()]),
    ("2026-11-20T10:07:02Z", DEPLOY, idempotency_plan()),
    ("2026-11-20T10:07:12Z", ALICE_CONSOLE, [
        c("signin", "ConsoleLogin", None, resp={"ConsoleLogin": "Success"}, ro=False, gap=0,
          ua=BROWSER, identity=ALICE_USER, kind="AwsConsoleSignIn",
          extra={"LoginTo": "https://console.aws.amazon.com/console/home?region=us-east-1",
                 "MobileVersion": "No", "MFAIdentifier": f"arn:aws:iam::{ACCOUNT}:mfa/alice",
                 "MFAUsed": "Yes"}),
        ec2("DescribeInstances", gap=28, maxResults=1000, instancesSet={}, filterSet={}),
        Call("s3", "ListBuckets", {"Host": "s3.amazonaws.com"}, gap=25, ua=S3_CONSOLE, extra={
            "SignatureVersion": "SigV4", "CipherSuite": "TLS_AES_128_GCM_SHA256",
            "bytesTransferredIn": 0, "AuthenticationMethod": "AuthHeader",
            "x-amz-id-2": amz_id_2(), "bytesTransferredOut": 1204}),
        ec2("TerminateInstances", gap=85, instancesSet=items("instanceId", "i-0e7b2c9f4a1d63b58"),
            resp={"instancesSet": {"items": [{"instanceId": "i-0e7b2c9f4a1d63b58",
                                              "currentState": {"code": 32, "name": "shutting-down"},
                                              "previousState": {"code": 16, "name": "running"}}]}}),
        ec2("DescribeInstances", gap=1, maxResults=1000, instancesSet={}, filterSet={})]),
    ("2026-11-20T10:14:03Z", READONLY, [
        assume_call(READONLY_ROLE, READONLY_ROLE_ID, "repo:acme/infra:pull_request", READONLY_KEY,
                    "Nov 20, 2026, 11:14:03 AM"),
        s3("GetBucketPolicy", "policy", gap=11, out=340, err=(
            "NoSuchBucketPolicy", "The bucket policy does not exist")),
        ec2("DescribeInstances", gap=2, instancesSet={}, filterSet=filters(
            {"instance-state-name": "running"}))]),
    ("2026-11-20T10:19:44Z", AWS, [
        c("kms", "RotateKey", None, gap=0, kind="AwsServiceEvent", ro=False, via="kms.amazonaws.com",
          details={"keyId": KMS_KEY.rsplit("/", 1)[1]},
          res=[{"accountId": ACCOUNT, "type": "AWS::KMS::Key", "ARN": KMS_KEY}]),
        *[s3("GetBucketAcl", "acl", bucket=TRAIL_BUCKET, gap=g, out=552)
          for g in (9 * 60 + 18, 5 * 60 + 1)]]),
    ("2026-11-20T10:30:58Z", DEPLOY, destroy_phase()),
]


def build_record(call: Call, actor: Actor, when: datetime) -> JSON:
    """Lay out one record with CloudTrail's field order."""
    src, service_call = call.src, bool(call.via)
    if call.kind == "AwsServiceEvent":
        identity: JSON = {"accountId": ACCOUNT, "invokedBy": call.via}
    elif call.src == "s3" and actor is AWS:
        identity = {"type": "AWSService", "invokedBy": "cloudtrail.amazonaws.com"}
        service_call = True
    else:
        identity = dict(call.identity or actor.identity)
        if call.via:
            identity["invokedBy"] = call.via
    service_host = call.via or identity.get("invokedBy", "")
    ua = call.ua if call.ua not in actor.agents else actor.agents[call.ua]
    ua = ua.format(api=SDK_API.get(src, src))
    if src == "s3" and not ua.startswith("[") and not service_call:
        ua = f"[{ua}]"
    readonly = call.ro if call.ro is not None else call.name.startswith(
        ("Describe", "Get", "List", "Head"))
    request_id = (rand(16) if src == "s3" else new_uuid())
    rec: JSON = {"eventVersion": EVENT_VERSION.get(src, "1.09"), "userIdentity": identity,
                 "eventTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                 "eventSource": f"{src}.amazonaws.com", "eventName": call.name, "awsRegion": REGION,
                 "sourceIPAddress": service_host if service_call else actor.ip,
                 "userAgent": service_host if service_call else ua}
    if call.err:
        rec["errorCode"], rec["errorMessage"] = call.err
    throttled = call.err is not None and "exceeded" in call.err[1].lower()
    rec["requestParameters"] = None if throttled else call.params
    resp = None if call.err or readonly and src != "sts" else call.resp
    if src == "ec2" and not readonly and not call.err and resp is not None:
        resp = {"requestId": request_id, **resp}
    rec["responseElements"] = resp
    if call.extra:
        rec["additionalEventData"] = call.extra
    if call.kind != "AwsServiceEvent" and src != "signin":
        rec["requestID"] = request_id
    rec["eventID"] = new_uuid()
    rec["readOnly"] = readonly
    if call.res:
        rec["resources"] = call.res
    rec["eventType"] = call.kind
    if src in API_VERSION:
        rec["apiVersion"] = API_VERSION[src]
    rec["managementEvent"] = not call.data
    rec["recipientAccountId"] = ACCOUNT
    if call.details:
        rec["serviceEventDetails"] = call.details
    rec["eventCategory"] = "Data" if call.data else "Management"
    if not service_call and not (actor.console and ua == "AWS Internal"):
        host = HOSTS.get(src) or (call.params or {}).get("Host") or f"{src}.{REGION}.amazonaws.com"
        rec["tlsDetails"] = {"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256",
                             "clientProvidedHostHeader": host}
    if actor.console and src != "signin":
        rec["sessionCredentialFromConsole"] = "true"
    return rec


def build_records() -> list[JSON]:
    records = []
    for start, actor, calls in TIMELINE:
        t = datetime.strptime(start, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
        for call in calls:
            t += timedelta(seconds=call.gap)
            records.append(build_record(call, actor, t.replace(microsecond=0)))
    return records


# --- delivery into CloudTrail log files --------------------------------------------
def delivery_files(records: list[JSON]) -> dict[Path, list[JSON]]:
    """Group records the way CloudTrail delivers them.

    A file named ``..._YYYYMMDDTHHMMZ_<16 alnum>.json.gz`` holds events of the five
    minutes before that time; a few events near a window's end arrive in the next
    window's file, busy windows are split over two files (different delivery hosts),
    and records inside a file are only roughly time-ordered.
    """
    windows: dict[tuple[datetime, int], list[JSON]] = defaultdict(list)
    for rec in records:
        when = datetime.strptime(rec["eventTime"], "%Y-%m-%dT%H:%M:%SZ")
        start = when.replace(minute=when.minute - when.minute % 5, second=0)
        late = (when - start).seconds >= 270 and int(rec["eventID"][:2], 16) % 3 == 0
        end = start + timedelta(minutes=10 if late else 5)
        windows[(end, 0)].append(rec)
    for (end, _), recs in list(windows.items()):
        if len(recs) > 70:
            windows[(end, 1)] = [r for r in recs if r["eventSource"] in ("ec2.amazonaws.com",
                                                                          "kms.amazonaws.com")]
            windows[(end, 0)] = [r for r in recs if r not in windows[(end, 1)]]
    files: dict[Path, list[JSON]] = {}
    for end, _ in sorted(windows):
        recs = windows[(end, _)]
        recs.sort(key=lambda r: (r["eventTime"][:18], int(r["eventID"][-2:], 16) % 4))
        name = f"{ACCOUNT}_CloudTrail_{REGION}_{end:%Y%m%dT%H%MZ}_{rand(16, string.ascii_letters + string.digits)}.json.gz"
        files[LOG_DIR / f"{end:%Y/%m/%d}" / name] = recs
    return files


STARTING_POLICY: JSON = {"Version": "2012-10-17", "Statement": [
    {"Sid": "S3StateManagement", "Effect": "Allow",
     "Action": ["s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
     "Resource": [f"arn:aws:s3:::{STATE_BUCKET}", f"arn:aws:s3:::{STATE_BUCKET}/demo-infra/*"]},
    {"Sid": "TemporaryCaptureAll", "Effect": "Allow", "Action": "*", "Resource": "*"}]}


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
    print(f"{len(records):4d}  events total; wrote {policy.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
