from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, idempotent

persistence = DynamoDBPersistenceLayer(table_name="idempotency")


@idempotent(persistence_store=persistence)
def handler(event, context):
    return {"sent": len(event["Records"])}
