"""The reviewed tables: the few places where data alone cannot say what IAM needs.

Everything else is derived: CloudTrail ``eventName`` is the API operation, and the IAM
reference says whether an action of that name exists. Each entry here is a documented
difference. ``tests/unit/test_tables.py`` checks that every action named here exists.
"""

from __future__ import annotations

# CloudTrail eventSource prefix -> IAM service prefixes to try first.
SOURCE_ALIASES: dict[str, tuple[str, ...]] = {
    "amazonmq": ("mq",),
    "monitoring": ("cloudwatch",),
    "email": ("ses",),
    "cloudcontrolapi": ("cloudformation",),  # Cloud Control is authorised as cloudformation:*
    "servicecatalog-appregistry": ("servicecatalog",),
    "chime-sdk-voice": ("chime",),
    "chime-sdk-messaging": ("chime",),
    "chime-sdk-meetings": ("chime",),
    "chime-sdk-identity": ("chime",),
    "macie": ("macie2",),
    "mediapackage": ("mediapackage", "mediapackage-vod"),
    "billingconsole": ("account", "billing", "aws-portal"),
    "streams.dynamodb": ("dynamodb",),
    "data.iot": ("iot",),
    "tagging": ("tag",),
    "runtime.lex": ("lex",),
    "runtime.sagemaker": ("sagemaker",),
}

