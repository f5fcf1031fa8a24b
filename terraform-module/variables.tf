################################################################################
# GitHub OIDC provider
################################################################################

variable "create_oidc_provider" {
  description = "Whether to create the IAM OIDC provider for https://token.actions.githubusercontent.com (audience sts.amazonaws.com). An account holds one provider per URL: set false and give existing_oidc_provider_arn when it already exists."
  type        = bool
  default     = true
  nullable    = false
}

variable "existing_oidc_provider_arn" {
  description = "ARN of the account's existing GitHub OIDC provider (arn:aws:iam::ACCOUNT:oidc-provider/token.actions.githubusercontent.com). Required when create_oidc_provider is false, and must be null otherwise."
  type        = string
  default     = null

  validation {
    condition     = var.create_oidc_provider ? var.existing_oidc_provider_arn == null : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/token[.]actions[.]githubusercontent[.]com$", var.existing_oidc_provider_arn))
    error_message = "With create_oidc_provider = false, existing_oidc_provider_arn must be the ARN of the token.actions.githubusercontent.com provider; with create_oidc_provider = true it must be null."
  }
}

################################################################################
# Who may assume the roles: GitHub repositories and OIDC subjects
################################################################################

variable "repositories" {
  description = "GitHub repositories whose workflows may assume the pipeline role: objects with name (OWNER/REPO, spelt as GitHub spells it: the sub claim is compared case-sensitively) and, for the immutable and ids subject formats and the repository_id binding, owner_id and id (numbers: gh api repos/OWNER/REPO --jq '.owner.id, .id'). No wildcard is accepted: one entry is one repository."
  type = list(object({
    name     = string
    owner_id = optional(number)
    id       = optional(number)
  }))
  default  = []
  nullable = false

  validation {
    condition     = alltrue([for repo in var.repositories : can(regex("^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$", repo.name)) && !contains([".", ".."], try(split("/", repo.name)[1], "."))])
    error_message = "Each repository name must be OWNER/REPO with GitHub's characters only (letters, digits, hyphens in the owner; letters, digits, '.', '_', '-' in the repository); wildcards such as '*' or 'org/*' are rejected."
  }

  validation {
    condition     = alltrue([for repo in var.repositories : (repo.owner_id == null ? true : repo.owner_id > 0 && floor(repo.owner_id) == repo.owner_id) && (repo.id == null ? true : repo.id > 0 && floor(repo.id) == repo.id)])
    error_message = "owner_id and id must be GitHub's positive whole-number IDs."
  }

  validation {
    condition     = length(distinct([for repo in var.repositories : lower(repo.name)])) == length(var.repositories)
    error_message = "Each repository may be listed once."
  }

  validation {
    condition     = !anytrue([for format in var.subject_formats : contains(["immutable", "ids"], format)]) || alltrue([for repo in var.repositories : repo.owner_id != null && repo.id != null])
    error_message = "The immutable and ids subject formats need owner_id and id on every repository."
  }

  validation {
    # Never an open trust: the pipeline role must accept at least one subject.
    condition     = !var.create_pipeline_role || length(var.extra_subjects) > 0 || (length(var.repositories) > 0 && (length(var.refs) > 0 || length(var.environments) > 0 || var.allow_pull_request))
    error_message = "The pipeline role would trust no subject: give at least one repository with refs, environments or allow_pull_request, or extra_subjects."
  }
}

variable "subject_formats" {
  description = "Forms of the OIDC sub claim to accept for each repository: \"name\" (GitHub's classic default, repo:OWNER/REPO:CONTEXT), \"immutable\" (GitHub's immutable default for repositories created, renamed or transferred since mid-2026 or opted in: repo:OWNER@OWNER_ID/REPO@REPO_ID:CONTEXT) and \"ids\" (a customized template with include_claim_keys [\"repository_owner_id\", \"repository_id\", \"context\"]: repository_owner_id:OWNER_ID:repository_id:REPO_ID:CONTEXT). List two while migrating. Check a repository's form with gh api repos/OWNER/REPO/actions/oidc/customization/sub."
  type        = list(string)
  default     = ["name"]
  nullable    = false

  validation {
    condition     = length(var.subject_formats) > 0 && length(distinct(var.subject_formats)) == length(var.subject_formats) && alltrue([for format in var.subject_formats : contains(["name", "immutable", "ids"], format)])
    error_message = "subject_formats must list one or more distinct values among \"name\", \"immutable\" and \"ids\"."
  }
}

