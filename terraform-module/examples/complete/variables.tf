variable "aws_region" {
  description = "Region of the trail and of Access Analyzer's policy generation (becomes the AWS_REGION repository variable)."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$", var.aws_region))
    error_message = "aws_region must be a region name such as us-east-1."
  }
}

variable "github_repository" {
  description = "The repository that deploys with the pipeline role and runs the least-priv workflow, OWNER/REPO."
  type        = string
  default     = "acme/infra"

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$", var.github_repository))
    error_message = "github_repository must be OWNER/REPO."
  }
}

variable "github_owner_id" {
  description = "Numeric ID of the repository's owner (gh api repos/OWNER/REPO --jq .owner.id), or null."
  type        = number
  default     = null

  validation {
    condition     = var.github_owner_id == null ? true : var.github_owner_id > 0
    error_message = "github_owner_id must be a positive number or null."
  }
}

variable "github_repository_id" {
  description = "Numeric ID of the repository (gh api repos/OWNER/REPO --jq .id), or null. With both IDs the roles also require the token's repository_id."
  type        = number
  default     = null

  validation {
    condition     = var.github_repository_id == null ? true : var.github_repository_id > 0
    error_message = "github_repository_id must be a positive number or null."
  }
}

variable "state_bucket_name" {
  description = "The Terraform state bucket the pipeline uses (the policy file's state_bucket template variable)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.state_bucket_name))
    error_message = "state_bucket_name must be an S3 bucket name."
  }
}

variable "capture_mode" {
  description = "Phase 1: true until the first least-privilege pull request is merged, then false."
  type        = bool
  default     = true
  nullable    = false
}