# (eventSource prefix, eventName) -> IAM actions, where the names differ.
# S3: https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html
EVENT_ACTIONS: dict[tuple[str, str], tuple[str, ...]] = {
    ("s3", "ListObjects"): ("s3:ListBucket",),
    ("s3", "ListObjectsV2"): ("s3:ListBucket",),
    ("s3", "ListObjectVersions"): ("s3:ListBucketVersions",),
    ("s3", "HeadObject"): ("s3:GetObject",),
    ("s3", "HeadBucket"): ("s3:ListBucket",),
    ("s3", "GetObjectAttributes"): ("s3:GetObject", "s3:GetObjectAttributes"),
    ("s3", "SelectObjectContent"): ("s3:GetObject",),
    ("s3", "CopyObject"): ("s3:GetObject", "s3:PutObject"),
    ("s3", "UploadPartCopy"): ("s3:GetObject", "s3:PutObject"),
    ("s3", "CreateMultipartUpload"): ("s3:PutObject",),
    ("s3", "UploadPart"): ("s3:PutObject",),
    ("s3", "CompleteMultipartUpload"): ("s3:PutObject",),
    ("s3", "ListParts"): ("s3:ListMultipartUploadParts",),
    ("s3", "ListMultipartUploads"): ("s3:ListBucketMultipartUploads",),
    ("s3", "DeleteObjects"): ("s3:DeleteObject",),
    ("s3", "ListBuckets"): ("s3:ListAllMyBuckets",),
    ("s3", "GetBucketEncryption"): ("s3:GetEncryptionConfiguration",),
    ("s3", "PutBucketEncryption"): ("s3:PutEncryptionConfiguration",),
    ("s3", "DeleteBucketEncryption"): ("s3:PutEncryptionConfiguration",),
    ("s3", "GetBucketLifecycle"): ("s3:GetLifecycleConfiguration",),
    ("s3", "GetBucketLifecycleConfiguration"): ("s3:GetLifecycleConfiguration",),
    ("s3", "PutBucketLifecycle"): ("s3:PutLifecycleConfiguration",),
    ("s3", "PutBucketLifecycleConfiguration"): ("s3:PutLifecycleConfiguration",),
    ("s3", "DeleteBucketLifecycle"): ("s3:PutLifecycleConfiguration",),
    ("s3", "GetBucketReplication"): ("s3:GetReplicationConfiguration",),
    ("s3", "PutBucketReplication"): ("s3:PutReplicationConfiguration",),
    ("s3", "DeleteBucketReplication"): ("s3:PutReplicationConfiguration",),
    ("s3", "DeleteBucketPublicAccessBlock"): ("s3:PutBucketPublicAccessBlock",),
    ("s3", "DeleteBucketOwnershipControls"): ("s3:PutBucketOwnershipControls",),
    ("s3", "DeleteBucketCors"): ("s3:PutBucketCORS",),
    ("s3", "DeleteBucketTagging"): ("s3:PutBucketTagging",),
    ("s3", "GetBucketNotificationConfiguration"): ("s3:GetBucketNotification",),
    ("s3", "PutBucketNotificationConfiguration"): ("s3:PutBucketNotification",),
    ("s3", "GetBucketAccelerateConfiguration"): ("s3:GetAccelerateConfiguration",),
    ("s3", "PutBucketAccelerateConfiguration"): ("s3:PutAccelerateConfiguration",),
    ("s3", "GetObjectLockConfiguration"): ("s3:GetBucketObjectLockConfiguration",),
    ("s3", "PutObjectLockConfiguration"): ("s3:PutBucketObjectLockConfiguration",),
    ("s3", "GetBucketMetricsConfiguration"): ("s3:GetMetricsConfiguration",),
    ("s3", "ListBucketMetricsConfigurations"): ("s3:GetMetricsConfiguration",),
    ("s3", "PutBucketMetricsConfiguration"): ("s3:PutMetricsConfiguration",),
    ("s3", "DeleteBucketMetricsConfiguration"): ("s3:PutMetricsConfiguration",),
    ("s3", "GetBucketAnalyticsConfiguration"): ("s3:GetAnalyticsConfiguration",),
    ("s3", "ListBucketAnalyticsConfigurations"): ("s3:GetAnalyticsConfiguration",),
    ("s3", "PutBucketAnalyticsConfiguration"): ("s3:PutAnalyticsConfiguration",),
    ("s3", "DeleteBucketAnalyticsConfiguration"): ("s3:PutAnalyticsConfiguration",),
    ("s3", "GetBucketInventoryConfiguration"): ("s3:GetInventoryConfiguration",),
    ("s3", "ListBucketInventoryConfigurations"): ("s3:GetInventoryConfiguration",),
    ("s3", "PutBucketInventoryConfiguration"): ("s3:PutInventoryConfiguration",),
    ("s3", "DeleteBucketInventoryConfiguration"): ("s3:PutInventoryConfiguration",),
    ("s3", "GetBucketIntelligentTieringConfiguration"): ("s3:GetIntelligentTieringConfiguration",),
    ("s3", "ListBucketIntelligentTieringConfigurations"): (
        "s3:GetIntelligentTieringConfiguration",
    ),
    ("s3", "PutBucketIntelligentTieringConfiguration"): ("s3:PutIntelligentTieringConfiguration",),
    ("s3", "DeleteBucketIntelligentTieringConfiguration"): (
        "s3:PutIntelligentTieringConfiguration",
    ),
    ("s3", "GetStorageLensDashboardDataInternal"): ("s3:GetStorageLensDashboard",),
    ("s3express", "ListDirectoryBuckets"): ("s3express:ListAllMyDirectoryBuckets",),
    # Lambda's data event is named after the REST operation.
    ("lambda", "Invoke"): ("lambda:InvokeFunction",),
    # Calls that need no IAM permission (an empty tuple): OIDC device flow with client
    # credentials, console federation sign-in tokens.
    ("sso", "CreateToken"): (),
    ("sso", "RegisterClient"): (),
    ("sso", "StartDeviceAuthorization"): (),
    ("signin", "GetSigninToken"): (),
    ("signin", "ConsoleLogin"): (),
    ("signin", "CheckMfa"): (),
    ("signin", "SwitchRole"): (),
    ("signin", "ExternalIdPDirectoryLogin"): (),
    ("signin", "PasswordUpdated"): (),
    ("signin", "CredentialVerification"): (),
    ("signin", "CredentialChallenge"): (),
    ("cloudtrail", "DescribeTrail"): ("cloudtrail:DescribeTrails",),
    ("ec2", "DescribeInstanceCreditSpecification"): ("ec2:DescribeInstanceCreditSpecifications",),
}

# CloudTrail records that are not a principal's API call: nothing to grant.
# https://docs.aws.amazon.com/awscloudtrail/latest/userguide/non-api-aws-events.html
NON_API_EVENT_TYPES = frozenset(
    {
        "AwsServiceEvent",
        "AwsConsoleSignIn",
        "AwsConsoleAction",
        "AwsCloudTrailInsight",
        "AwsVpceEvent",
    }
)

# Error codes that mean IAM (or an SCP, boundary or resource policy) refused the call.
DENIED_CODES = frozenset(
    {
        "accessdenied",
        "accessdeniedexception",
        "unauthorizedoperation",
        "unauthorizedaccess",
        "unauthorizedexception",
        "authorizationerror",
        "authorizationexception",
        "forbidden",
        "forbiddenexception",
        "notauthorized",
        "notauthorizedexception",
        "accessdeniedforbidden",
    }
)

