from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig, idempotent

persistence = DynamoDBPersistenceLayer(table_name="idempotency")
config = IdempotencyConfig(event_key_jmespath="detail.id", expires_after_seconds=1800)


@idempotent(config=config, persistence_store=persistence)
def handler(event, context):
    return {"charged": event["detail"]["amount"]}
