output "vpc_id" {
  description = "ID of the demo VPC."
  value       = aws_vpc.this.id
}

output "public_subnet_ids" {
  description = "IDs of the public subnets, by availability zone."
  value       = { for zone, subnet in aws_subnet.public : zone => subnet.id }
}

output "internet_gateway_id" {
  description = "ID of the internet gateway attached to the VPC."
  value       = aws_internet_gateway.this.id
}

output "public_route_table_id" {
  description = "ID of the route table with the default route to the internet gateway."
  value       = aws_route_table.public.id
}

output "artifacts_bucket_name" {
  description = "Name of the (empty) artifacts bucket."
  value       = aws_s3_bucket.artifacts.id
}

output "artifacts_bucket_arn" {
  description = "ARN of the artifacts bucket."
  value       = aws_s3_bucket.artifacts.arn
}

output "private_zone_id" {
  description = "ID of the private Route 53 hosted zone attached to the VPC."
  value       = aws_route53_zone.private.zone_id
}

output "private_zone_name" {
  description = "Domain name of the private hosted zone."
  value       = aws_route53_zone.private.name
}

output "function_name" {
  description = "Name of the demo Lambda function."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "ARN of the demo Lambda function."
  value       = aws_lambda_function.this.arn
}

output "function_role_arn" {
  description = "ARN of the function's execution role (the role the pipeline role passes to Lambda, so iam:PassRole)."
  value       = aws_iam_role.function.arn
}

output "function_log_group_name" {
  description = "Name of the function's CloudWatch log group."
  value       = aws_cloudwatch_log_group.function.name
}
