# The complete bootstrap for one repository, acme/infra, whose main branch deploys with the
# pipeline role and whose least-priv workflow refreshes that role's policy.
#
#   terraform init && terraform apply -var state_bucket_name=acme-tfstate-111122223333
#   bash ../../../scripts/copy_github_variables.sh --dir . --repo acme/infra
#
# Phase 1 (capture): capture_mode = true (the default here), run deploy-demo-infra.yml
# (apply, then destroy), then least-priv.yml. Phase 2: merge the pull request it opens,
# apply again with -var capture_mode=false.

provider "aws" {
  region = var.aws_region

  default_tags {
    tags = { Project = "least-priv", ManagedBy = "terraform" }
  }
}

module "least_priv" {
  source = "../.."

  # Who may assume the pipeline role: acme/infra's main branch and its production
  # environment, in GitHub's classic subject format and bound to the repository's ID.
  repositories = [
    {
      name     = var.github_repository
      owner_id = var.github_owner_id
      id       = var.github_repository_id
    },
  ]
  refs         = ["refs/heads/main"]
  environments = ["production"]

  # The pipeline role and its policy file (the one the action rewrites).
  pipeline_role_name = "github-actions-deploy"
  role_path          = "/ci/"
  policy_path        = "${path.module}/permission-policy.json"
  state_bucket_name  = var.state_bucket_name
  capture_mode       = var.capture_mode

  # Only the least-priv workflow on main may generate policies.
  generator_ref               = "refs/heads/main"
  generator_job_workflow_refs = ["${var.github_repository}/.github/workflows/least-priv.yml@refs/heads/main"]

  # A new multi-region trail with its own KMS key; state-file reads and writes are
  # recorded as data events.
  trail_name         = "least-priv"
  log_retention_days = 365

  tags = { CostCenter = "platform" }
}
