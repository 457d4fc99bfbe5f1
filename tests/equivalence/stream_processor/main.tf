resource "aws_kinesis_stream" "clicks" {
  name        = "clicks"
  shard_count = 1
}

resource "aws_iam_role" "counter" {
  name               = "counter"
  assume_role_policy = file("${path.module}/trust.json")
  managed_policy_arns = [
    "arn:aws:iam::aws:policy/service-role/AWSLambdaKinesisExecutionRole",
    "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess",
  ]
}

resource "aws_lambda_function" "counter" {
  function_name = "counter"
  filename      = "src"
  handler       = "app.handler"
  runtime       = "python3.12"
  role          = aws_iam_role.counter.arn
  timeout       = 60
  memory_size   = 512
  tracing_config {
    mode = "Active"
  }
}

resource "aws_lambda_event_source_mapping" "clicks" {
  event_source_arn  = aws_kinesis_stream.clicks.arn
  function_name     = aws_lambda_function.counter.function_name
  starting_position = "LATEST"
  batch_size        = 100
}

resource "aws_cloudwatch_metric_alarm" "counter_errors" {
  alarm_name          = "counter-errors"
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = aws_lambda_function.counter.function_name }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
}
