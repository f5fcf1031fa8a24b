data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  # id is the region name in every provider version (name is deprecated from 6.0).
  region = data.aws_region.current.id

  # Issuer host of GitHub Actions' OIDC tokens: the IAM condition keys are HOST:CLAIM.
  oidc_host         = "token.actions.githubusercontent.com"
  oidc_provider_arn = var.create_oidc_provider ? aws_iam_openid_connect_provider.github[0].arn : var.existing_oidc_provider_arn

  ##############################################################################
  # OIDC subjects. Every subject names exactly one repository; variables.tf rejects
  # wildcards in the owner and repository and the roles' preconditions check the
  # built list again against subject_guard_regex.
  ##############################################################################

  # The prefixes of each repository's subjects, one per subject format:
  #   name       repo:OWNER/REPO                                    (GitHub's classic default)
  #   immutable  repo:OWNER@OWNER_ID/REPO@REPO_ID                   (GitHub's immutable default)
  #   ids        repository_owner_id:OWNER_ID:repository_id:REPO_ID (a customized template)
  # https://docs.github.com/en/actions/reference/security/oidc
  generator_repository = var.generator_repository != null ? var.generator_repository : try(var.repositories[0], null)
  subject_repositories = merge(
    { for index, repo in var.repositories : format("pipeline-%03d", index) => repo },
    local.generator_repository == null ? {} : { generator = local.generator_repository },
  )
  subject_prefixes = {
    for key, repo in local.subject_repositories : key => compact([
      for subject_format in var.subject_formats : lookup({
        name      = "repo:${repo.name}"
        immutable = try("repo:${split("/", repo.name)[0]}@${repo.owner_id}/${split("/", repo.name)[1]}@${repo.id}", null)
        ids       = try("repository_owner_id:${repo.owner_id}:repository_id:${repo.id}", null)
      }, subject_format, null)
    ])
  }

  # The contexts GitHub puts after the repository: ref:REF, environment:NAME, pull_request.
  pipeline_contexts = concat(
    [for ref in var.refs : "ref:${ref}"],
    [for environment in var.environments : "environment:${environment}"],
    var.allow_pull_request ? ["pull_request"] : [],
  )

  pipeline_subjects = sort(distinct(concat(
    [
      for pair in setproduct(
        flatten([for key, prefixes in local.subject_prefixes : prefixes if key != "generator"]),
        local.pipeline_contexts,
      ) : "${pair[0]}:${pair[1]}"
    ],
    var.extra_subjects,
  )))

  # StringLike only when the allow_ref_wildcards opt-in put a '*' in a ref; a literal
  # subject never holds '*' or '?', so StringLike matches it exactly too.
  pipeline_sub_test = anytrue([for subject in local.pipeline_subjects : strcontains(subject, "*")]) ? "StringLike" : "StringEquals"

  generator_context  = var.generator_environment == null ? "ref:${var.generator_ref}" : "environment:${var.generator_environment}"
  generator_subjects = sort([for prefix in lookup(local.subject_prefixes, "generator", []) : "${prefix}:${local.generator_context}"])

  # The same rules as var.extra_subjects, applied to every subject the roles trust.
  subject_guard_regex          = "^(repo:[A-Za-z0-9][A-Za-z0-9-]*(@[0-9]+)?/[A-Za-z0-9._-]+(@[0-9]+)?|repository_owner_id:[0-9]+:repository_id:[0-9]+):[^*? ]+$"
  subject_guard_wildcard_regex = "^(repo:[A-Za-z0-9][A-Za-z0-9-]*(@[0-9]+)?/[A-Za-z0-9._-]+(@[0-9]+)?|repository_owner_id:[0-9]+:repository_id:[0-9]+):([^*? ]+:)?ref:refs/(heads|tags)/[^? ]+$"

  # The repository_id claim is a string in the token.
  pipeline_repository_ids = [for repo in var.repositories : tostring(repo.id) if repo.id != null]
  bind_pipeline_ids       = var.bind_repository_id && length(var.repositories) > 0 && length(local.pipeline_repository_ids) == length(var.repositories)
  bind_generator_id       = var.bind_repository_id && try(local.generator_repository.id, null) != null

  ##############################################################################
  # Roles, trail, bucket and key: created here or given
  ##############################################################################

  pipeline_role_arn        = var.create_pipeline_role ? aws_iam_role.pipeline[0].arn : var.existing_pipeline_role_arn
  pipeline_role_name       = var.create_pipeline_role ? aws_iam_role.pipeline[0].name : element(split("/", var.existing_pipeline_role_arn), length(split("/", var.existing_pipeline_role_arn)) - 1)
  generator_role_arn       = var.create_generator_role ? aws_iam_role.generator[0].arn : var.existing_generator_role_arn
  access_analyzer_role_arn = var.create_access_analyzer_role ? aws_iam_role.access_analyzer[0].arn : var.existing_access_analyzer_role_arn

  # The trail's ARN is known before the trail exists, so the bucket policy and the key
  # policy (which the trail needs first) can name it.
  created_trail_arn = "arn:${local.partition}:cloudtrail:${local.region}:${local.account_id}:trail/${var.trail_name}"
  trail_arn         = var.create_trail ? local.created_trail_arn : var.existing_trail_arn
  # Region of the trail's home (and, as CloudTrail creates it, of its bucket).
  trail_region      = var.create_trail ? local.region : split(":", var.existing_trail_arn)[3]
  trail_bucket_name = var.create_trail ? coalesce(var.trail_bucket_name, "${var.trail_name}-trail-${local.account_id}") : var.trail_bucket_name
  trail_bucket_arn  = "arn:${local.partition}:s3:::${local.trail_bucket_name}"
  trail_key_prefix  = var.trail_s3_key_prefix == null ? "" : "${var.trail_s3_key_prefix}/"
  trail_logs_arn    = "${local.trail_bucket_arn}/${local.trail_key_prefix}AWSLogs/*"

  create_kms_key = var.create_trail && var.create_kms_key
  kms_key_arn    = local.create_kms_key ? aws_kms_key.trail[0].arn : var.existing_kms_key_arn
  encrypted      = local.create_kms_key || var.existing_kms_key_arn != null
  # KMS calls S3 makes for the reader when it reads an SSE-KMS object.
  s3_via_service = "s3.${local.trail_region}.${data.aws_partition.current.dns_suffix}"

  record_state_data_events = var.create_trail && var.record_state_data_events && var.state_bucket_name != null

  athena_results_bucket = var.athena_results_location == null ? null : split("/", trimprefix(var.athena_results_location, "s3://"))[0]
  athena_results_prefix = var.athena_results_location == null ? null : trimprefix(trimprefix(var.athena_results_location, "s3://${local.athena_results_bucket}"), "/")

  ##############################################################################
  # The policy file and its split parts (NAME.json, NAME.2.json, NAME.3.json ...)
  ##############################################################################

  policy_dir  = var.policy_path == null ? null : dirname(var.policy_path)
  policy_stem = var.policy_path == null ? null : trimsuffix(basename(var.policy_path), ".json")
  policy_files = var.policy_path == null ? {} : merge(
    { (basename(var.policy_path)) = var.policy_path },
    { for part in fileset(local.policy_dir, "${local.policy_stem}.[0-9]*.json") : part => "${local.policy_dir}/${part}" },
  )
  policy_template_vars = merge(var.policy_template_vars, {
    state_bucket = var.state_bucket_name == null ? "" : var.state_bucket_name
    account_id   = local.account_id
    region       = local.region
    partition    = local.partition
  })
  policy_documents = { for name, path in local.policy_files : name => jsondecode(templatefile(path, local.policy_template_vars)) }
  # Allow statements granting every action: the capture statement the action removes.
  policy_capture_statements = {
    for name, document in local.policy_documents : name => [
      for statement in flatten([try(document.Statement, [])]) : try(statement.Sid, "")
      if try(statement.Effect, "") == "Allow" && contains(flatten([try(statement.Action, [])]), "*")
    ]
  }

  tags = merge(var.tags, { ManagedBy = "terraform", Module = "least-priv-action/terraform-module" })
}

