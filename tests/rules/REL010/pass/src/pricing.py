def handler(event, context):
    return {"price": 1}