variable "refs" {
  description = "Git refs whose workflow runs may assume the pipeline role (sub context ref:REF), such as refs/heads/main or refs/tags/v1.2.0. A job that names an environment presents the environment instead: list it in environments."
  type        = list(string)
  default     = ["refs/heads/main"]
  nullable    = false

  validation {
    condition     = alltrue([for ref in var.refs : can(regex("^refs/(heads|tags)/[^*?:~^ ]+$", ref)) || (var.allow_ref_wildcards && can(regex("^refs/(heads|tags)/[^?:~^ ]+$", ref)))])
    error_message = "Each ref must be refs/heads/NAME or refs/tags/NAME; '*' is accepted in NAME only with allow_ref_wildcards = true, and '?' never."
  }
}

variable "environments" {
  description = "GitHub deployment environments whose jobs may assume the pipeline role (sub context environment:NAME). Protect them with required reviewers or branch rules in GitHub."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for environment in var.environments : can(regex("^[^*?:]{1,255}$", environment))])
    error_message = "Each environment must be a GitHub environment name of 1 to 255 characters without '*', '?' or ':'."
  }
}

variable "allow_pull_request" {
  description = "Whether workflows triggered by pull_request events (sub context pull_request) may assume the pipeline role. Off by default: a pull request's workflow runs the pull request's code."
  type        = bool
  default     = false
  nullable    = false
}

variable "allow_ref_wildcards" {
  description = "Opt-in to '*' in the ref part of refs and extra_subjects (refs/heads/release/*). The pipeline trust then uses StringLike instead of StringEquals; the repository part stays literal."
  type        = bool
  default     = false
  nullable    = false
}

variable "extra_subjects" {
  description = "Further complete sub claims the pipeline role accepts, for customized subject templates (for example repository_owner_id:OWNER_ID:repository_id:REPO_ID:environment:prod:job_workflow_ref:...). Each must name exactly one repository (repo:OWNER/REPO, repo:OWNER@ID/REPO@ID or repository_owner_id:ID:repository_id:ID) followed by a context; '*' only after ref:refs/heads/ or ref:refs/tags/ with allow_ref_wildcards."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for subject in var.extra_subjects : can(regex("^(repo:[A-Za-z0-9][A-Za-z0-9-]*(@[0-9]+)?/[A-Za-z0-9._-]+(@[0-9]+)?|repository_owner_id:[0-9]+:repository_id:[0-9]+):[^*? ]+$", subject)) || (var.allow_ref_wildcards && can(regex("^(repo:[A-Za-z0-9][A-Za-z0-9-]*(@[0-9]+)?/[A-Za-z0-9._-]+(@[0-9]+)?|repository_owner_id:[0-9]+:repository_id:[0-9]+):([^*? ]+:)?ref:refs/(heads|tags)/[^? ]+$", subject)))])
    error_message = "Each extra subject must name one repository literally (no '*' in the owner or repository) and a context; bare '*', 'repo:*', 'repo:org/*' and owner-only subjects are rejected, and '*' is accepted only in a ref with allow_ref_wildcards = true."
  }
}

variable "bind_repository_id" {
  description = "When every repository has an id, also require the token's repository_id claim (StringEquals on token.actions.githubusercontent.com:repository_id, a condition key AWS STS has evaluated for GitHub since January 2026), so a deleted and re-created repository of the same name cannot assume the roles."
  type        = bool
  default     = true
  nullable    = false
}

################################################################################
# Pipeline role: the role the workflows assume, whose policy the action maintains
################################################################################

variable "create_pipeline_role" {
  description = "Whether to create the pipeline role. With false, give existing_pipeline_role_arn: the module then attaches the policy file (and the capture policy) to that role and leaves its trust policy alone."
  type        = bool
  default     = true
  nullable    = false
}

