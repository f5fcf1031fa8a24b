# Partial configuration: the state bucket and its region differ per account, so they are
# given at init (see README.md):
#
#   terraform init \
#     -backend-config="bucket=acme-tfstate-111122223333" \
#     -backend-config="region=us-east-1"
#
# The key is fixed here on purpose: the pipeline role's preserved S3StateManagement
# statement allows only the objects under demo-infra/ (the state and its .tflock file).
terraform {
  backend "s3" {
    key          = "demo-infra/terraform.tfstate"
    encrypt      = true
    use_lockfile = true # S3-native lock object demo-infra/terraform.tfstate.tflock
  }
}
