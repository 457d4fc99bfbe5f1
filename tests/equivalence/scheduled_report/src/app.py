import boto3


def handler(event, context):
    ses = boto3.client("ses")
    ses.send_email(
        Source="reports@example.com",
        Destination={"ToAddresses": ["team@example.com"]},
        Message={"Subject": {"Data": "daily"}, "Body": {"Text": {"Data": "ok"}}},
    )