variable "existing_pipeline_role_arn" {
  description = "ARN of an existing pipeline role, used when create_pipeline_role is false; must be null otherwise."
  type        = string
  default     = null

  validation {
    condition     = var.create_pipeline_role ? var.existing_pipeline_role_arn == null : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/([A-Za-z0-9+=,.@_-]+/)*[A-Za-z0-9+=,.@_-]{1,64}$", var.existing_pipeline_role_arn))
    error_message = "With create_pipeline_role = false, existing_pipeline_role_arn must be a role ARN; with create_pipeline_role = true it must be null."
  }
}

variable "pipeline_role_name" {
  description = "Name of the pipeline role the workflows assume (PIPELINE_ROLE_ARN)."
  type        = string
  default     = "github-actions-deploy"
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.pipeline_role_name))
    error_message = "pipeline_role_name must be 1 to 64 letters, digits or +=,.@_- characters."
  }
}

variable "role_path" {
  description = "IAM path of the pipeline and generator roles and of their policies, such as /ci/. The Access Analyzer role always lives under /service-role/."
  type        = string
  default     = "/"
  nullable    = false

  validation {
    condition     = length(var.role_path) <= 512 && can(regex("^/([A-Za-z0-9+=,.@_-]+/)*$", var.role_path))
    error_message = "role_path must start and end with '/', for example / or /ci/."
  }
}

variable "permissions_boundary_arn" {
  description = "ARN of a managed policy set as permissions boundary on every role the module creates, or null for none."
  type        = string
  default     = null

  validation {
    condition     = var.permissions_boundary_arn == null ? true : can(regex("^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/([A-Za-z0-9+=,.@_-]+/)*[A-Za-z0-9+=,.@_-]{1,128}$", var.permissions_boundary_arn))
    error_message = "permissions_boundary_arn must be a managed policy ARN or null."
  }
}

variable "pipeline_max_session_duration" {
  description = "Longest session of the pipeline role, in seconds (3600 to 43200). Raise it for Terraform runs longer than an hour and set role-duration-seconds in the workflow to match."
  type        = number
  default     = 3600
  nullable    = false

  validation {
    condition     = var.pipeline_max_session_duration >= 3600 && var.pipeline_max_session_duration <= 43200 && floor(var.pipeline_max_session_duration) == var.pipeline_max_session_duration
    error_message = "pipeline_max_session_duration must be a whole number of seconds from 3600 to 43200."
  }
}

variable "policy_path" {
  description = "Path of the policy file the action maintains (permission-policy.json), for example path.root joined with /permission-policy.json. It and its split parts (NAME.2.json, NAME.3.json ... written when the policy passes 6,144 characters) are rendered with templatefile() and attached as customer-managed policies. Template variables: state_bucket, account_id, region and partition, plus policy_template_vars; an IAM policy variable in the file must therefore double its dollar sign (README). Null attaches no file."
  type        = string
  default     = null

  validation {
    condition     = var.policy_path == null ? true : endswith(var.policy_path, ".json") && fileexists(var.policy_path)
    error_message = "policy_path must name an existing .json file (relative paths are read from the directory terraform runs in; use path.root or path.module)."
  }
}

variable "policy_template_vars" {
  description = "Extra variables for the policy file's template, next to state_bucket, account_id, region and partition (which cannot be overridden)."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for key in keys(var.policy_template_vars) : can(regex("^[A-Za-z_][A-Za-z0-9_]*$", key)) && !contains(["state_bucket", "account_id", "region", "partition"], key)])
    error_message = "policy_template_vars keys must be identifiers other than state_bucket, account_id, region and partition."
  }
}

variable "state_bucket_name" {
  description = "Name of the Terraform state bucket the pipeline uses: the policy template's state_bucket, the TF_STATE_BUCKET repository variable, and, with record_state_data_events, the bucket whose object reads and writes the trail records."
  type        = string
  default     = null

  validation {
    condition     = var.state_bucket_name == null ? true : can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.state_bucket_name))
    error_message = "state_bucket_name must be an S3 bucket name (3 to 63 lowercase letters, digits, '.' or '-')."
  }
}

