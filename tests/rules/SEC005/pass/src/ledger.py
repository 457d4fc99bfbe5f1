import boto3

DB = boto3.client("dynamodb")


def handler(event, context):
    return DB.get_item(TableName="ledger", Key={"pk": {"S": event["id"]}})
