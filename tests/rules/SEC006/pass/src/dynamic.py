import boto3


def handler(event, context):
    client = boto3.client(event["service"])  # chosen at run time: the analysis cannot know what is used
    return getattr(client, event["operation"])()