variable "capture_mode" {
  description = "Phase 1 only: attach the temporary capture policy (Sid TemporaryCaptureAll, Action * on Resource *, plus a Deny that protects the trail, its bucket and key and the module's roles) so one full deploy and destroy is recorded. Turn it off once the first least-privilege pull request is merged; while it is off, a policy file that still grants Action * is refused."
  type        = bool
  default     = false
  nullable    = false
}

################################################################################
# Policy-generator role: the role the least-priv workflow assumes
################################################################################

variable "create_generator_role" {
  description = "Whether to create the role the least-priv workflow assumes to run the action (LEAST_PRIV_GENERATOR_ROLE_ARN)."
  type        = bool
  default     = true
  nullable    = false
}

variable "existing_generator_role_arn" {
  description = "ARN of an existing generator role, reported in the outputs when create_generator_role is false; must be null otherwise."
  type        = string
  default     = null

  validation {
    condition     = var.create_generator_role ? var.existing_generator_role_arn == null : var.existing_generator_role_arn == null ? true : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/([A-Za-z0-9+=,.@_-]+/)*[A-Za-z0-9+=,.@_-]{1,64}$", var.existing_generator_role_arn))
    error_message = "existing_generator_role_arn must be a role ARN, and only with create_generator_role = false."
  }
}

variable "generator_role_name" {
  description = "Name of the policy-generator role."
  type        = string
  default     = "least-priv-generator"
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.generator_role_name))
    error_message = "generator_role_name must be 1 to 64 letters, digits or +=,.@_- characters."
  }
}

variable "generator_repository" {
  description = "The repository whose least-priv workflow may assume the generator role (same shape as an entry of repositories); null takes the first entry of repositories."
  type = object({
    name     = string
    owner_id = optional(number)
    id       = optional(number)
  })
  default = null

  validation {
    condition     = var.generator_repository == null ? true : can(regex("^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$", var.generator_repository.name))
    error_message = "generator_repository.name must be OWNER/REPO without wildcards."
  }

  validation {
    condition     = var.generator_repository == null ? true : !anytrue([for format in var.subject_formats : contains(["immutable", "ids"], format)]) || (var.generator_repository.owner_id != null && var.generator_repository.id != null)
    error_message = "The immutable and ids subject formats need generator_repository.owner_id and .id."
  }

  validation {
    condition     = !var.create_generator_role || var.generator_repository != null || length(var.repositories) > 0
    error_message = "The generator role needs a repository: set generator_repository or repositories."
  }
}

variable "generator_ref" {
  description = "The only ref whose runs may assume the generator role (default branch of the repository that holds the least-priv workflow). Never a wildcard."
  type        = string
  default     = "refs/heads/main"
  nullable    = false

  validation {
    condition     = can(regex("^refs/(heads|tags)/[^*?:~^ ]+$", var.generator_ref))
    error_message = "generator_ref must be refs/heads/NAME or refs/tags/NAME without wildcards."
  }
}

variable "generator_environment" {
  description = "GitHub environment of the least-priv job, when it declares one (its sub then carries environment:NAME instead of the ref); null when the job has no environment."
  type        = string
  default     = null

  validation {
    condition     = var.generator_environment == null ? true : can(regex("^[^*?:]{1,255}$", var.generator_environment))
    error_message = "generator_environment must be an environment name without '*', '?' or ':'."
  }
}

variable "generator_job_workflow_refs" {
  description = "When not empty, the generator role also requires the token's job_workflow_ref to be one of these (OWNER/REPO/.github/workflows/least-priv.yml@refs/heads/main), so only that workflow file on that ref can assume it."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for ref in var.generator_job_workflow_refs : can(regex("^[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+/[.]github/workflows/[^*?@ ]+[.]ya?ml@[^*? ]+$", ref))])
    error_message = "Each job_workflow_ref must look like OWNER/REPO/.github/workflows/FILE.yml@refs/heads/main, without wildcards."
  }
}

################################################################################
# Access Analyzer service role
################################################################################

