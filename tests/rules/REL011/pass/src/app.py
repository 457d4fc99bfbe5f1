import json

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

app = APIGatewayHttpResolver()


@app.get("/items")
def items():
    return {"items": []}


def rest(event, context):
    try:
        body = json.loads(event["body"])
        return {"statusCode": 200, "body": json.dumps(body)}
    except ValueError:
        return {"statusCode": 400, "body": "bad json"}
    except Exception:
        print("failed")
        return {"statusCode": 500, "body": "internal error"}


def http(event, context):
    return app.resolve(event, context)


def with_errors(fn):
    def wrapper(event, context):
        try:
            return fn(event, context)
        except Exception:
            return {"statusCode": 500}
    return wrapper


@with_errors
def url(event, context):
    return {"statusCode": 200, "body": json.dumps(event["rawPath"])}
