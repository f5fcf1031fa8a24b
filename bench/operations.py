"""What the synthetic corpus's callers do: one builder per API operation, making the
operation's part of a record (request, response, resources, likely errors), and the mixes of
operations each kind of caller draws from.

Shapes follow real CloudTrail records: reads log ``responseElements: null``; writes such as
RunInstances, CreateRole, CreateFunction or an AWS service's AssumeRole log large
responses; S3 calls name their bucket and object in ``resources``.
"""

from __future__ import annotations

import base64
import json
import random
import string
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

ACCOUNT = "111122223333"
UPPER = string.ascii_uppercase + string.digits
TRUST = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":'
    '"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
)
# RunInstances' response item, as CloudTrail logs it (ids and addresses filled in per event).
INSTANCE = """{"instanceId":"@i","imageId":"@ami","currentInstanceBootMode":"uefi",
"instanceState":{"code":0,"name":"pending"},"privateDnsName":"ip-@dash.@region.compute.internal",
"amiLaunchIndex":0,"productCodes":{},"instanceType":"t3.large","launchTime":1763625600000,
"placement":{"availabilityZone":"@regiona","tenancy":"default"},"monitoring":{"state":"disabled"},
"subnetId":"@subnet","vpcId":"@vpc","privateIpAddress":"@ip","stateReason":{"code":"pending",
"message":"pending"},"architecture":"x86_64","rootDeviceType":"ebs","rootDeviceName":"/dev/xvda",
"blockDeviceMapping":{},"virtualizationType":"hvm","clientToken":"@token","tagSet":{"items":[
{"key":"Name","value":"web"},{"key":"ManagedBy","value":"terraform"}]},"groupSet":{"items":[
{"groupId":"@sg","groupName":"web"}]},"sourceDestCheck":true,"hypervisor":"xen",
"networkInterfaceSet":{"items":[{"networkInterfaceId":"@eni","subnetId":"@subnet","vpcId":"@vpc",
"ownerId":"111122223333","status":"in-use","macAddress":"@mac","privateIpAddress":"@ip",
"sourceDestCheck":true,"interfaceType":"interface","groupSet":{"items":[{"groupId":"@sg",
"groupName":"web"}]},"attachment":{"attachmentId":"@attach","deviceIndex":0,"networkCardIndex":0,
"status":"attaching","attachTime":1763625600000,"deleteOnTermination":true},
"privateIpAddressesSet":{"item":[{"privateIpAddress":"@ip","primary":true}]},"ipv6AddressesSet":{},
"tagSet":{}}]},"ebsOptimized":false,"enaSupport":true,"cpuOptions":{"coreCount":1,
"threadsPerCore":2},"capacityReservationSpecification":{"capacityReservationPreference":"open"},
"enclaveOptions":{"enabled":false},"metadataOptions":{"state":"pending","httpTokens":"required",
"httpPutResponseHopLimit":2,"httpEndpoint":"enabled"},"privateDnsNameOptions":{"hostnameType":
"ip-name","enableResourceNameDnsARecord":false},"maintenanceOptions":{"autoRecovery":"default"}}"""


def uid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def token(rng: random.Random, n: int, alphabet: str = UPPER) -> str:
    return "".join(rng.choices(alphabet, k=n))


def hexid(rng: random.Random, prefix: str, n: int = 17) -> str:
    return f"{prefix}-{rng.getrandbits(4 * n):0{n}x}"


def b64(rng: random.Random, n: int) -> str:
    return base64.b64encode(rng.randbytes(n)).decode()


