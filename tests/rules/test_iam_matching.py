"""IAM matching as SEC005/SEC006 use it (rules/queries.action_matches, rules/permissions.evaluate), on the
examples of the IAM User Guide:
- Action element: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
  ("iam:*AccessKey*", "s3:*", case-insensitive action names; `*` and `?` are the only wildcards)
- NotAction: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html
- Evaluation logic (an explicit Deny overrides any Allow; no Allow is an implicit deny):
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html

Where a template cannot tell (a managed policy we do not know, an unresolved resource) the verdict is
"unknown", which the rules never report: a false "missing permission" is worse than a missed one.
"""

from __future__ import annotations

import pytest

from lambdoctor.model import Role, SourceRef, Statement
from lambdoctor.rules.permissions import RolePolicy, evaluate, role_policy
from lambdoctor.rules.queries import action_matches, statement_covers_action

REF = SourceRef("template.yaml", 1)


def allow(*actions: str, resources: tuple[str, ...] = (), refs: frozenset[str] = frozenset(),
          effect: str = "Allow", not_actions: tuple[str, ...] = (), unresolved: bool = False) -> Statement:
    return Statement(effect, actions, resources, refs, REF, not_actions=not_actions,  # type: ignore[arg-type]
                     unresolved=unresolved)


@pytest.mark.parametrize(("pattern", "action", "matches"), [
    ("s3:*", "s3:GetObject", True),
    ("s3:*", "s3-object-lambda:GetObject", False),  # the service prefix is whole
    ("iam:*AccessKey*", "iam:CreateAccessKey", True),
    ("iam:*AccessKey*", "iam:ListAccessKeys", True),
    ("iam:*AccessKey*", "iam:CreateUser", False),
    ("SQS:SendMessage", "sqs:sendmessage", True),  # action names are case-insensitive
    ("sqs:Send*", "sqs:SendMessageBatch", True),
    ("sqs:SendMessage", "sqs:SendMessageBatch", False),  # no wildcard: the whole name
    ("dynamodb:?etItem", "dynamodb:GetItem", True),
    ("dynamodb:?etItem", "dynamodb:BatchGetItem", False),
    ("*", "kms:Decrypt", True),
    ("s3:Get[Object]", "s3:GetO", False),  # brackets are literal in IAM, not a character class
    ("s3:Get[Object]", "s3:Get[Object]", True),
])
def test_action_patterns_match_as_iam_does(pattern: str, action: str, matches: bool) -> None:
    assert action_matches(pattern, action) is matches


def test_not_action_takes_in_every_action_but_the_listed() -> None:
    # NotAction page: "NotAction": "iam:*" with Allow allows everything outside IAM
    st = allow(not_actions=("iam:*",), resources=("*",))
    assert [statement_covers_action(st, a) for a in ("s3:GetObject", "iam:CreateUser", "IAM:PassRole")] == [
        True, False, False]


def policy(*statements: Statement, complete: bool = True) -> RolePolicy:
    return RolePolicy(statements, complete)


@pytest.mark.parametrize(("statements", "complete", "action", "resource", "verdict"), [
    # an Allow on the queue the code sends to
    ((allow("sqs:SendMessage", refs=frozenset({"Queue"})),), True, "sqs:SendMessage", "Queue", "allowed"),
    ((allow("sqs:*", resources=("*",)),), True, "sqs:SendMessage", "Queue", "allowed"),
    # an explicit Deny overrides the Allow
    ((allow("sqs:*", resources=("*",)), allow("sqs:SendMessage", resources=("*",), effect="Deny")), True,
     "sqs:SendMessage", "Queue", "denied"),
    # a Deny of another action leaves the Allow
    ((allow("sqs:*", resources=("*",)), allow("sqs:DeleteQueue", resources=("*",), effect="Deny")), True,
     "sqs:SendMessage", "Queue", "allowed"),
    # nothing allows it: an implicit deny, when every attached policy is known
    ((allow("sqs:ReceiveMessage", resources=("*",)),), True, "sqs:SendMessage", "Queue", "not-allowed"),
    ((allow("sqs:ReceiveMessage", resources=("*",)),), False, "sqs:SendMessage", "Queue", "unknown"),
    # allowed, but on another resource of the template
    ((allow("sqs:SendMessage", refs=frozenset({"OtherQueue"})),), True, "sqs:SendMessage", "Queue",
     "not-for-resource"),
    # a literal ARN pattern cannot be compared with a logical ID: never a false alarm
    ((allow("sqs:SendMessage", resources=("arn:aws:sqs:*:*:orders-*",)),), True, "sqs:SendMessage", "Queue",
     "unknown"),
    ((allow("sqs:SendMessage", unresolved=True),), True, "sqs:SendMessage", "Queue", "unknown"),
    # an action on no particular resource
    ((allow("cloudwatch:PutMetricData", resources=("*",)),), True, "cloudwatch:PutMetricData", None, "allowed"),
])
def test_evaluate_follows_the_iam_evaluation_logic(statements: tuple[Statement, ...], complete: bool,
                                                   action: str, resource: str | None, verdict: str) -> None:
    assert evaluate(policy(*statements, complete=complete), action, resource) == verdict


def test_a_known_managed_policy_counts_and_an_unknown_one_makes_the_answer_unknown() -> None:
    basic = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    known = role_policy(Role("Role", REF, managed_policy_arns=(basic,)))
    assert known.complete
    assert evaluate(known, "logs:PutLogEvents", None) == "allowed"
    assert evaluate(known, "sqs:SendMessage", "Queue") == "not-allowed"
    unknown = role_policy(Role("Role", REF, managed_policy_arns=(basic, "arn:aws:iam::123456789012:policy/team")))
    assert not unknown.complete
    assert evaluate(unknown, "sqs:SendMessage", "Queue") == "unknown"
