locals {
  env = {
    TABLE       = "items"
    DB_PASSWORD = "hunter2-correct-horse"
  }
}

resource "aws_iam_role" "items" {
  name               = "items"
  assume_role_policy = <<-EOT
    {"Version": "2012-10-17",
     "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "lambda.amazonaws.com"}}]}
  EOT
}

resource "aws_iam_role_policy_attachment" "basic" {
  role       = aws_iam_role.items.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}

resource "aws_iam_role_policy" "s3" {
  role   = aws_iam_role.items.id
  policy = <<-EOT
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
  EOT
}

resource "aws_lambda_function" "items" {
  function_name = "items"
  filename      = "src"
  handler       = "app.handler"
  runtime       = "python3.12"
  role          = aws_iam_role.items.arn
  timeout       = 40
  memory_size   = 512
  environment {
    variables = local.env
  }
}

resource "aws_api_gateway_rest_api" "api" {
  name = "items"
}

resource "aws_api_gateway_resource" "item" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  parent_id   = aws_api_gateway_rest_api.api.root_resource_id
  path_part   = "{id}"
}

resource "aws_api_gateway_method" "get" {
  rest_api_id   = aws_api_gateway_rest_api.api.id
  resource_id   = aws_api_gateway_resource.item.id
  http_method   = "GET"
  authorization = "NONE"
}

resource "aws_api_gateway_integration" "get" {
  rest_api_id             = aws_api_gateway_rest_api.api.id
  resource_id             = aws_api_gateway_resource.item.id
  http_method             = aws_api_gateway_method.get.http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = aws_lambda_function.items.invoke_arn
}

resource "aws_lambda_permission" "api" {
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.items.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.api.execution_arn}/*/*"
}