variable "create_access_analyzer_role" {
  description = "Whether to create the service role IAM Access Analyzer assumes to read the trail for policy generation (ACCESS_ANALYZER_ROLE_ARN)."
  type        = bool
  default     = true
  nullable    = false
}

variable "existing_access_analyzer_role_arn" {
  description = "ARN of an existing Access Analyzer service role (for example the console's AccessAnalyzerMonitorServiceRole_...), used when create_access_analyzer_role is false (required then when the module creates the generator role, which may pass only this role); must be null otherwise."
  type        = string
  default     = null

  validation {
    condition     = var.create_access_analyzer_role ? var.existing_access_analyzer_role_arn == null : var.existing_access_analyzer_role_arn == null ? !var.create_generator_role : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/([A-Za-z0-9+=,.@_-]+/)*[A-Za-z0-9+=,.@_-]{1,64}$", var.existing_access_analyzer_role_arn))
    error_message = "existing_access_analyzer_role_arn must be a role ARN, only with create_access_analyzer_role = false, and is required then while the module creates the generator role."
  }
}

variable "access_analyzer_role_name" {
  description = "Name of the Access Analyzer service role (created under /service-role/)."
  type        = string
  default     = "least-priv-access-analyzer"
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.access_analyzer_role_name))
    error_message = "access_analyzer_role_name must be 1 to 64 letters, digits or +=,.@_- characters."
  }
}

variable "access_analyzer_source_arn_condition" {
  description = "Whether the Access Analyzer role's trust also requires aws:SourceArn to be an Access Analyzer ARN of this account and region (it always requires aws:SourceAccount). Turn off only if policy generation fails with an authorization error in your partition."
  type        = bool
  default     = true
  nullable    = false
}

################################################################################
# CloudTrail trail, its bucket and key
################################################################################

variable "create_trail" {
  description = "Whether to create the trail, its bucket and (with create_kms_key) its KMS key. With false, give existing_trail_arn and trail_bucket_name (and existing_kms_key_arn when its logs are SSE-KMS)."
  type        = bool
  default     = true
  nullable    = false
}

variable "existing_trail_arn" {
  description = "ARN of an existing trail recording the account's management events, used when create_trail is false; must be null otherwise."
  type        = string
  default     = null

  validation {
    condition     = var.create_trail ? var.existing_trail_arn == null : can(regex("^arn:aws[a-z-]*:cloudtrail:[a-z0-9-]+:[0-9]{12}:trail/[A-Za-z0-9._-]{3,128}$", var.existing_trail_arn))
    error_message = "With create_trail = false, existing_trail_arn must be a trail ARN; with create_trail = true it must be null."
  }
}

variable "trail_name" {
  description = "Name of the trail the module creates."
  type        = string
  default     = "least-priv"
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9._-]{1,126}[A-Za-z0-9]$", var.trail_name))
    error_message = "trail_name must be 3 to 128 letters, digits, '.', '_' or '-', starting and ending with a letter or digit."
  }
}

variable "trail_bucket_name" {
  description = "Bucket of the trail's log files: the name of the bucket to create (null: TRAIL_NAME-trail-ACCOUNT_ID), or with create_trail = false the existing trail's bucket (required then)."
  type        = string
  default     = null

  validation {
    condition     = var.trail_bucket_name == null ? var.create_trail : can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.trail_bucket_name))
    error_message = "trail_bucket_name must be an S3 bucket name, and is required with create_trail = false."
  }
}

variable "trail_s3_key_prefix" {
  description = "Key prefix of the trail's log files in the bucket (before AWSLogs/), or null for none."
  type        = string
  default     = null

  validation {
    condition     = var.trail_s3_key_prefix == null ? true : length(var.trail_s3_key_prefix) <= 200 && can(regex("^[A-Za-z0-9!_.'()-]+(/[A-Za-z0-9!_.'()-]+)*$", var.trail_s3_key_prefix))
    error_message = "trail_s3_key_prefix must be up to 200 characters of path segments without leading or trailing '/' and without '*'."
  }
}