# Error codes that mean the caller was never authenticated: no permission was checked.
UNAUTHENTICATED_CODES = frozenset(
    {
        "invalidclienttokenid",
        "signaturedoesnotmatch",
        "expiredtoken",
        "expiredtokenexception",
        "unrecognizedclientexception",
        "authfailure",
        "incompletesignature",
        "missingauthenticationtoken",
        "invalidaccesskeyid",
        "invalidtoken",
    }
)

# Calls a CI role makes that are noise for its policy; --ignore-action adds to these.
DEFAULT_IGNORED_ACTIONS: tuple[str, ...] = (
    "sts:GetCallerIdentity",  # needs no permission: https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
    "access-analyzer:StartPolicyGeneration",  # least-priv's own calls
    "access-analyzer:GetGeneratedPolicy",
    "access-analyzer:ListPolicyGenerations",
    "access-analyzer:CancelPolicyGeneration",
    "cloudtrail:LookupEvents",
    "cloudtrail:GetTrail",
    "athena:StartQueryExecution",
    "athena:GetQueryExecution",
    "athena:GetQueryResults",
)

# EC2 resource id prefixes -> IAM resource type, to find the ARNs of ids in any parameter
# (CreateTags' resourcesSet, DeleteTags, attribute calls ...).
EC2_ID_PREFIXES: dict[str, str] = {
    "vpc": "vpc",
    "subnet": "subnet",
    "igw": "internet-gateway",
    "eigw": "egress-only-internet-gateway",
    "rtb": "route-table",
    "sg": "security-group",
    "sgr": "security-group-rule",
    "i": "instance",
    "vol": "volume",
    "eni": "network-interface",
    "ami": "image",
    "snap": "snapshot",
    "acl": "network-acl",
    "eipalloc": "elastic-ip",
    "nat": "natgateway",
    "lt": "launch-template",
    "dopt": "dhcp-options",
    "vpce": "vpc-endpoint",
    "tgw": "transit-gateway",
    "tgw-attach": "transit-gateway-attachment",
    "tgw-rtb": "transit-gateway-route-table",
    "key": "key-pair",
    "pl": "prefix-list",
    "fl": "vpc-flow-log",
    "pcx": "vpc-peering-connection",
    "vgw": "vpn-gateway",
    "cgw": "customer-gateway",
    "vpn": "vpn-connection",
    "pg": "placement-group",
}

# Request parameters that pass a role to a service, and the service that receives it
# (the value of iam:PassedToService), where it is not <eventSource prefix>.amazonaws.com.
# https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
PASSROLE_KEYS = frozenset(
    {
        "role",
        "rolearn",
        "servicerole",
        "servicerolearn",
        "executionrolearn",
        "taskrolearn",
        "noderole",
        "iamrole",
        "iamrolearn",
        "monitoringrolearn",
        "executionrole",
        "jobrolearn",
        "invocationrole",
        "invocationrolearn",
        "lambdarole",
        "dataaccessrolearn",
        "deliveryrolearn",
    }
)
PASSED_TO_SERVICE: dict[tuple[str, str], str] = {
    ("ecs", "taskrolearn"): "ecs-tasks.amazonaws.com",
    ("ecs", "executionrolearn"): "ecs-tasks.amazonaws.com",
    ("rds", "monitoringrolearn"): "monitoring.rds.amazonaws.com",
    ("eks", "noderole"): "ec2.amazonaws.com",
}
# Sources whose role-ARN parameters name a role to assume or to read, not one to pass.
NO_PASSROLE_SOURCES = frozenset({"sts", "iam", "signin", "sso", "access-analyzer", "cloudtrail"})

# Actions that let the holder raise their own privileges.
# https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_understand-policy-summary-access-level-summaries.html
PRIVILEGE_ESCALATION_ACTIONS = frozenset(
    a.lower()
    for a in (
        "iam:CreatePolicyVersion",
        "iam:SetDefaultPolicyVersion",
        "iam:AttachRolePolicy",
        "iam:AttachUserPolicy",
        "iam:AttachGroupPolicy",
        "iam:PutRolePolicy",
        "iam:PutUserPolicy",
        "iam:PutGroupPolicy",
        "iam:CreateAccessKey",
        "iam:CreateLoginProfile",
        "iam:UpdateLoginProfile",
        "iam:UpdateAssumeRolePolicy",
        "iam:AddUserToGroup",
        "iam:PutRolePermissionsBoundary",
        "iam:DeleteRolePermissionsBoundary",
        "iam:PutUserPermissionsBoundary",
        "iam:DeleteUserPermissionsBoundary",
        "sts:AssumeRole",
        "lambda:UpdateFunctionCode",
        "iam:CreateServiceLinkedRole",
    )
)
