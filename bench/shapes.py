"""Who calls in the synthetic corpus (``bench/corpus.py``) and the records they leave: the
principal's GitHub Actions sessions, the account's other callers, and every record laid out
in CloudTrail's field order (operations come from ``operations.py``).

Modelled on real records (the shared CloudTrail corpus and ``examples/cloudtrail``):
AssumedRole sessions with ``sessionContext.sessionIssuer``, IAM users, AWS services
(``invokedBy``), the job's ``AssumeRoleWithWebIdentity``; ``tlsDetails``, S3's
``additionalEventData``; a few percent of errors. Field reference:
https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from operations import (
    ACCOUNT,
    APP_OPS,
    CONFIG_OPS,
    CONSOLE_OPS,
    DEPLOY_OPS,
    NODE_OPS,
    READ_OPS,
    SERVICE_OPS,
    Body,
    Ctx,
    Op,
    Pools,
    b64,
    token,
    uid,
)

PRINCIPAL = f"arn:aws:iam::{ACCOUNT}:role/ci/github-actions-deploy"
OIDC = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
TERRAFORM_UA = (
    "[APN/1.0 HashiCorp/1.0 Terraform/1.10.5 (+https://www.terraform.io) aws-sdk-go-v2/1.32.6 "
    "ua/2.1 os/linux lang/go#1.23.3 md/GOOS#linux md/GOARCH#amd64 api/{svc}#1.71.0]"
)
CLI_UA = (
    "aws-cli/2.22.10 md/awscrt#0.23.4 ua/2.0 os/linux#6.8.0-1017-aws md/arch#x86_64 "
    "lang/python#3.12.6 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe "
    "md/distrib#ubuntu.24 md/prompt#off md/command#{cmd}"
)
BOTO_UA = (
    "Boto3/1.35.70 md/Botocore#1.35.70 ua/2.0 os/linux#5.10.228-219.884.amzn2.x86_64 "
    "md/arch#x86_64 lang/python#3.12.7 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.35.70"
)
GO_UA = (
    "aws-sdk-go-v2/1.32.4 os/linux lang/go#1.23.2 md/GOOS#linux md/GOARCH#amd64 api/ec2#1.187.0 "
    "karpenter.sh-1.1.0"
)
SSO_ADMIN = "aws-reserved/sso.amazonaws.com/AWSReservedSSO_AdministratorAccess_4f2a9c1d8e7b6a50"
GLOBAL = frozenset({"iam", "route53", "sts", "health"})  # their events land in us-east-1
AUTHZ_MESSAGE = (
    "User: {arn} is not authorized to perform: {action} on resource: * "
    "because no identity-based policy allows the {action} action"
)


@dataclass(frozen=True)
class Mix:
    """Operations with their cumulative weights, and the subset outside us-east-1 (global
    services such as IAM and Route 53 log their events in us-east-1 only)."""

    ops: tuple[Op, ...]
    weights: tuple[float, ...]
    regional: tuple[Op, ...]
    regional_weights: tuple[float, ...]

    @classmethod
    def of(cls, ops: tuple[Op, ...]) -> Mix:
        regional = tuple(op for op in ops if op[0] not in GLOBAL)
        return cls(ops, _cumulative(ops), regional, _cumulative(regional))

    def choose(self, rng: random.Random, region: str) -> Op:
        if region == "us-east-1":
            return rng.choices(self.ops, cum_weights=self.weights)[0]
        return rng.choices(self.regional, cum_weights=self.regional_weights)[0]


def _cumulative(ops: tuple[Op, ...]) -> tuple[float, ...]:
    total, acc = 0.0, []
    for op in ops:
        total += op[3]
        acc.append(total)
    return tuple(acc)


DEPLOY, READS, APP, NODE, CONFIG, CONSOLE, SERVICE = (
    Mix.of(ops)
    for ops in (DEPLOY_OPS, READ_OPS, APP_OPS, NODE_OPS, CONFIG_OPS, CONSOLE_OPS, SERVICE_OPS)
)


@dataclass(frozen=True)
class Actor:
    """One caller active in a log file: its ``userIdentity``, where it calls from and what
    it calls."""

    identity: dict[str, Any]
    source_ip: str
    user_agent: str
    mix: Mix
    tls: bool = True  # AWS services calling for a principal send no tlsDetails
    console: bool = False


def assumed_role(rng: random.Random, role_path: str, session: str, created: str) -> dict[str, Any]:
    """An AssumedRole ``userIdentity`` of ``role/<role_path>``, with its session issuer."""
    name = role_path.rsplit("/", 1)[-1]
    role_id = "AROA" + token(random.Random(role_path), 17)
    return {
        "type": "AssumedRole",
        "principalId": f"{role_id}:{session}",
        "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{name}/{session}",
        "accountId": ACCOUNT,
        "accessKeyId": "ASIA" + token(rng, 16),
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": role_id,
                "arn": f"arn:aws:iam::{ACCOUNT}:role/{role_path}",
                "accountId": ACCOUNT,
                "userName": name,
            },
            "webIdFederationData": {},
            "attributes": {"creationDate": created, "mfaAuthenticated": "false"},
        },
    }


def github_session(rng: random.Random, role_path: str, created: str, ip: str) -> Actor:
    """A GitHub Actions job's OIDC session of ``role/<role_path>`` running Terraform."""
    identity = assumed_role(rng, role_path, "GitHubActions", created)
    identity["sessionContext"]["webIdFederationData"] = {
        "federatedProvider": OIDC,
        "attributes": {},
    }
    return Actor(identity, ip, TERRAFORM_UA, DEPLOY if "deploy" in role_path else READS)


