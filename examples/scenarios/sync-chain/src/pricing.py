"""Prices an item (the database it reads is what the scenario slows down)."""


def handler(event, context):
    return {"sku": event.get("sku"), "price": 42}
