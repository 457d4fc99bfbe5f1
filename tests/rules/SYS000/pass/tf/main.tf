resource "aws_iam_role" "r" {
  name               = "r"
  # the closing EOF below carries two trailing spaces: Terraform accepts it (python-hcl2 issue #343)
  assume_role_policy = <<EOF
{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
 "Principal": {"Service": "lambda.amazonaws.com"}}]}
EOF  
}

resource "aws_lambda_function" "f" {
  function_name = "f"
  role          = aws_iam_role.r.arn
  runtime       = "python3.12"
  handler       = "app.handler"
  s3_bucket     = "artifacts"
  s3_key        = "f.zip"
  timeout       = 30
}