variable "log_retention_days" {
  description = "Days the trail's log files are kept before the bucket's lifecycle rule expires them (at least 7: the weekly refresh reads the past week; Access Analyzer reads up to 90 days)."
  type        = number
  default     = 365
  nullable    = false

  validation {
    condition     = var.log_retention_days >= 7 && floor(var.log_retention_days) == var.log_retention_days
    error_message = "log_retention_days must be a whole number of at least 7."
  }
}

variable "noncurrent_version_retention_days" {
  description = "Days a log file's overwritten or deleted (noncurrent) version is kept in the versioned bucket."
  type        = number
  default     = 30
  nullable    = false

  validation {
    condition     = var.noncurrent_version_retention_days >= 1 && floor(var.noncurrent_version_retention_days) == var.noncurrent_version_retention_days
    error_message = "noncurrent_version_retention_days must be a whole number of at least 1."
  }
}

variable "create_kms_key" {
  description = "Whether to create a KMS key (rotation on) for the trail's log files and the bucket's default encryption. Ignored with create_trail = false. With false and no existing_kms_key_arn the logs are SSE-S3 (AES256)."
  type        = bool
  default     = true
  nullable    = false
}

variable "existing_kms_key_arn" {
  description = "ARN of an existing KMS key: the key a new trail encrypts with (create_kms_key = false), or the key an existing trail's logs are encrypted with. Its key policy is not managed here: it must let CloudTrail encrypt and the readers decrypt."
  type        = string
  default     = null

  validation {
    condition     = var.existing_kms_key_arn == null ? true : !(var.create_trail && var.create_kms_key) && can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.existing_kms_key_arn))
    error_message = "existing_kms_key_arn must be a KMS key ARN (not an alias), and cannot be combined with create_kms_key = true on a new trail."
  }
}

variable "record_state_data_events" {
  description = "Whether the new trail also records S3 data events for objects of state_bucket_name (advanced event selector, resources.ARN starts with arn:aws:s3:::STATE_BUCKET/), so state reads and writes appear in the evidence. Data events are billed per event."
  type        = bool
  default     = true
  nullable    = false
}

################################################################################
# Athena source (optional)
################################################################################

variable "enable_athena" {
  description = "Whether the generator role may run the action's athena:// source: queries in one workgroup on one Glue table over the trail bucket, results in athena_results_location."
  type        = bool
  default     = false
  nullable    = false
}

variable "athena_workgroup" {
  description = "Athena workgroup the generator role may run queries in."
  type        = string
  default     = "primary"
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{1,128}$", var.athena_workgroup))
    error_message = "athena_workgroup must be 1 to 128 letters, digits, '.', '_' or '-'."
  }
}

variable "athena_database" {
  description = "Glue database of the CloudTrail table."
  type        = string
  default     = "security"
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9_]{1,255}$", var.athena_database))
    error_message = "athena_database must be letters, digits or '_'."
  }
}

variable "athena_table" {
  description = "Glue table over the trail bucket (the DDL is in docs/athena.md)."
  type        = string
  default     = "cloudtrail_logs"
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9_]{1,255}$", var.athena_table))
    error_message = "athena_table must be letters, digits or '_'."
  }
}

variable "athena_results_location" {
  description = "The workgroup's query result location, s3://BUCKET/PREFIX/; required with enable_athena."
  type        = string
  default     = null

  validation {
    condition     = var.athena_results_location == null ? !var.enable_athena : can(regex("^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/[^*?]*)?$", var.athena_results_location))
    error_message = "athena_results_location must be s3://BUCKET/PREFIX/ (no wildcards), and is required with enable_athena = true."
  }
}

variable "athena_results_kms_key_arn" {
  description = "KMS key ARN the query results are encrypted with, or null when they are not SSE-KMS."
  type        = string
  default     = null

  validation {
    condition     = var.athena_results_kms_key_arn == null ? true : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.athena_results_kms_key_arn))
    error_message = "athena_results_kms_key_arn must be a KMS key ARN or null."
  }
}

################################################################################
# Common
################################################################################

variable "tags" {
  description = "Tags added to every resource the module creates."
  type        = map(string)
  default     = {}
  nullable    = false
}
