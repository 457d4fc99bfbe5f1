"""Ships orders. The account is arn:aws:iam::123456789012:root (a docstring: not flagged)."""
import boto3

SQS = boto3.client("sqs")
TABLE = boto3.resource("dynamodb").Table("orders-prod")
ACCOUNT = "123456789012"


def handler(event, context):
    SQS.send_message(QueueUrl="https://sqs.eu-west-1.amazonaws.com/123456789012/ship", MessageBody="x")
    boto3.client("sns").publish(TopicArn="arn:aws:sns:eu-west-1:123456789012:shipped", Message="x")
    boto3.client("s3").put_object(Bucket="shop-invoices", Key="a", Body=b"")
    # an S3 ARN has no Region or account, but names this stage's bucket
    invoices = "arn:aws:s3:::shop-invoices/*"
    return TABLE.get_item(Key={"pk": event["id"]}), invoices
