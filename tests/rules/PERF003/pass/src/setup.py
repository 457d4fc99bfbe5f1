import boto3


def handler(event, context):
    ec2 = boto3.resource("ec2")
    return {"Data": {"vpcs": len(list(ec2.vpcs.all()))}}