@dataclass(frozen=True)
class Pools:
    """The account's resources, drawn once per seed: bounded, as a real account's are."""

    vpcs: tuple[str, ...]
    subnets: tuple[str, ...]
    groups: tuple[str, ...]
    instances: tuple[str, ...]
    amis: tuple[str, ...]
    buckets: tuple[str, ...]
    keys: tuple[str, ...]
    functions: tuple[str, ...]
    roles: tuple[str, ...]
    zones: tuple[str, ...]
    runner_ips: tuple[str, ...]

    @classmethod
    def draw(cls, seed: int) -> Pools:
        rng = random.Random(f"{seed}:pools")
        apps = ("orders", "billing", "search", "auth", "media", "reports", "ingest", "web")
        ips = (f"{rng.choice((20, 40, 52, 172))}.{rng.randrange(256)}.{rng.randrange(256)}."
               f"{rng.randrange(1, 255)}" for _ in range(40))  # fmt: skip
        return cls(
            vpcs=tuple(hexid(rng, "vpc") for _ in range(4)),
            subnets=tuple(hexid(rng, "subnet") for _ in range(16)),
            groups=tuple(hexid(rng, "sg") for _ in range(24)),
            instances=tuple(hexid(rng, "i") for _ in range(120)),
            amis=tuple(hexid(rng, "ami") for _ in range(6)),
            buckets=(f"acme-tfstate-{ACCOUNT}", *(f"acme-{a}-assets-{ACCOUNT}" for a in apps)),
            keys=tuple(uid(rng) for _ in range(5)),
            functions=tuple(f"{a}-{f}" for a in apps for f in ("api", "worker")),
            roles=tuple(f"{a}-{f}-role" for a in apps for f in ("task", "lambda")),
            zones=tuple("Z0" + token(rng, 19) for _ in range(3)),
            runner_ips=tuple(ips),
        )


@dataclass
class Ctx:
    """What a builder needs: the file's RNG, the pools and the file's region."""

    rng: random.Random
    pools: Pools
    region: str

    def pick(self, items: tuple[str, ...]) -> str:
        return self.rng.choice(items)

    def arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.region}:{ACCOUNT}:{resource}"


@dataclass(frozen=True)
class Body:
    """The operation's part of one record."""

    request: Any
    response: Any = None
    resources: tuple[tuple[str, str], ...] = ()  # (type, ARN)
    read_only: bool = True
    data: bool = False  # an S3 object call: a data event
    errors: tuple[tuple[str, str, float], ...] = ()  # (code, message, probability)


Builder = Callable[[Ctx], Body]
Op = tuple[str, str, Builder, float]  # (event source prefix, event name, builder, weight)


def ec2_describe(key: str, pool: str) -> Builder:
    def build(c: Ctx) -> Body:
        if c.rng.random() < 0.5:
            items = [{key: c.pick(getattr(c.pools, pool))} for _ in range(c.rng.randint(1, 4))]
            return Body({f"{key}Set": {"items": items}, "filterSet": {}})
        values = [{"value": c.pick(c.pools.vpcs)} for _ in range(c.rng.randint(1, 3))]
        return Body({"filterSet": {"items": [{"name": "vpc-id", "valueSet": {"items": values}}]}})

    return build


def ec2_plain(c: Ctx) -> Body:
    return Body({"filterSet": {}} if c.rng.random() < 0.5 else {"attributeNameSet": {"items": []}})


def vpc_attribute(c: Ctx) -> Body:
    attribute = c.rng.choice(("enableDnsSupport", "enableDnsHostnames"))
    return Body({"vpcId": c.pick(c.pools.vpcs), "attribute": attribute})


def create_tags(c: Ctx) -> Body:
    tags = [{"key": "ManagedBy", "value": "terraform"}, {"key": "Env", "value": "prod"}]
    target = c.pick(c.pools.instances + c.pools.groups + c.pools.subnets)
    request = {"resourcesSet": {"items": [{"resourceId": target}]}, "tagSet": {"items": tags}}
    return Body(request, {"requestId": uid(c.rng), "_return": True}, read_only=False)


def run_instances(c: Ctx) -> Body:
    rng, p = c.rng, c.pools
    ip = f"10.42.{rng.randrange(256)}.{rng.randrange(1, 255)}"
    fill = {
        "@i": c.pick(p.instances), "@ami": c.pick(p.amis), "@dash": ip.replace(".", "-"),
        "@region": c.region, "@subnet": c.pick(p.subnets), "@vpc": c.pick(p.vpcs), "@ip": ip,
        "@token": uid(rng), "@sg": c.pick(p.groups), "@eni": hexid(rng, "eni"),
        "@mac": ":".join(f"{rng.randrange(256):02x}" for _ in range(6)),
        "@attach": hexid(rng, "eni-attach"),
    }  # fmt: skip
    text = INSTANCE.replace("\n", "")
    for key in sorted(fill, key=len, reverse=True):
        text = text.replace(key, fill[key])
    item = json.loads(text)
    tags = item["tagSet"]["items"]
    request = {
        "instancesSet": {"items": [{"imageId": item["imageId"], "minCount": 1, "maxCount": 1}]},
        "instanceType": "t3.large", "blockDeviceMapping": {}, "monitoring": {"enabled": False},
        "subnetId": item["subnetId"], "disableApiTermination": False, "disableApiStop": False,
        "clientToken": item["clientToken"],
        "tagSpecificationSet": {"items": [{"resourceType": "instance", "tags": tags}]},
        "metadataOptions": {"httpTokens": "required", "httpPutResponseHopLimit": 2},
    }  # fmt: skip
    response = {"requestId": uid(rng), "reservationId": hexid(rng, "r"), "ownerId": ACCOUNT,
                "groupSet": {}, "instancesSet": {"items": [item]}, "requesterId": ""}  # fmt: skip
    arn = c.arn("ec2", f"instance/{item['instanceId']}")
    return Body(request, response, (("AWS::EC2::Instance", arn),), read_only=False)


