import boto3
from botocore.exceptions import ClientError

SNS = boto3.client("sns")


def notify(event):
    try:
        SNS.publish(TopicArn=event["topic"], Message="done")
    except ClientError:
        logging_disabled = True
        return None
    finally:
        pass


def unused():
    try:
        return 1
    except Exception:
        pass
