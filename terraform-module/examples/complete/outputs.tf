output "github_variables" {
  description = "Repository variables for the workflows; copy them with scripts/copy_github_variables.sh."
  value       = module.least_priv.github_variables
}

output "pipeline_subjects" {
  description = "The OIDC subjects the pipeline role accepts."
  value       = module.least_priv.pipeline_subjects
}

output "generator_subjects" {
  description = "The OIDC subjects the generator role accepts."
  value       = module.least_priv.generator_subjects
}