def terminate(c: Ctx) -> Body:
    instance = c.pick(c.pools.instances)
    state = {"instanceId": instance, "currentState": {"code": 32, "name": "shutting-down"},
             "previousState": {"code": 16, "name": "running"}}  # fmt: skip
    request = {"instancesSet": {"items": [{"instanceId": instance}]}}
    return Body(
        request, {"requestId": uid(c.rng), "instancesSet": {"items": [state]}}, read_only=False
    )


def authorize_ingress(c: Ctx) -> Body:
    group = c.pick(c.pools.groups)
    ranges = {"items": [{"cidrIp": "10.0.0.0/8"}]}
    perm = {"ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "groups": {}, "ipRanges": ranges,
            "ipv6Ranges": {}, "prefixListIds": {}}  # fmt: skip
    rule = {"groupOwnerId": ACCOUNT, "groupId": group, "securityGroupRuleId": hexid(c.rng, "sgr"),
            "isEgress": False, "ipProtocol": "tcp", "fromPort": 443, "toPort": 443,
            "cidrIpv4": "10.0.0.0/8"}  # fmt: skip
    response = {"requestId": uid(c.rng), "_return": True, "securityGroupRuleSet": {"items": [rule]}}
    return Body({"groupId": group, "ipPermissions": {"items": [perm]}}, response, read_only=False)


def s3(
    sub: str, *, key: bool = False, write: bool = False, error: str = "", chance: float = 0
) -> Builder:
    errors = ((error, f"The {sub} configuration does not exist", chance),) if error else ()

    def build(c: Ctx) -> Body:
        bucket = c.pick(c.pools.buckets)
        request: dict[str, Any] = {
            "bucketName": bucket,
            "Host": f"{bucket}.s3.{c.region}.amazonaws.com",
        }
        resources = [("AWS::S3::Bucket", f"arn:aws:s3:::{bucket}")]
        if key:
            prefix = c.rng.choice(("env:/prod", "demo-infra", "releases", "uploads"))
            name = f"{prefix}/{token(c.rng, 12).lower()}/terraform.tfstate"
            request["key"] = name
            resources.insert(0, ("AWS::S3::Object", f"arn:aws:s3:::{bucket}/{name}"))
        else:
            request[sub] = ""
        response = {"x-amz-server-side-encryption": "aws:kms"} if write else None
        if write:
            request["x-amz-server-side-encryption"] = "aws:kms"
        return Body(request, response, tuple(resources), not write, key, errors)

    return build


def iam_role(kind: str = "") -> Builder:
    def build(c: Ctx) -> Body:
        role = c.pick(c.pools.roles)
        if kind == "attach":
            policy = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
            return Body({"roleName": role, "policyArn": policy}, read_only=False)
        if kind == "create":
            tags = [{"key": "ManagedBy", "value": "terraform"}]
            created = {"path": "/", "roleName": role, "roleId": "AROA" + token(c.rng, 17),
                       "arn": f"arn:aws:iam::{ACCOUNT}:role/{role}", "createDate": "Nov 20, 2026, 10:07:12 AM",
                       "assumeRolePolicyDocument": TRUST.replace('"', "%22"), "tags": tags}  # fmt: skip
            request = {
                "path": "/",
                "roleName": role,
                "assumeRolePolicyDocument": TRUST,
                "tags": tags,
            }
            return Body(request, {"role": created}, read_only=False)
        missing = f"The role with name {role} cannot be found."
        return Body({"roleName": role}, errors=(("NoSuchEntity", missing, 0.05),))

    return build


