variable "bucket_name" {
  type    = string
  default = "uploads-photos"
}

resource "aws_s3_bucket" "uploads" {
  bucket = var.bucket_name
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "thumbnail" {
  statement {
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = ["arn:aws:s3:::${var.bucket_name}/*"]
  }
}

resource "aws_iam_role" "thumbnail" {
  name               = "thumbnail"
  assume_role_policy = data.aws_iam_policy_document.assume.json
  managed_policy_arns = ["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]
  inline_policy {
    name   = "s3"
    policy = data.aws_iam_policy_document.thumbnail.json
  }
}

resource "aws_lambda_function" "thumbnail" {
  function_name = "thumbnail"
  filename      = "src"
  handler       = "app.handler"
  runtime       = "python3.12"
  role          = aws_iam_role.thumbnail.arn
  timeout       = 30
  memory_size   = 1024
}

resource "aws_lambda_permission" "s3" {
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.thumbnail.function_name
  principal      = "s3.amazonaws.com"
  source_arn     = aws_s3_bucket.uploads.arn
}

resource "aws_s3_bucket_notification" "uploads" {
  bucket = aws_s3_bucket.uploads.id
  lambda_function {
    lambda_function_arn = aws_lambda_function.thumbnail.arn
    events              = ["s3:ObjectCreated:*"]
  }
  depends_on = [aws_lambda_permission.s3]
}
