import boto3

SNS = boto3.client("sns")


def handler(event, context):
    SNS.publish(TopicArn=event["topic"], Message="done")