################################################################################
# GitHub OIDC provider
################################################################################

resource "aws_iam_openid_connect_provider" "github" {
  count = var.create_oidc_provider ? 1 : 0

  url            = "https://token.actions.githubusercontent.com"
  client_id_list = ["sts.amazonaws.com"]
  # No thumbprint_list: AWS validates GitHub's OIDC endpoint against its library of
  # trusted root CAs and ignores configured thumbprints for it.

  tags = local.tags
}

################################################################################
# Pipeline role
################################################################################

data "aws_iam_policy_document" "pipeline_trust" {
  count = var.create_pipeline_role ? 1 : 0

  statement {
    sid     = "GitHubActionsOidc"
    effect  = "Allow"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.oidc_provider_arn]
    }

    # The token was minted for AWS STS (configure-aws-credentials' default audience).
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }

    # Only these repositories, refs, environments: never a bare wildcard.
    condition {
      test     = local.pipeline_sub_test
      variable = "token.actions.githubusercontent.com:sub"
      values   = local.pipeline_subjects
    }

    # Repository IDs survive renames and are never reused.
    dynamic "condition" {
      for_each = local.bind_pipeline_ids ? [local.pipeline_repository_ids] : []
      content {
        test     = "StringEquals"
        variable = "token.actions.githubusercontent.com:repository_id"
        values   = condition.value
      }
    }
  }
}