def _user(name: str) -> dict[str, Any]:
    return {
        "type": "IAMUser",
        "principalId": "AIDA" + token(random.Random(name), 17),
        "arn": f"arn:aws:iam::{ACCOUNT}:user/{name}",
        "accountId": ACCOUNT,
        "accessKeyId": "AKIA" + token(random.Random(name + "key"), 16),
        "userName": name,
    }


def _config(rng: random.Random, created: str) -> Actor:
    role = "aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"
    by = "config.amazonaws.com"
    identity = {**assumed_role(rng, role, "AWSConfig-Describe", created), "invokedBy": by}
    return Actor(identity, by, by, CONFIG, tls=False)


def background_actors(
    rng: random.Random, pools: Pools, created: str
) -> tuple[list[Actor], list[float]]:
    """The other callers of one log file and their weights: AWS Config's service-linked role,
    application task roles, AWS services, a Karpenter controller, the read-only CI role, an
    SSO console admin and an IAM user. Some files also hold callers whose events carry the
    principal's role name without being its own: a staging deploy job (its role's name
    starts with the principal's; ~10% of files) and an IAM user named like the role (~3%)."""
    app_role = f"app/{rng.choice(pools.roles)}"
    services = ("ecs-tasks.amazonaws.com", "lambda.amazonaws.com", "cloudtrail.amazonaws.com")
    by = rng.choice(services)
    console = assumed_role(rng, SSO_ADMIN, "alice@example.com", created)
    app_ip, node_ip = (f"10.42.{rng.randrange(256)}.{rng.randrange(1, 255)}" for _ in range(2))
    node_session = f"aws-go-sdk-{rng.getrandbits(60)}"
    actors = [
        _config(rng, created),
        Actor(
            assumed_role(rng, app_role, token(rng, 32, "0123456789abcdef"), created),
            app_ip,
            BOTO_UA,
            APP,
        ),
        Actor({"type": "AWSService", "invokedBy": by}, by, by, SERVICE, tls=False),
        Actor(
            assumed_role(rng, "eks/karpenter-controller", node_session, created),
            node_ip,
            GO_UA,
            NODE,
        ),
        github_session(rng, "ci/github-actions-readonly", created, rng.choice(pools.runner_ips)),
        github_session(
            rng, "ci/github-actions-deploy-staging", created, rng.choice(pools.runner_ips)
        ),
        Actor(console, "203.0.113.24", "AWS Internal", CONSOLE, console=True),
        Actor(_user("legacy-deploy-bot"), "198.51.100.7", CLI_UA, APP),
        Actor(_user("github-actions-deploy"), "198.51.100.9", CLI_UA, APP),
    ]
    staging = 5.0 if rng.random() < 0.10 else 0.0
    user_decoy = 1.0 if rng.random() < 0.03 else 0.0
    return actors, [25, 20, 20, 10, 8, staging, 6, 3, user_decoy]


def _error(
    rng: random.Random, actor: Actor, src: str, name: str, body: Body
) -> tuple[str, str] | None:
    """A few percent of calls fail: refused (AccessDenied, Client.UnauthorizedOperation),
    throttled, or with the operation's own error (NoSuchEntity, NoSuchBucketPolicy ...)."""
    roll = rng.random()
    if roll < 0.02:
        action = f"{src}:{name.rstrip('0123456789v')}"
        arn = actor.identity.get("arn", "")
        if src == "ec2":  # EC2's own codes, with an encoded authorization message
            blob = b64(rng, 420).replace("+", "-").replace("/", "_")
            message = "You are not authorized to perform this operation. Encoded authorization failure message: "
            return "Client.UnauthorizedOperation", message + blob
        return "AccessDenied", AUTHZ_MESSAGE.format(arn=arn, action=action)
    if roll < 0.03:
        if src == "ec2":
            return "Client.RequestLimitExceeded", "Request limit exceeded."
        return "ThrottlingException", "Rate exceeded"
    for code, message, chance in body.errors:
        if rng.random() < chance:
            return code, message
    return None


