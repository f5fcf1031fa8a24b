variable "aws_region" {
  description = "Region of the demo stack. Null uses the provider's environment (AWS_REGION, which aws-actions/configure-aws-credentials sets)."
  type        = string
  default     = null

  validation {
    condition     = var.aws_region == null || can(regex("^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$", var.aws_region))
    error_message = "aws_region must be a region name such as us-east-1, or null."
  }
}

variable "name_prefix" {
  description = "Prefix of every resource name: <prefix>-vpc, <prefix>-function, the private zone <prefix>.internal, and so on."
  type        = string
  default     = "demo"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,18}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 2 to 20 lowercase letters, digits or hyphens, start with a letter and not end with a hyphen."
  }
}

variable "bucket_name_prefix" {
  description = "Name of the artifacts bucket before the account ID suffix, which keeps the name globally unique: <prefix>-<account id>."
  type        = string
  default     = "acme-demo-artifacts"

  validation {
    # 63 characters at most in all, 13 of them for "-<12-digit account id>".
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,48}[a-z0-9]$", var.bucket_name_prefix))
    error_message = "bucket_name_prefix must be 3 to 50 lowercase letters, digits or hyphens, starting and ending with a letter or digit."
  }
}

variable "vpc_cidr" {
  description = "IPv4 CIDR block of the demo VPC, /16 to /24. Public subnet i takes block i + 1 of the VPC split 8 bits further, or into /28s for a /20 or smaller VPC (10.42.1.0/24 and 10.42.2.0/24 by default)."
  type        = string
  default     = "10.42.0.0/16"

  validation {
    condition     = can(cidrnetmask(var.vpc_cidr)) && can(regex("/(1[6-9]|2[0-4])$", var.vpc_cidr)) && try(cidrsubnet(var.vpc_cidr, 0, 0) == var.vpc_cidr, false)
    error_message = "vpc_cidr must be an IPv4 network address from /16 to /24 with no host bits set, such as 10.42.0.0/16."
  }
}

variable "availability_zone_letters" {
  description = "Availability zones of the public subnets, as letters after the region name (a, b -> us-east-1a, us-east-1b). One subnet per zone."
  type        = list(string)
  default     = ["a", "b"]

  validation {
    condition     = length(var.availability_zone_letters) >= 1 && length(var.availability_zone_letters) <= 6 && length(distinct(var.availability_zone_letters)) == length(var.availability_zone_letters) && alltrue([for letter in var.availability_zone_letters : can(regex("^[a-z]$", letter))])
    error_message = "availability_zone_letters must hold 1 to 6 different single lowercase letters, such as [\"a\", \"b\"]."
  }
}

variable "log_retention_days" {
  description = "Days the function's CloudWatch log group keeps events."
  type        = number
  default     = 14

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653."
  }
}

variable "tags" {
  description = "Extra tags for every resource, merged over Project = demo-infra and ManagedBy = terraform."
  type        = map(string)
  default     = {}
}