resource "aws_iam_role" "pipeline" {
  count = var.create_pipeline_role ? 1 : 0

  name                 = var.pipeline_role_name
  path                 = var.role_path
  description          = "Assumed by GitHub Actions workflows over OIDC; its policy is maintained by least-priv-action."
  assume_role_policy   = data.aws_iam_policy_document.pipeline_trust[0].json
  max_session_duration = var.pipeline_max_session_duration
  permissions_boundary = var.permissions_boundary_arn

  tags = local.tags

  lifecycle {
    precondition {
      condition     = length(local.pipeline_subjects) > 0
      error_message = "The pipeline role would trust no subject."
    }
    precondition {
      condition     = alltrue([for subject in local.pipeline_subjects : can(regex(local.subject_guard_regex, subject)) || (var.allow_ref_wildcards && can(regex(local.subject_guard_wildcard_regex, subject)))])
      error_message = "A pipeline subject does not name exactly one repository, or holds a wildcard outside a ref."
    }
  }
}

resource "aws_iam_policy" "pipeline" {
  for_each = local.policy_files

  name        = "${local.pipeline_role_name}-${trimsuffix(each.key, ".json")}"
  path        = var.role_path
  description = "${each.key}: the pipeline role's least-privilege policy, maintained by least-priv-action."
  # Re-encoded: minified (IAM counts 6,144 characters without whitespace) and checked JSON.
  policy = jsonencode(local.policy_documents[each.key])

  tags = local.tags

  lifecycle {
    precondition {
      condition     = var.capture_mode || length(local.policy_capture_statements[each.key]) == 0
      error_message = "The policy file still allows Action \"*\" (the temporary capture statement). Merge the first least-priv pull request, or set capture_mode = true while capturing."
    }
  }
}

resource "aws_iam_role_policy_attachment" "pipeline" {
  for_each = aws_iam_policy.pipeline

  role       = local.pipeline_role_name
  policy_arn = each.value.arn
}

