"""Ships orders, reading every name from the environment."""
import os

import boto3

SQS = boto3.client("sqs")
TABLE = boto3.resource("dynamodb").Table(os.environ.get("TABLE_NAME", "orders-dev"))


def handler(event, context):
    SQS.send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody="x")
    boto3.client("sns").publish(TopicArn=os.environ["TOPIC_ARN"], Message="x")
    return TABLE.get_item(Key={"pk": event["id"]})
