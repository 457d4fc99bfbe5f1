"""Live AWS accounts, read through boto3 (imported only by the commands that need it)."""