# Phase 1: everything is allowed, so one deploy and destroy records every call the
# pipeline needs; the evidence itself (trail, bucket, key, these roles) stays protected.
data "aws_iam_policy_document" "capture" {
  count = var.capture_mode ? 1 : 0

  #checkov:skip=CKV_AWS_1: Temporary phase-1 capture policy: Action * is the point (README, phases); turned off with capture_mode = false.
  #checkov:skip=CKV_AWS_49: Temporary phase-1 capture policy: Action * is the point (README, phases); turned off with capture_mode = false.
  #checkov:skip=CKV_AWS_107: Temporary phase-1 capture policy: credentials exposure is covered by the Deny statement and the short capture window.
  #checkov:skip=CKV_AWS_108: Temporary phase-1 capture policy: data exfiltration is accepted for one deploy/destroy run.
  #checkov:skip=CKV_AWS_109: Temporary phase-1 capture policy: permissions management is what the capture must observe.
  #checkov:skip=CKV_AWS_110: Temporary phase-1 capture policy: privilege escalation is accepted for one deploy/destroy run.
  #checkov:skip=CKV_AWS_111: Temporary phase-1 capture policy: write access is what the capture must observe.
  #checkov:skip=CKV_AWS_356: Temporary phase-1 capture policy: Resource * is the point; the generated policy replaces it.
  #checkov:skip=CKV2_AWS_40: Temporary phase-1 capture policy: full IAM access is accepted for one deploy/destroy run.

  statement {
    sid       = "TemporaryCaptureAll"
    effect    = "Allow"
    actions   = ["*"]
    resources = ["*"]
  }

  statement {
    sid    = "ProtectCaptureEvidence"
    effect = "Deny"
    actions = [
      "cloudtrail:DeleteTrail",
      "cloudtrail:PutEventSelectors",
      "cloudtrail:StopLogging",
      "cloudtrail:UpdateTrail",
      "iam:AttachRolePolicy",
      "iam:DeleteRole",
      "iam:DeleteRolePermissionsBoundary",
      "iam:DeleteRolePolicy",
      "iam:DetachRolePolicy",
      "iam:PutRolePermissionsBoundary",
      "iam:PutRolePolicy",
      "iam:UpdateAssumeRolePolicy",
      "kms:DisableKey",
      "kms:PutKeyPolicy",
      "kms:ScheduleKeyDeletion",
      "s3:DeleteBucket",
      "s3:DeleteBucketPolicy",
      "s3:DeleteObject",
      "s3:DeleteObjectVersion",
      "s3:PutBucketAcl",
      "s3:PutBucketPolicy",
      "s3:PutBucketVersioning",
      "s3:PutLifecycleConfiguration",
      "s3:PutObject",
      "s3:PutObjectAcl",
    ]
    resources = compact([
      local.trail_arn,
      local.trail_bucket_arn,
      "${local.trail_bucket_arn}/*",
      local.kms_key_arn,
      local.pipeline_role_arn,
      local.generator_role_arn,
      local.access_analyzer_role_arn,
    ])
  }
}

resource "aws_iam_policy" "capture" {
  count = var.capture_mode ? 1 : 0

  name        = "${local.pipeline_role_name}-temporary-capture"
  path        = var.role_path
  description = "Phase 1 only (capture_mode): allows everything while CloudTrail records the pipeline's calls."
  policy      = data.aws_iam_policy_document.capture[0].json

  tags = local.tags
}

resource "aws_iam_role_policy_attachment" "capture" {
  count = var.capture_mode ? 1 : 0

  role       = local.pipeline_role_name
  policy_arn = aws_iam_policy.capture[0].arn
}

################################################################################
# Access Analyzer service role: reads the trail for policy generation
################################################################################

data "aws_iam_policy_document" "access_analyzer_trust" {
  count = var.create_access_analyzer_role ? 1 : 0

  statement {
    sid     = "AccessAnalyzerPolicyGeneration"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["access-analyzer.amazonaws.com"]
    }

    # Confused-deputy protection: only Access Analyzer acting for this account.
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    dynamic "condition" {
      for_each = var.access_analyzer_source_arn_condition ? [1] : []
      content {
        test     = "ArnLike"
        variable = "aws:SourceArn"
        values   = ["arn:${local.partition}:access-analyzer:${local.region}:${local.account_id}:*"]
      }
    }
  }
}

resource "aws_iam_role" "access_analyzer" {
  count = var.create_access_analyzer_role ? 1 : 0

  name                 = var.access_analyzer_role_name
  path                 = "/service-role/"
  description          = "Assumed by IAM Access Analyzer to read the CloudTrail trail for policy generation."
  assume_role_policy   = data.aws_iam_policy_document.access_analyzer_trust[0].json
  permissions_boundary = var.permissions_boundary_arn

  tags = local.tags
}

