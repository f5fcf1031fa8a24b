terraform {
  # 1.10 is the first release with S3-native state locking (use_lockfile in backend.tf).
  required_version = ">= 1.10"

  required_providers {
    # Pinned to the 5.x line the demo trail records (terraform-provider-aws/5.80.0): another
    # major version may make other API calls, and the capture would record those instead.
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.80"
    }
    archive = {
      source  = "hashicorp/archive"
      version = "~> 2.4"
    }
  }
}
