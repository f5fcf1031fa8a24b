output "github_variables" {
  description = "The GitHub repository variables the example workflows read, by name (LEAST_PRIV_GENERATOR_ROLE_ARN, ACCESS_ANALYZER_ROLE_ARN, PIPELINE_ROLE_ARN, CLOUDTRAIL_TRAIL_ARN, AWS_REGION, and TF_STATE_BUCKET when state_bucket_name is set); unknown ones are left out. scripts/copy_github_variables.sh sets them with gh."
  value = {
    for name, value in {
      LEAST_PRIV_GENERATOR_ROLE_ARN = local.generator_role_arn
      ACCESS_ANALYZER_ROLE_ARN      = local.access_analyzer_role_arn
      PIPELINE_ROLE_ARN             = local.pipeline_role_arn
      CLOUDTRAIL_TRAIL_ARN          = var.create_trail ? aws_cloudtrail.this[0].arn : local.trail_arn
      AWS_REGION                    = local.region
      TF_STATE_BUCKET               = var.state_bucket_name
    } : name => value if value != null
  }
}

output "pipeline_role_arn" {
  description = "ARN of the pipeline role the workflows assume (PIPELINE_ROLE_ARN, the action's principal-arn)."
  value       = local.pipeline_role_arn
}

output "pipeline_role_name" {
  description = "Name of the pipeline role."
  value       = local.pipeline_role_name
}

output "pipeline_subjects" {
  description = "The OIDC sub claims the pipeline role's trust policy accepts (empty when the module does not manage its trust)."
  value       = var.create_pipeline_role ? local.pipeline_subjects : []
}

output "pipeline_policy_arns" {
  description = "ARNs of the customer-managed policies made from the policy file and its split parts, by file name."
  value       = { for name, policy in aws_iam_policy.pipeline : name => policy.arn }
}

output "capture_policy_arn" {
  description = "ARN of the temporary capture policy while capture_mode is on, else null."
  value       = var.capture_mode ? aws_iam_policy.capture[0].arn : null
}

output "generator_role_arn" {
  description = "ARN of the policy-generator role the least-priv workflow assumes (LEAST_PRIV_GENERATOR_ROLE_ARN)."
  value       = local.generator_role_arn
}

output "generator_role_name" {
  description = "Name of the policy-generator role, or null when it is not created here."
  value       = var.create_generator_role ? aws_iam_role.generator[0].name : null
}

output "generator_subjects" {
  description = "The OIDC sub claims the generator role's trust policy accepts."
  value       = var.create_generator_role ? local.generator_subjects : []
}

output "access_analyzer_role_arn" {
  description = "ARN of the service role IAM Access Analyzer assumes to read the trail (ACCESS_ANALYZER_ROLE_ARN, the action's access-role-arn)."
  value       = local.access_analyzer_role_arn
}

output "access_analyzer_role_name" {
  description = "Name of the Access Analyzer service role, or null when it is not created here."
  value       = var.create_access_analyzer_role ? aws_iam_role.access_analyzer[0].name : null
}

output "trail_arn" {
  description = "ARN of the trail (CLOUDTRAIL_TRAIL_ARN, the action's trail-arn)."
  value       = var.create_trail ? aws_cloudtrail.this[0].arn : local.trail_arn
}

output "trail_bucket_name" {
  description = "Name of the bucket holding the trail's log files."
  value       = var.create_trail ? aws_s3_bucket.trail[0].id : local.trail_bucket_name
}

output "trail_bucket_arn" {
  description = "ARN of the bucket holding the trail's log files."
  value       = local.trail_bucket_arn
}

output "kms_key_arn" {
  description = "ARN of the KMS key the trail's log files are encrypted with, or null when they are SSE-S3."
  value       = local.kms_key_arn
}

output "oidc_provider_arn" {
  description = "ARN of the GitHub OIDC provider the roles trust."
  value       = local.oidc_provider_arn
}

output "aws_region" {
  description = "Region of the provider the module ran with: the trail's home region and the region of Access Analyzer's policy generation (AWS_REGION)."
  value       = local.region
}
