# The demo stack of the phase-1 capture run: a public VPC, a hardened empty S3 bucket, a
# private Route 53 zone and a Lambda function with its role and log group. It is created and
# destroyed in one run, so the pipeline role's CloudTrail shows every create, read and delete
# call Terraform needs. examples/cloudtrail holds a synthetic trail of exactly such a run.

provider "aws" {
  region = var.aws_region

  default_tags {
    tags = local.tags
  }
}

# aws_caller_identity calls sts:GetCallerIdentity, which needs no permission; aws_partition
# and aws_region are answered by the provider itself.
data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  tags = merge({ Project = "demo-infra", ManagedBy = "terraform" }, var.tags)

  # Availability zones are named from the region rather than read with DescribeAvailabilityZones, which
  # would be one more action in the captured policy.
  vpc_prefix_length = tonumber(split("/", var.vpc_cidr)[1])
  subnet_newbits    = min(8, 28 - local.vpc_prefix_length)
  public_subnets = {
    for index, letter in var.availability_zone_letters :
    "${data.aws_region.current.name}${letter}" => cidrsubnet(var.vpc_cidr, local.subnet_newbits, index + 1)
  }

  function_name = "${var.name_prefix}-function"
}

# --- network: VPC, public subnets, internet gateway, public route table -------------------

resource "aws_vpc" "this" {
  #checkov:skip=CKV2_AWS_11: Throwaway demo VPC with no instances and no traffic; flow logs would need a log group or bucket of their own and record nothing.
  #checkov:skip=CKV2_AWS_12: Nothing in this VPC has a network interface (the function runs outside it), so the default security group guards nothing; adopting it would add ec2:RevokeSecurityGroup* calls that the demo trail does not model.

  cidr_block           = var.vpc_cidr
  enable_dns_support   = true # both are required by the private hosted zone
  enable_dns_hostnames = true

  tags = { Name = "${var.name_prefix}-vpc" }
}

resource "aws_subnet" "public" {
  #checkov:skip=CKV_AWS_130: These are the demo's public subnets by design (routed to the internet gateway); no instance is ever launched in them.

  for_each = local.public_subnets

  vpc_id                  = aws_vpc.this.id
  availability_zone       = each.key
  cidr_block              = each.value
  map_public_ip_on_launch = true

  tags = { Name = "${var.name_prefix}-${each.key}" }
}

resource "aws_internet_gateway" "this" {
  vpc_id = aws_vpc.this.id

  tags = { Name = "${var.name_prefix}-igw" }
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.this.id

  tags = { Name = "${var.name_prefix}-public" }
}

resource "aws_route" "public_default" {
  route_table_id         = aws_route_table.public.id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.this.id
}

resource "aws_route_table_association" "public" {
  for_each = aws_subnet.public

  subnet_id      = each.value.id
  route_table_id = aws_route_table.public.id
}

# The main route table comes with the VPC and takes no default_tags; name it so the console
# tells it apart from the public one.
resource "aws_ec2_tag" "main_route_table_name" {
  resource_id = aws_vpc.this.main_route_table_id
  key         = "Name"
  value       = "${var.name_prefix}-main"
}

# --- S3: an empty, private, versioned, encrypted bucket -----------------------------------

resource "aws_s3_bucket" "artifacts" {
  #checkov:skip=CKV_AWS_18: Demo bucket that stays empty and lives for one run; access logging would need a second bucket.
  #checkov:skip=CKV_AWS_144: Demo bucket that stays empty and lives for one run; replication would need a second bucket in another region and a replication role.
  #checkov:skip=CKV_AWS_145: Demo bucket that holds nothing; SSE-S3 (AES256) is enough, and a customer managed KMS key would cost money and add KMS calls to the capture.
  #checkov:skip=CKV2_AWS_61: Demo bucket that stays empty and is destroyed in the same run; there is nothing for a lifecycle rule to expire.
  #checkov:skip=CKV2_AWS_62: Nothing consumes events from this demo bucket, and it stays empty.

  bucket = "${var.bucket_name_prefix}-${data.aws_caller_identity.current.account_id}"

  # Throwaway: let destroy succeed even if someone put objects in it. The provider empties the
  # bucket only after DeleteBucket fails with BucketNotEmpty, so an empty bucket costs no
  # extra calls.
  force_destroy = true
}

resource "aws_s3_bucket_public_access_block" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id

  block_public_acls       = true
  ignore_public_acls      = true
  block_public_policy     = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id

  rule {
    object_ownership = "BucketOwnerEnforced" # ACLs disabled
  }
}

resource "aws_s3_bucket_versioning" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

# --- Route 53: a private hosted zone attached to the VPC ----------------------------------

resource "aws_route53_zone" "private" {
  name = "${var.name_prefix}.internal"

  vpc {
    vpc_id = aws_vpc.this.id
  }
}

# --- Lambda: function, execution role, log group ------------------------------------------

data "aws_iam_policy_document" "lambda_assume_role" {
  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "function" {
  name               = "${local.function_name}-role"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume_role.json
}

# Lets the function write to its log group; it has no other permissions.
resource "aws_iam_role_policy_attachment" "function_logs" {
  role       = aws_iam_role.function.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}

# Created by Terraform rather than by Lambda on first invocation, so it has a retention and
# tags, and destroy removes it.
resource "aws_cloudwatch_log_group" "function" {
  #checkov:skip=CKV_AWS_158: The demo function is never invoked, so the group stays empty; a customer managed KMS key would cost money and need a key policy for CloudWatch Logs.
  #checkov:skip=CKV_AWS_338: Demo log group destroyed in the same run; a year of retention buys nothing, and a short retention keeps anything left behind cheap.

  name              = "/aws/lambda/${local.function_name}"
  retention_in_days = var.log_retention_days
}

data "archive_file" "function" {
  type             = "zip"
  source_file      = "${path.module}/src/app.py"
  output_path      = "${path.module}/build/function.zip"
  output_file_mode = "0644" # same zip, and same hash, whatever the checkout's file modes
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_50: The demo function is never invoked, so there is nothing to trace; Active tracing would also need X-Ray permissions on its role.
  #checkov:skip=CKV_AWS_115: Reserving concurrency calls PutFunctionConcurrency and fails on accounts whose concurrency limit leaves less than 100 unreserved (new accounts have 10); the function is never invoked.
  #checkov:skip=CKV_AWS_116: The demo function is never invoked, asynchronously or otherwise, so a dead-letter queue would never receive anything.
  #checkov:skip=CKV_AWS_117: The function needs no network access; attaching it to the VPC would add ENIs whose deletion slows destroy down by many minutes.
  #checkov:skip=CKV_AWS_272: Code signing needs an AWS Signer profile and a signed package in S3; the demo deploys a few lines of inline Python built from src/app.py.

  function_name    = local.function_name
  role             = aws_iam_role.function.arn
  runtime          = "python3.12"
  handler          = "app.handler"
  architectures    = ["x86_64"]
  memory_size      = 128
  timeout          = 10
  filename         = data.archive_file.function.output_path
  source_code_hash = data.archive_file.function.output_base64sha256

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.function.name
  }

  # The role must be able to write logs before the function exists.
  depends_on = [aws_iam_role_policy_attachment.function_logs]
}
