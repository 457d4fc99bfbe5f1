def charge(event, context):
    return {"ok": True}