def kms(event: str) -> Builder:
    def build(c: Ctx) -> Body:
        key = c.arn("kms", f"key/{c.pick(c.pools.keys)}")
        request: dict[str, Any] = {"keyId": key}
        if event != "DescribeKey":
            state = f"arn:aws:s3:::{c.pick(c.pools.buckets)}/demo-infra/terraform.tfstate"
            request["encryptionContext"] = {"aws:s3:arn": state}
            request["keySpec" if event == "GenerateDataKey" else "encryptionAlgorithm"] = (
                "AES_256" if event == "GenerateDataKey" else "SYMMETRIC_DEFAULT"
            )
        return Body(request, None, (("AWS::KMS::Key", key),))

    return build


def lambda_fn(write: str = "") -> Builder:
    def build(c: Ctx) -> Body:
        fn = c.pick(c.pools.functions)
        arn = c.arn("lambda", f"function:{fn}")
        if not write:
            return Body(
                {"functionName": fn},
                errors=(("ResourceNotFoundException", f"Function not found: {arn}", 0.03),),
            )
        role = f"arn:aws:iam::{ACCOUNT}:role/{fn}-role"
        config = {"functionName": fn, "functionArn": arn, "runtime": "python3.12", "role": role,
                  "handler": "app.handler", "codeSize": c.rng.randrange(10**3, 10**7), "description": "",
                  "timeout": 30, "memorySize": 256, "lastModified": "2026-11-20T10:12:41.000+0000",
                  "codeSha256": b64(c.rng, 32), "version": "$LATEST", "tracingConfig": {"mode": "PassThrough"},
                  "revisionId": uid(c.rng), "state": "Pending", "stateReason": "The function is being created.",
                  "stateReasonCode": "Creating", "packageType": "Zip", "architectures": ["x86_64"],
                  "ephemeralStorage": {"size": 512}, "snapStart": {"applyOn": "None", "optimizationStatus": "Off"},
                  "loggingConfig": {"logFormat": "Text", "logGroup": f"/aws/lambda/{fn}"}}  # fmt: skip
        if write == "update":
            return Body(
                {"functionName": fn, "publish": False, "dryRun": False}, config, read_only=False
            )
        request = {"functionName": fn, "runtime": "python3.12", "role": role, "handler": "app.handler",
                   "code": {}, "timeout": 30, "memorySize": 256, "publish": False, "packageType": "Zip"}  # fmt: skip
        return Body(request, config, read_only=False)

    return build


def log_groups(write: bool = False) -> Builder:
    def build(c: Ctx) -> Body:
        group = f"/aws/lambda/{c.pick(c.pools.functions)}"
        if write:
            return Body({"logGroupName": group, "retentionInDays": 14}, read_only=False)
        return Body({"logGroupNamePrefix": group.rsplit("-", 1)[0]})

    return build


def route53(kind: str = "") -> Builder:
    def build(c: Ctx) -> Body:
        zone = c.pick(c.pools.zones)
        res = (("AWS::Route53::HostedZone", f"arn:aws:route53:::hostedzone/{zone}"),)
        if kind == "change":
            record = {"name": f"api-{c.rng.randrange(50)}.demo.internal", "type": "A", "tTL": 300,
                      "resourceRecords": [{"value": f"10.42.1.{c.rng.randrange(1, 255)}"}]}  # fmt: skip
            batch = {"changes": [{"action": "UPSERT", "resourceRecordSet": record}]}
            info = {"id": "/change/C0" + token(c.rng, 19), "status": "PENDING",
                    "submittedAt": "Nov 20, 2026, 10:14:03 AM"}  # fmt: skip
            return Body(
                {"hostedZoneId": zone, "changeBatch": batch}, {"changeInfo": info}, res, False
            )
        if kind == "status":
            return Body({"id": "C0" + token(c.rng, 19)})
        if kind == "tags":
            return Body({"resourceType": "hostedzone", "resourceId": zone}, None, res)
        return Body({"hostedZoneId": zone}, None, res)

    return build


def fixed(request: dict[str, Any] | None) -> Builder:
    """A read whose request is always the same."""
    return lambda _: Body(request)


def secret(c: Ctx) -> Body:
    arn = c.arn("secretsmanager", f"secret:prod/{c.pick(c.pools.functions)}/db-{token(c.rng, 6)}")
    return Body({"secretId": arn}, None, (("AWS::SecretsManager::Secret", arn),))


def parameter(c: Ctx) -> Body:
    return Body({"name": f"/prod/{c.pick(c.pools.functions)}/config", "withDecryption": True})


