"""Terraform → the CloudFormation-shaped resources the rules already read → the model.

A module folder of ``.tf`` files is read with python-hcl2's grammar (no Terraform binary, no provider, no
network); variables take their defaults, ``terraform.tfvars``/``*.auto.tfvars`` and ``--var``; locals, ``count``,
``for_each``, ``dynamic`` blocks and local child modules (``source = "../x"``) are evaluated where their inputs are
known. A plan (``terraform show -json``) is read too: its values are what Terraform computed, and the references
of its configuration link what is only known after apply.

Each Terraform resource becomes the CloudFormation resource with the same meaning (``aws_lambda_function`` →
``AWS::Lambda::Function``, ``aws_sqs_queue`` → ``AWS::SQS::Queue`` ...), under its Terraform address
(``aws_lambda_function.api``, ``module.orders.aws_lambda_function.this[0]``), and positioned at the lines of the
``.tf`` file it came from. Relations Terraform expresses with separate resources (policy attachments, bucket
notifications, event targets, redrive policies) are folded into the resource they configure.

The parts: ``evaluate`` (a module's expressions and instances), ``translate`` (resources → CloudFormation),
``modules`` (reading folders), ``plan`` (plan JSON).
"""

from lambdoctor.loaders.terraform.evaluate import MAX_INSTANCES, MAX_MODULE_CALLS
from lambdoctor.loaders.terraform.modules import load_modules
from lambdoctor.loaders.terraform.plan import load_plan

__all__ = ["MAX_INSTANCES", "MAX_MODULE_CALLS", "load_modules", "load_plan"]
