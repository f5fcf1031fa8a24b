terraform {
  # 1.9: variable validation rules that refer to other variables (a role's subjects are
  # checked against the subject formats and the wildcard opt-in together).
  required_version = ">= 1.9"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 5.81.0 made thumbprint_list optional on aws_iam_openid_connect_provider
      # (hashicorp/terraform-provider-aws#37255); AWS validates GitHub's certificate
      # against its own trusted CAs, so the module sets no thumbprint.
      version = ">= 5.81"
    }
  }
}
