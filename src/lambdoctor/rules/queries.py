"""Questions several rules ask of the model: who alarms on what, what a role allows, who fronts a function."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from typing import Protocol, TypeVar

from lambdoctor.facts import ArgValue, CodeFacts
from lambdoctor.model import Alarm, Application, Function, Role, SourceRef, Statement

# synchronous callers a person waits on (Step Functions also invokes synchronously, but a workflow waits)
SYNC_KINDS = frozenset({"api", "http_api", "websocket", "alb", "alexa", "cognito", "lex", "cloudfront",
                        "iot_authorizer"})
STREAM_KINDS = frozenset({"kinesis", "dynamodb"})
QUEUE_KINDS = frozenset({"sqs"})
POLL_BATCH_KINDS = frozenset({"sqs", "kinesis", "dynamodb"})


def role_of(app: Application, fn: Function) -> Role | None:
    if fn.role and fn.role.ref:
        return app.roles.get(fn.role.ref)
    return None


def is_latency_sensitive(app: Application, fn: Function) -> bool:
    """Fronted by an API, a load balancer or a function URL: a person is waiting on the response."""
    if any(e.kind in SYNC_KINDS for e in app.sources_of(fn.id)):
        return True
    return any(u.function == fn.id for u in app.function_urls)


def alarms_on(app: Application, fn: Function, metric_names: set[str], namespace: str = "AWS/Lambda"
              ) -> list[Alarm]:
    """Alarms whose metrics (or metric-math inputs) include one of ``metric_names`` for this function.

    An alarm on the metric without any FunctionName dimension watches every function of the account together,
    which does cover this one.
    """
    found: list[Alarm] = []
    for name in sorted(metric_names):
        entry = app.alarm_index.get((namespace, name))
        if entry is None:
            continue
        found += entry.by_function.get(fn.id, [])
        if fn.name:
            found += entry.by_name.get(fn.name, [])
        found += entry.account_wide
    return list(dict.fromkeys(found))  # one alarm may watch several of the metrics: keep it once, in order


def production_functions(app: Application) -> list[Function]:
    """The functions the alarm rules judge: not the handlers of CloudFormation custom resources, which run only
    while a stack deploys."""
    return [fn for fn in app.functions.values() if not fn.custom_resource_handler]


def no_alarm_at_all(app: Application) -> bool:
    """Functions and not one alarm: the alarm rules say so once for the application, not three times per
    function (on real templates OBS001-003 fired on every template, three quarters of all findings)."""
    return not app.alarms and len(production_functions(app)) > 0


def alarms_referencing(app: Application, logical_id: str) -> list[Alarm]:
    return [a for a in app.alarms if any(logical_id in m.resources or logical_id in m.functions
                                         for m in a.metrics)]


@lru_cache(maxsize=4096)
def _action_regex(pattern: str) -> re.Pattern[str]:
    # `*` and `?` are IAM's only wildcards; anything else, brackets included, is literal (fnmatch would read
    # "[...]" as a character class)
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
    return re.compile(re.escape(pattern.lower()).replace(r"\*", ".*").replace(r"\?", "."), re.DOTALL)


def action_matches(pattern: str, action: str) -> bool:
    """IAM action patterns are case-insensitive and use * and ? wildcards."""
    return bool(_action_regex(pattern).fullmatch(action.lower()))


def statement_covers_action(st: Statement, action: str) -> bool:
    """The statement's Action (or NotAction) takes in this action, whatever its effect."""
    if st.not_actions:
        return not any(action_matches(p, action) for p in st.not_actions)
    return any(action_matches(p, action) for p in st.actions)


def statement_allows(st: Statement, action: str) -> bool:
    return st.effect == "Allow" and statement_covers_action(st, action)


def statement_targets(st: Statement, logical_id: str, names: tuple[str, ...] = (), symbolic: str | None = None
                      ) -> bool:
    """The statement's resources name this resource explicitly: by reference, by its literal name, or by the
    same deploy-time name (``${AWS::StackName}-photos`` in both the bucket and the policy, the pattern SAM's
    documentation gives to avoid a circular dependency between a bucket and its function)."""
    if logical_id in st.resource_refs:
        return True
    if any(n and any(n in r for r in st.resources) for n in names):
        return True
    return bool(symbolic) and any(_names_resource(r, str(symbolic)) for r in st.symbolic_resources)


def _names_resource(arn: str, name: str) -> bool:
    """The ARN (pattern) ends with the name, or with the name and a path (``...:::bucket/*``)."""
    return arn == name or arn.endswith((":" + name, "/" + name)) or f":{name}/" in arn


# The resource types an SDK client's resource argument can name (a table and a function may share a name).
_SERVICE_TYPES = {
    "dynamodb": frozenset({"AWS::DynamoDB::Table", "AWS::Serverless::SimpleTable"}),
    "s3": frozenset({"AWS::S3::Bucket"}),
    "sqs": frozenset({"AWS::SQS::Queue"}),
    "sns": frozenset({"AWS::SNS::Topic"}),
    "kinesis": frozenset({"AWS::Kinesis::Stream"}),
    "lambda": frozenset(),  # functions only
}


def resources_named_by(app: Application, fn: Function, value: ArgValue | None,
                       service: str | None = None) -> frozenset[str]:
    """The logical IDs an SDK call's resource argument points at: through the environment variable it reads
    (whose value is a Ref/GetAtt/Sub of the resource) or a literal equal to the resource's physical name. With
    ``service``, a literal name matches only resources of that service: a DynamoDB call's "orders" is the table,
    not a function also named "orders"."""
    if value is None:
        return frozenset()
    literal = value.literal
    if value.env is not None:
        var = next((v for v in fn.environment if v.name == value.env), None)
        if var is None:
            return frozenset()
        if var.refs:
            return var.refs
        literal = var.literal
    if not literal:
        return frozenset()
    text = literal

    def named(name: object) -> bool:
        # a name, or an ARN / queue URL that ends with it
        return isinstance(name, str) and bool(name) and (text == name or text.endswith(("/" + name, ":" + name)))

    types = _SERVICE_TYPES.get(service or "")
    found = {rid for rid, res in app.resources.items() if named(res.name) and (types is None or res.type in types)}
    if types is None or service == "lambda":
        found |= {fid for fid, f in app.functions.items() if named(f.name)}
    return frozenset(found)


def with_code(app: Application) -> Iterator[tuple[Function, CodeFacts]]:
    """The functions whose handler code was analyzed, with its facts, by logical ID."""
    for fid in sorted(app.code):
        fn = app.functions.get(fid)
        if fn is not None:
            yield fn, app.code[fid]


class _Located(Protocol):
    @property
    def ref(self) -> SourceRef: ...


Fact = TypeVar("Fact", bound=_Located)


def code_facts_once(app: Application, pick: Callable[[CodeFacts], Iterable[Fact]], by_column: bool = False
                    ) -> Iterator[tuple[Function, Fact]]:
    """The facts ``pick`` selects from every handler, each place once: a file serving several functions is
    reported on the first of them by logical ID, not once per function."""
    seen: set[tuple[str, int, int]] = set()
    for fn, facts in with_code(app):
        for fact in pick(facts):
            key = (fact.ref.file, fact.ref.line, fact.ref.column if by_column else 0)
            if key not in seen:
                seen.add(key)
                yield fn, fact

