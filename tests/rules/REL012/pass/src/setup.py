import json
import urllib.request


def send_response(event, status):
    body = json.dumps({"Status": status, "PhysicalResourceId": "setup", "StackId": event["StackId"],
                       "RequestId": event["RequestId"], "LogicalResourceId": event["LogicalResourceId"]})
    try:
        urllib.request.urlopen(urllib.request.Request(event["ResponseURL"], data=body.encode(), method="PUT"))
    except Exception as e:
        print(f"Error sending CFN response: {e}")


def handler(event, context):
    send_response(event, "SUCCESS")