# What AWS documents for the policy-generation service role, scoped to the trail, its
# log objects and its key.
data "aws_iam_policy_document" "access_analyzer" {
  count = var.create_access_analyzer_role ? 1 : 0

  statement {
    sid       = "ReadTrail"
    effect    = "Allow"
    actions   = ["cloudtrail:GetTrail"]
    resources = [local.trail_arn]
  }

  statement {
    #checkov:skip=CKV_AWS_356: iam:GetServiceLastAccessedDetails takes a job ID and supports no resource type; AWS documents Resource * for both actions of the policy-generation service role.
    sid    = "ServiceLastAccessed"
    effect = "Allow"
    actions = [
      "iam:GenerateServiceLastAccessedDetails",
      "iam:GetServiceLastAccessedDetails",
    ]
    resources = ["*"]
  }

  statement {
    sid       = "ListTrailBucket"
    effect    = "Allow"
    actions   = ["s3:ListBucket"]
    resources = [local.trail_bucket_arn]
  }

  statement {
    sid       = "ReadTrailLogs"
    effect    = "Allow"
    actions   = ["s3:GetObject"]
    resources = [local.trail_logs_arn]
  }

  dynamic "statement" {
    for_each = local.encrypted ? [local.kms_key_arn] : []
    content {
      sid       = "DecryptTrailLogsThroughS3"
      effect    = "Allow"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = [local.s3_via_service]
      }
    }
  }
}

resource "aws_iam_role_policy" "access_analyzer" {
  count = var.create_access_analyzer_role ? 1 : 0

  name   = "read-cloudtrail"
  role   = aws_iam_role.access_analyzer[0].id
  policy = data.aws_iam_policy_document.access_analyzer[0].json
}

################################################################################
# Policy-generator role: the least-priv workflow runs the action with it
################################################################################

data "aws_iam_policy_document" "generator_trust" {
  count = var.create_generator_role ? 1 : 0

  statement {
    sid     = "GitHubActionsOidc"
    effect  = "Allow"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.oidc_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }

    # One repository, one ref (or environment): never a wildcard.
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values   = local.generator_subjects
    }

    dynamic "condition" {
      for_each = local.bind_generator_id ? [tostring(local.generator_repository.id)] : []
      content {
        test     = "StringEquals"
        variable = "token.actions.githubusercontent.com:repository_id"
        values   = [condition.value]
      }
    }

    dynamic "condition" {
      for_each = length(var.generator_job_workflow_refs) > 0 ? [var.generator_job_workflow_refs] : []
      content {
        test     = "StringEquals"
        variable = "token.actions.githubusercontent.com:job_workflow_ref"
        values   = condition.value
      }
    }
  }
}

resource "aws_iam_role" "generator" {
  count = var.create_generator_role ? 1 : 0

  name                 = var.generator_role_name
  path                 = var.role_path
  description          = "Assumed by the least-priv workflow over OIDC to generate the pipeline role's policy."
  assume_role_policy   = data.aws_iam_policy_document.generator_trust[0].json
  permissions_boundary = var.permissions_boundary_arn

  tags = local.tags

  lifecycle {
    precondition {
      condition     = length(local.generator_subjects) > 0 && alltrue([for subject in local.generator_subjects : can(regex(local.subject_guard_regex, subject))])
      error_message = "The generator role must trust exactly one repository's ref or environment, without wildcards."
    }
  }
}

