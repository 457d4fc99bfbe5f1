data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

resource "aws_iam_role" "report" {
  name                = "report"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "lambda.amazonaws.com" } }]
  })
  managed_policy_arns = ["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]
}

resource "aws_iam_role_policy" "ses" {
  role = aws_iam_role.report.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["ses:GetIdentityVerificationAttributes", "ses:SendEmail", "ses:SendRawEmail", "ses:VerifyEmailIdentity"]
      Resource = "arn:aws:ses:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:identity/example.com"
    }]
  })
}

resource "aws_lambda_function" "report" {
  function_name = "report"
  filename      = "src"
  handler       = "app.handler"
  runtime       = "python3.12"
  role          = aws_iam_role.report.arn
}

resource "aws_cloudwatch_event_rule" "daily" {
  name                = "daily-report"
  schedule_expression = "rate(1 day)"
}

resource "aws_cloudwatch_event_target" "daily" {
  rule = aws_cloudwatch_event_rule.daily.name
  arn  = aws_lambda_function.report.arn
}

resource "aws_lambda_permission" "daily" {
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.report.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.daily.arn
}