def build_record(c: Ctx, actor: Actor, when: str) -> dict[str, Any]:
    """One CloudTrail record of ``actor`` at ``when``, in CloudTrail's field order."""
    rng = c.rng
    src, name, build, _ = actor.mix.choose(rng, c.region)
    body = build(c)
    region = "us-east-1" if src in GLOBAL else c.region
    identity, ip, agent = actor.identity, actor.source_ip, actor.user_agent
    if src == "kms" and actor.mix is DEPLOY and rng.random() < 0.7:  # SSE-KMS, S3 calls KMS
        identity, ip = {**identity, "invokedBy": "s3.amazonaws.com"}, "s3.amazonaws.com"
        agent = ip
    record: dict[str, Any] = {
        "eventVersion": "1.11",
        "userIdentity": identity,
        "eventTime": when,
        "eventSource": f"{src}.amazonaws.com",
        "eventName": name,
        "awsRegion": region,
        "sourceIPAddress": ip,
        "userAgent": agent.replace("{svc}", src).replace("{cmd}", f"{src}.{name.lower()}"),
    }
    error = _error(rng, actor, src, name, body)
    if error:
        record["errorCode"], record["errorMessage"] = error
    record["requestParameters"] = body.request
    record["responseElements"] = None if error else body.response
    if src == "s3":
        record["additionalEventData"] = {
            "SignatureVersion": "SigV4",
            "CipherSuite": "TLS_AES_128_GCM_SHA256",
            "bytesTransferredIn": 0 if body.read_only else rng.randrange(200, 90000),
            "AuthenticationMethod": "AuthHeader",
            "x-amz-id-2": b64(rng, 57),
            "bytesTransferredOut": rng.randrange(200, 90000) if body.read_only else 0,
        }
    record["requestID"] = token(rng, 16) if src == "s3" else uid(rng)
    record["eventID"] = uid(rng)
    record["readOnly"] = body.read_only
    if body.resources:
        record["resources"] = [
            {"accountId": ACCOUNT, "type": t, "ARN": a} for t, a in body.resources
        ]
    record["eventType"] = "AwsApiCall"
    record["managementEvent"] = not body.data
    record["recipientAccountId"] = ACCOUNT
    record["eventCategory"] = "Data" if body.data else "Management"
    if actor.tls and ip != "s3.amazonaws.com":
        host = f"{src}.{region}.amazonaws.com"
        record["tlsDetails"] = {
            "tlsVersion": "TLSv1.3",
            "cipherSuite": "TLS_AES_128_GCM_SHA256",
            "clientProvidedHostHeader": host,
        }
    if actor.console:
        record["sessionCredentialFromConsole"] = "true"
    return record


def web_identity_record(
    rng: random.Random, region: str, when: str, session: Actor
) -> dict[str, Any]:
    """The job's ``AssumeRoleWithWebIdentity``: it names the principal's role but is the web
    identity's event, not the role's (a decoy for any byte-level pre-filter)."""
    subject = "repo:acme/infra:ref:refs/heads/main"
    user = {"assumedRoleId": session.identity["principalId"], "arn": session.identity["arn"]}
    creds = {
        "accessKeyId": session.identity["accessKeyId"],
        "sessionToken": b64(rng, 700),
        "expiration": "Nov 20, 2026, 11:00:41 AM",
    }
    return {
        "eventVersion": "1.11",
        "userIdentity": {
            "type": "WebIdentityUser",
            "principalId": f"{OIDC}:sts.amazonaws.com:{subject}",
            "userName": subject,
            "identityProvider": OIDC,
        },
        "eventTime": when,
        "eventSource": "sts.amazonaws.com",
        "eventName": "AssumeRoleWithWebIdentity",
        "awsRegion": region,
        "sourceIPAddress": session.source_ip,
        "userAgent": "configure-aws-credentials-for-github-actions",
        "requestParameters": {
            "roleArn": PRINCIPAL,
            "roleSessionName": "GitHubActions",
            "durationSeconds": 3600,
        },
        "responseElements": {
            "credentials": creds,
            "subjectFromWebIdentityToken": subject,
            "assumedRoleUser": user,
            "provider": OIDC,
            "audience": "sts.amazonaws.com",
        },
        "additionalEventData": {
            "identityProviderConnectionVerificationMethod": "IAMTrustStore",
            "RoleSessionName": "GitHubActions",
        },
        "requestID": uid(rng),
        "eventID": uid(rng),
        "readOnly": True,
        "resources": [{"accountId": ACCOUNT, "type": "AWS::IAM::Role", "ARN": PRINCIPAL}],
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": ACCOUNT,
        "eventCategory": "Management",
        "tlsDetails": {
            "tlsVersion": "TLSv1.3",
            "cipherSuite": "TLS_AES_128_GCM_SHA256",
            "clientProvidedHostHeader": f"sts.{region}.amazonaws.com",
        },
    }