data "aws_iam_policy_document" "generator" {
  count = var.create_generator_role ? 1 : 0

  statement {
    #checkov:skip=CKV_AWS_356: Access Analyzer's policy-generation actions support no resource type (Service Authorization Reference); Resource * is the only valid value.
    sid    = "AccessAnalyzerPolicyGeneration"
    effect = "Allow"
    actions = [
      "access-analyzer:CancelPolicyGeneration",
      "access-analyzer:GetGeneratedPolicy",
      "access-analyzer:ListPolicyGenerations",
      "access-analyzer:StartPolicyGeneration",
    ]
    resources = ["*"]
  }

  # Only the Access Analyzer role, and only to Access Analyzer.
  statement {
    sid       = "PassAccessAnalyzerRole"
    effect    = "Allow"
    actions   = ["iam:PassRole"]
    resources = [local.access_analyzer_role_arn]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["access-analyzer.amazonaws.com"]
    }
  }

  statement {
    sid       = "ReadTrail"
    effect    = "Allow"
    actions   = ["cloudtrail:GetTrail"]
    resources = [local.trail_arn]
  }

  statement {
    #checkov:skip=CKV_AWS_356: cloudtrail:LookupEvents supports no resource type; Resource * is the only valid value.
    sid       = "LookupEvents"
    effect    = "Allow"
    actions   = ["cloudtrail:LookupEvents"]
    resources = ["*"]
  }

  # The s3 source lists one folder level at a time under AWSLogs/, never the whole bucket.
  statement {
    sid       = "ListTrailLogs"
    effect    = "Allow"
    actions   = ["s3:ListBucket"]
    resources = [local.trail_bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${local.trail_key_prefix}AWSLogs/*"]
    }
  }

  statement {
    sid       = "ReadTrailLogs"
    effect    = "Allow"
    actions   = ["s3:GetObject"]
    resources = [local.trail_logs_arn]
  }

  dynamic "statement" {
    for_each = local.encrypted ? [local.kms_key_arn] : []
    content {
      sid       = "DecryptTrailLogsThroughS3"
      effect    = "Allow"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = [local.s3_via_service]
      }
    }
  }

  dynamic "statement" {
    for_each = var.enable_athena ? [1] : []
    content {
      sid    = "AthenaQueries"
      effect = "Allow"
      actions = [
        "athena:GetQueryExecution",
        "athena:GetQueryResults",
        "athena:StartQueryExecution",
        "athena:StopQueryExecution",
      ]
      resources = ["arn:${local.partition}:athena:${local.region}:${local.account_id}:workgroup/${var.athena_workgroup}"]
    }
  }

  dynamic "statement" {
    for_each = var.enable_athena ? [1] : []
    content {
      sid    = "GlueCloudTrailTable"
      effect = "Allow"
      actions = [
        "glue:GetDatabase",
        "glue:GetPartitions",
        "glue:GetTable",
      ]
      resources = [
        "arn:${local.partition}:glue:${local.region}:${local.account_id}:catalog",
        "arn:${local.partition}:glue:${local.region}:${local.account_id}:database/${var.athena_database}",
        "arn:${local.partition}:glue:${local.region}:${local.account_id}:table/${var.athena_database}/${var.athena_table}",
      ]
    }
  }

  # Athena reads the trail bucket with the caller's permissions.
  dynamic "statement" {
    for_each = var.enable_athena ? [1] : []
    content {
      sid       = "AthenaTrailBucketLocation"
      effect    = "Allow"
      actions   = ["s3:GetBucketLocation"]
      resources = [local.trail_bucket_arn]
    }
  }

  dynamic "statement" {
    for_each = var.enable_athena ? [1] : []
    content {
      sid    = "AthenaResultsBucket"
      effect = "Allow"
      actions = [
        "s3:GetBucketLocation",
        "s3:ListBucket",
      ]
      resources = ["arn:${local.partition}:s3:::${local.athena_results_bucket}"]
    }
  }

  dynamic "statement" {
    for_each = var.enable_athena ? [1] : []
    content {
      sid    = "AthenaResultsObjects"
      effect = "Allow"
      actions = [
        "s3:AbortMultipartUpload",
        "s3:GetObject",
        "s3:PutObject",
      ]
      resources = ["arn:${local.partition}:s3:::${local.athena_results_bucket}/${local.athena_results_prefix}*"]
    }
  }

  dynamic "statement" {
    for_each = var.enable_athena && var.athena_results_kms_key_arn != null ? [var.athena_results_kms_key_arn] : []
    content {
      sid       = "AthenaResultsKey"
      effect    = "Allow"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_policy" "generator" {
  count = var.create_generator_role ? 1 : 0

  name        = "${var.generator_role_name}-policy"
  path        = var.role_path
  description = "Lets least-priv-action read the trail and run IAM Access Analyzer policy generation."
  policy      = data.aws_iam_policy_document.generator[0].json

  tags = local.tags
}

resource "aws_iam_role_policy_attachment" "generator" {
  count = var.create_generator_role ? 1 : 0

  role       = aws_iam_role.generator[0].name
  policy_arn = aws_iam_policy.generator[0].arn
}

################################################################################
# KMS key of the trail's log files
################################################################################

data "aws_iam_policy_document" "trail_key" {
  count = local.create_kms_key ? 1 : 0

  # The account administers the key through IAM (AWS's default key policy), so the key
  # can never become unmanageable.
  statement {
    #checkov:skip=CKV_AWS_109: A key policy's Resource * is the key itself; the account root statement is AWS's default that keeps the key manageable through IAM.
    #checkov:skip=CKV_AWS_111: A key policy's Resource * is the key itself; the account root statement is AWS's default that keeps the key manageable through IAM.
    #checkov:skip=CKV_AWS_356: In a key policy Resource * means this key only.
    sid       = "AccountAdministersKey"
    effect    = "Allow"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  # CloudTrail may encrypt, for this trail only.
  statement {
    #checkov:skip=CKV_AWS_111: CloudTrail's encrypt statement as AWS documents it, restricted by aws:SourceArn and the encryption context.
    #checkov:skip=CKV_AWS_356: In a key policy Resource * means this key only.
    sid       = "CloudTrailEncryptLogs"
    effect    = "Allow"
    actions   = ["kms:GenerateDataKey*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["cloudtrail.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceArn"
      values   = [local.created_trail_arn]
    }

    condition {
      test     = "StringLike"
      variable = "kms:EncryptionContext:aws:cloudtrail:arn"
      values   = ["arn:${local.partition}:cloudtrail:*:${local.account_id}:trail/*"]
    }
  }

  statement {
    #checkov:skip=CKV_AWS_356: In a key policy Resource * means this key only.
    sid       = "CloudTrailDescribeKey"
    effect    = "Allow"
    actions   = ["kms:DescribeKey"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["cloudtrail.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceArn"
      values   = [local.created_trail_arn]
    }
  }

  # The readers (Access Analyzer's role, the generator role) may decrypt this trail's
  # log files, and only through S3.
  dynamic "statement" {
    for_each = length(compact([local.access_analyzer_role_arn, local.generator_role_arn])) > 0 ? [compact([local.access_analyzer_role_arn, local.generator_role_arn])] : []
    content {
      sid       = "ReadersDecryptLogsThroughS3"
      effect    = "Allow"
      actions   = ["kms:Decrypt"]
      resources = ["*"]

      principals {
        type        = "AWS"
        identifiers = statement.value
      }

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = [local.s3_via_service]
      }

      condition {
        test     = "StringEquals"
        variable = "kms:EncryptionContext:aws:cloudtrail:arn"
        values   = [local.created_trail_arn]
      }
    }
  }
}

resource "aws_kms_key" "trail" {
  count = local.create_kms_key ? 1 : 0

  description             = "Encrypts the ${var.trail_name} CloudTrail log files."
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.trail_key[0].json

  tags = local.tags
}

resource "aws_kms_alias" "trail" {
  count = local.create_kms_key ? 1 : 0

  name          = "alias/${var.trail_name}-trail"
  target_key_id = aws_kms_key.trail[0].key_id
}

################################################################################
# Trail bucket
################################################################################

resource "aws_s3_bucket" "trail" {
  count = var.create_trail ? 1 : 0

  #checkov:skip=CKV_AWS_18: This bucket receives CloudTrail's logs; S3 server access logs of a log bucket would need a second log bucket and add nothing the trail does not record.
  #checkov:skip=CKV_AWS_144: Cross-region replication is left to the account's backup strategy; the logs are evidence for policy generation and expire after log_retention_days.
  #checkov:skip=CKV2_AWS_62: No consumer needs object-created notifications: the action lists the day folders it reads.

  bucket = local.trail_bucket_name

  tags = local.tags
}

resource "aws_s3_bucket_public_access_block" "trail" {
  count = var.create_trail ? 1 : 0

  bucket                  = aws_s3_bucket.trail[0].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

# ACLs off: every object belongs to the bucket owner (Access Analyzer needs that).
resource "aws_s3_bucket_ownership_controls" "trail" {
  count = var.create_trail ? 1 : 0

  bucket = aws_s3_bucket.trail[0].id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "trail" {
  count = var.create_trail ? 1 : 0

  bucket = aws_s3_bucket.trail[0].id

  versioning_configuration {
    status = "Enabled"
  }
}

# Default encryption with the trail's KMS key. Without a key the bucket keeps S3's own
# default, SSE-S3 (AES256), which every bucket applies to new objects since January 2023.
# CloudTrail encrypts its log files with the trail's key either way; digest files are
# always SSE-S3.
resource "aws_s3_bucket_server_side_encryption_configuration" "trail" {
  count = var.create_trail && local.encrypted ? 1 : 0

  bucket = aws_s3_bucket.trail[0].id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = local.kms_key_arn
    }
    # No S3 Bucket Key: it would replace the objects' encryption context
    # (aws:cloudtrail:arn), which the key policy's conditions check.
    bucket_key_enabled = false
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "trail" {
  count = var.create_trail ? 1 : 0

  bucket = aws_s3_bucket.trail[0].id

  rule {
    id     = "expire-trail-logs"
    status = "Enabled"

    filter {}

    expiration {
      days = var.log_retention_days
    }

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_retention_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.trail]
}

data "aws_iam_policy_document" "trail_bucket" {
  count = var.create_trail ? 1 : 0

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [local.trail_bucket_arn, "${local.trail_bucket_arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  # CloudTrail's bucket policy as AWS documents it, for this trail only (aws:SourceArn).
  statement {
    sid       = "AWSCloudTrailAclCheck"
    effect    = "Allow"
    actions   = ["s3:GetBucketAcl"]
    resources = [local.trail_bucket_arn]

    principals {
      type        = "Service"
      identifiers = ["cloudtrail.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceArn"
      values   = [local.created_trail_arn]
    }
  }

  statement {
    sid       = "AWSCloudTrailWrite"
    effect    = "Allow"
    actions   = ["s3:PutObject"]
    resources = ["${local.trail_bucket_arn}/${local.trail_key_prefix}AWSLogs/${local.account_id}/*"]

    principals {
      type        = "Service"
      identifiers = ["cloudtrail.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "s3:x-amz-acl"
      values   = ["bucket-owner-full-control"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceArn"
      values   = [local.created_trail_arn]
    }
  }
}

resource "aws_s3_bucket_policy" "trail" {
  count = var.create_trail ? 1 : 0

  bucket = aws_s3_bucket.trail[0].id
  policy = data.aws_iam_policy_document.trail_bucket[0].json

  depends_on = [aws_s3_bucket_public_access_block.trail]
}

################################################################################
# Trail
################################################################################

resource "aws_cloudtrail" "this" {
  count = var.create_trail ? 1 : 0

  #checkov:skip=CKV_AWS_252: No SNS topic: the action reads the logs on a schedule and needs no delivery notifications.
  #checkov:skip=CKV2_AWS_10: No CloudWatch Logs delivery: the evidence is read from S3 (and Access Analyzer); a log group would double the storage for no reader.

  name                          = var.trail_name
  s3_bucket_name                = aws_s3_bucket.trail[0].id
  s3_key_prefix                 = var.trail_s3_key_prefix
  is_multi_region_trail         = true
  include_global_service_events = true
  enable_log_file_validation    = true
  kms_key_id                    = local.kms_key_arn

  # Without selectors a trail records every management event. With the state bucket's
  # data events the management events need a selector of their own.
  dynamic "advanced_event_selector" {
    for_each = local.record_state_data_events ? [1] : []
    content {
      name = "All management events"

      field_selector {
        field  = "eventCategory"
        equals = ["Management"]
      }
    }
  }

  dynamic "advanced_event_selector" {
    for_each = local.record_state_data_events ? [var.state_bucket_name] : []
    content {
      name = "Terraform state objects"

      field_selector {
        field  = "eventCategory"
        equals = ["Data"]
      }

      field_selector {
        field  = "resources.type"
        equals = ["AWS::S3::Object"]
      }

      field_selector {
        field       = "resources.ARN"
        starts_with = ["arn:${local.partition}:s3:::${advanced_event_selector.value}/"]
      }
    }
  }

  tags = local.tags

  depends_on = [aws_s3_bucket_policy.trail]
}