def assume_role(c: Ctx) -> Body:
    """An AWS service assuming a role: the response carries the session's credentials."""
    role = c.pick(c.pools.roles)
    arn = f"arn:aws:iam::{ACCOUNT}:role/{role}"
    session = f"{c.rng.choice(('ecs', 'lambda', 'botocore-session'))}-{c.rng.getrandbits(64)}"
    creds = {"accessKeyId": "ASIA" + token(c.rng, 16), "sessionToken": b64(c.rng, c.rng.randrange(600, 900)),
             "expiration": "Nov 20, 2026, 11:07:12 AM"}  # fmt: skip
    user = {"assumedRoleId": f"AROA{token(c.rng, 17)}:{session}",
            "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{session}"}  # fmt: skip
    request = {"roleArn": arn, "roleSessionName": session, "durationSeconds": 3600}
    return Body(
        request, {"credentials": creds, "assumedRoleUser": user}, (("AWS::IAM::Role", arn),)
    )


LOCKS = fixed({"tableName": "terraform-locks"})
NAMES_PRINCIPAL = fixed({"roleName": "github-actions-deploy"})  # another caller reading the role

# fmt: off
# The CI deploy role: terraform plan/apply/destroy of a web stack; refreshes make reads dominate.
DEPLOY_OPS: tuple[Op, ...] = (
    ("ec2", "DescribeVpcs", ec2_describe("vpcId", "vpcs"), 6),
    ("ec2", "DescribeSubnets", ec2_describe("subnetId", "subnets"), 6),
    ("ec2", "DescribeSecurityGroups", ec2_describe("groupId", "groups"), 5),
    ("ec2", "DescribeRouteTables", ec2_describe("routeTableId", "vpcs"), 5),
    ("ec2", "DescribeInstances", ec2_describe("instanceId", "instances"), 4),
    ("ec2", "DescribeImages", ec2_describe("imageId", "amis"), 2),
    ("ec2", "DescribeAvailabilityZones", ec2_plain, 3),
    ("ec2", "DescribeAccountAttributes", ec2_plain, 2),
    ("ec2", "DescribeVpcAttribute", vpc_attribute, 4),
    ("ec2", "DescribeNetworkInterfaces", ec2_describe("networkInterfaceId", "subnets"), 2),
    ("ec2", "DescribeInternetGateways", ec2_describe("internetGatewayId", "vpcs"), 2),
    ("ec2", "DescribeLaunchTemplates", ec2_plain, 1),
    ("ec2", "CreateTags", create_tags, 2),
    ("ec2", "RunInstances", run_instances, 0.6),
    ("ec2", "TerminateInstances", terminate, 0.3),
    ("ec2", "AuthorizeSecurityGroupIngress", authorize_ingress, 0.5),
    ("s3", "GetObject", s3("object", key=True), 4),
    ("s3", "PutObject", s3("object", key=True, write=True), 1.5),
    ("s3", "ListObjects", s3("list-type"), 2),
    ("s3", "GetBucketPolicy", s3("policy", error="NoSuchBucketPolicy", chance=0.5), 1),
    ("s3", "GetBucketAcl", s3("acl"), 1.5),
    ("s3", "GetBucketVersioning", s3("versioning"), 1.5),
    ("s3", "GetBucketTagging", s3("tagging", error="NoSuchTagSet", chance=0.3), 1),
    ("s3", "GetBucketEncryption", s3("encryption"), 1),
    ("s3", "GetBucketLocation", s3("location"), 1),
    ("iam", "GetRole", iam_role(), 3),
    ("iam", "ListRolePolicies", iam_role(), 2),
    ("iam", "ListAttachedRolePolicies", iam_role(), 2),
    ("iam", "CreateRole", iam_role("create"), 0.2),
    ("iam", "AttachRolePolicy", iam_role("attach"), 0.2),
    ("sts", "GetCallerIdentity", fixed(None), 2),
    ("kms", "Decrypt", kms("Decrypt"), 3),
    ("kms", "GenerateDataKey", kms("GenerateDataKey"), 1),
    ("kms", "DescribeKey", kms("DescribeKey"), 1),
    ("logs", "DescribeLogGroups", log_groups(), 1.5),
    ("logs", "PutRetentionPolicy", log_groups(write=True), 0.1),
    ("lambda", "GetFunction20150331v2", lambda_fn(), 1),
    ("lambda", "ListVersionsByFunction20150331", lambda_fn(), 0.7),
    ("lambda", "GetFunctionCodeSigningConfig", lambda_fn(), 0.7),
    ("lambda", "UpdateFunctionCode20150331v2", lambda_fn("update"), 0.2),
    ("lambda", "CreateFunction20150331", lambda_fn("create"), 0.1),
    ("route53", "GetHostedZone", route53(), 1),
    ("route53", "ListResourceRecordSets", route53(), 1),
    ("route53", "ListTagsForResource", route53("tags"), 0.5),
    ("route53", "ChangeResourceRecordSets", route53("change"), 0.2),
    ("route53", "GetChange", route53("status"), 0.3),
    ("ssm", "GetParameter", parameter, 1),
    ("secretsmanager", "GetSecretValue", secret, 0.5),
    ("dynamodb", "DescribeTable", LOCKS, 0.5),
    ("elasticloadbalancing", "DescribeLoadBalancers", fixed({"names": ["web"]}), 1),
    ("elasticloadbalancing", "DescribeTargetGroups", fixed({"names": ["web-blue", "web-green"]}), 1),
)
READ_OPS = tuple(op for op in DEPLOY_OPS if op[1].startswith(("Describe", "Get", "List")))
APP_OPS: tuple[Op, ...] = (
    ("s3", "GetObject", s3("object", key=True), 6),
    ("s3", "PutObject", s3("object", key=True, write=True), 3),
    ("kms", "Decrypt", kms("Decrypt"), 5),
    ("kms", "GenerateDataKey", kms("GenerateDataKey"), 2),
    ("secretsmanager", "GetSecretValue", secret, 2),
    ("ssm", "GetParameter", parameter, 2),
    ("sts", "GetCallerIdentity", fixed(None), 0.5),
)
NODE_OPS: tuple[Op, ...] = (
    ("ec2", "DescribeInstances", ec2_describe("instanceId", "instances"), 5),
    ("ec2", "DescribeSubnets", ec2_describe("subnetId", "subnets"), 2),
    ("ec2", "DescribeSecurityGroups", ec2_describe("groupId", "groups"), 2),
    ("ec2", "DescribeLaunchTemplates", ec2_plain, 1),
    ("ec2", "DescribeInstanceTypes", ec2_plain, 1),
    ("ec2", "CreateTags", create_tags, 0.5),
    ("ec2", "RunInstances", run_instances, 0.3),
    ("ec2", "TerminateInstances", terminate, 0.2),
    ("eks", "DescribeCluster", fixed({"name": "prod"}), 1),
)
CONFIG_OPS: tuple[Op, ...] = (  # AWS Config recording: reads everywhere, rarely the principal's role
    *(op for op in READ_OPS if op[0] != "s3"),
    ("s3", "GetBucketAcl", s3("acl"), 3),
    ("s3", "GetBucketPolicy", s3("policy", error="NoSuchBucketPolicy", chance=0.5), 2),
    ("s3", "GetBucketVersioning", s3("versioning"), 2),
    ("iam", "GetRole", NAMES_PRINCIPAL, 0.02),
)
CONSOLE_OPS: tuple[Op, ...] = (
    ("ec2", "DescribeInstances", ec2_describe("instanceId", "instances"), 3),
    ("ec2", "DescribeSecurityGroups", ec2_describe("groupId", "groups"), 1),
    ("s3", "ListBuckets", fixed({"Host": "s3.amazonaws.com"}), 1),
    ("cloudtrail", "LookupEvents", fixed({"maxResults": 50, "lookupAttributes": [
        {"attributeKey": "ReadOnly", "attributeValue": "false"}]}), 1),
    ("iam", "ListRoles", fixed({"maxItems": 1000}), 1),
    ("iam", "GetRole", NAMES_PRINCIPAL, 0.02),
    ("monitoring", "DescribeAlarms", fixed({"maxRecords": 100}), 1),
    ("health", "DescribeEventAggregates", fixed({"aggregateField": "eventTypeCategory"}), 1),
    ("logs", "DescribeLogGroups", log_groups(), 1),
)
SERVICE_OPS: tuple[Op, ...] = (
    ("sts", "AssumeRole", assume_role, 8),
    ("kms", "Decrypt", kms("Decrypt"), 5),
    ("kms", "GenerateDataKey", kms("GenerateDataKey"), 3),
    ("s3", "GetBucketAcl", s3("acl"), 4),
)
# fmt: on
