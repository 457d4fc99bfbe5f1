"""What an execution role allows, for the code-versus-role rules (SEC005, SEC006).

IAM evaluation, reduced to what a template tells: an explicit Deny wins, then any Allow. Actions match with
wildcards, case-insensitively; ``NotAction``/``NotResource`` are honoured. Where a statement's resources cannot
be compared with the resource the code uses (a literal ARN pattern, an unresolved intrinsic, a customer managed
policy) the answer is "allowed", never a false alarm.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from lambdoctor.iam_data import managed_policy
from lambdoctor.model import Application, Function, Role, Statement
from lambdoctor.rules.queries import statement_covers_action


@dataclass(frozen=True)
class RolePolicy:
    statements: tuple[Statement, ...]
    complete: bool  # every policy attached is known; otherwise "not allowed here" may be allowed elsewhere


def role_policy(role: Role) -> RolePolicy:
    statements = list(role.statements)
    complete = True
    for arn in role.managed_policy_arns:
        # AWS managed policies are read from their documents (lambdoctor.iam_data); a customer managed policy
        # or one newer than the data set may allow anything.
        policy = managed_policy(arn, role.ref)
        if policy is None:
            complete = False
            continue
        statements.extend(policy.statements)
    if any(s.unresolved for s in statements):
        complete = False
    return RolePolicy(tuple(statements), complete)


def _resource_verdict(st: Statement, resource: str | None) -> Literal["yes", "no", "maybe"]:
    """Does the statement's Resource cover the logical ID the code acts on?"""
    if st.conditional:
        return "maybe"  # a Condition (a tag, the calling service) the template cannot evaluate
    if resource is None:
        return "yes"
    if st.not_resources:
        return "maybe"
    if resource in st.resource_refs or "*" in st.resources:
        return "yes"
    # Literal patterns other than '*' (a name, an ARN with wildcards) cannot be compared with a logical ID.
    literal = [r for r in st.resources if not r.startswith("${") and "${" not in r]
    if st.unresolved or (literal and not st.resource_refs):
        return "maybe"
    return "no"


Verdict = Literal["allowed", "denied", "not-allowed", "not-for-resource", "unknown"]


def evaluate(policy: RolePolicy, action: str, resource: str | None) -> Verdict:
    for st in policy.statements:
        if st.effect == "Deny" and statement_covers_action(st, action) and _resource_verdict(st, resource) == "yes":
            return "denied"
    allowing = [st for st in policy.statements if st.effect == "Allow" and statement_covers_action(st, action)]
    if not allowing:
        return "not-allowed" if policy.complete else "unknown"
    verdicts = {_resource_verdict(st, resource) for st in allowing}
    if "yes" in verdicts:
        return "allowed"
    if "maybe" in verdicts or not policy.complete:
        return "unknown"
    return "not-for-resource"


def _policy_actions(name: str) -> set[str]:
    """The actions of one of Lambda's own AWS managed execution policies (read from its document)."""
    policy = managed_policy(name)
    return {a for st in policy.statements for a in st.actions} if policy else set()


def platform_actions(app: Application, functions: list[Function]) -> set[str]:
    """What Lambda itself does with a function's role: logs, traces, network interfaces, polling its event
    sources and delivering to its failure destinations. Never reported as unused."""
    actions = {"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "xray:PutTraceSegments",
               "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"}
    for fn in functions:
        if fn.vpc is not None:
            actions |= _policy_actions("AWSLambdaVPCAccessExecutionRole")
        targets = [fn.dead_letter] + ([fn.async_config.on_failure, fn.async_config.on_success]
                                      if fn.async_config else [])
        for es in app.sources_of(fn.id):
            if es.kind == "sqs":
                actions |= {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
                            "sqs:ChangeMessageVisibility"}
            elif es.kind == "kinesis":
                actions |= _policy_actions("AWSLambdaKinesisExecutionRole")
            elif es.kind == "dynamodb":
                actions |= _policy_actions("AWSLambdaDynamoDBExecutionRole")
            elif es.kind in ("msk", "kafka", "mq"):
                return {"*"}  # brokers need a long, version-dependent list: do not judge
            targets.append(es.on_failure)
        if any(t is not None for t in targets):
            actions |= {"sqs:SendMessage", "sns:Publish", "lambda:InvokeFunction", "events:PutEvents"}
    return actions
