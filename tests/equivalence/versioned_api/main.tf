variable "alarms" {
  default = {
    errors    = { metric = "Errors", statistic = "Sum", threshold = 1 }
    throttles = { metric = "Throttles", statistic = "Sum", threshold = 1 }
    duration  = { metric = "Duration", statistic = "Average", threshold = 500 }
  }
}

resource "aws_sns_topic" "alerts" {
  name = "status-alerts"
}

resource "aws_iam_role" "status" {
  name = "status"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "lambda.amazonaws.com" } }]
  })
  managed_policy_arns = [
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess",
  ]
}

resource "aws_lambda_function" "status" {
  function_name = "status"
  filename      = "src"
  handler       = "app.handler"
  runtime       = "python3.12"
  role          = aws_iam_role.status.arn
  timeout       = 10
  memory_size   = 256
  publish       = true
  tracing_config {
    mode = "Active"
  }
}

resource "aws_lambda_alias" "live" {
  name             = "live"
  function_name    = aws_lambda_function.status.function_name
  function_version = aws_lambda_function.status.version
}

resource "aws_apigatewayv2_api" "http" {
  name          = "status"
  protocol_type = "HTTP"
}

resource "aws_apigatewayv2_integration" "status" {
  api_id           = aws_apigatewayv2_api.http.id
  integration_type = "AWS_PROXY"
  integration_uri  = aws_lambda_alias.live.invoke_arn
}

resource "aws_lambda_permission" "http" {
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.status.function_name
  qualifier     = aws_lambda_alias.live.name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.http.execution_arn}/*"
}

resource "aws_cloudwatch_metric_alarm" "status" {
  for_each            = var.alarms
  alarm_name          = "status-${each.key}"
  namespace           = "AWS/Lambda"
  metric_name         = each.value.metric
  dimensions          = { FunctionName = aws_lambda_function.status.function_name }
  statistic           = each.value.statistic
  period              = 60
  evaluation_periods  = 1
  threshold           = each.value.threshold
  comparison_operator = "GreaterThanOrEqualToThreshold"
  alarm_actions       = [aws_sns_topic.alerts.arn]
}
