"""SEC rules whose evidence is the handler code: state across invocations, and the code against its role."""

from __future__ import annotations

from collections.abc import Iterator

from lambdoctor.findings import Finding, Severity
from lambdoctor.iam_data import managed_policy
from lambdoctor.model import Application, Function, Role, Statement
from lambdoctor.rules.base import Context, Rule
from lambdoctor.rules.permissions import evaluate, platform_actions, role_policy
from lambdoctor.rules.queries import code_facts_once, resources_named_by, role_of, statement_covers_action, with_code


class RequestDataInGlobalState(Rule):
    """
    ## What it does
    Flags handler code that stores data derived from the event in module-level state: a `global` assigned
    from the event, a module-level list or dict the handler appends to or writes into, a class attribute.

    ## Why is this bad?
    An execution environment is reused for thousands of invocations, one after another, for different
    callers. What one request leaves in module state is there for the next: another user's data shows up in
    a response, a list grows until the function runs out of memory, a flag set by one request changes the
    behaviour of the next.

    ## Example
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Profile:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          Timeout: 10
          InlineCode: |
            CURRENT_USER = None
            def handler(event, context):
                global CURRENT_USER
                CURRENT_USER = event["requestContext"]["authorizer"]["claims"]["sub"]
                return {"statusCode": 200, "body": CURRENT_USER}
    ```

    ## Use instead
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Profile:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          Timeout: 10
          InlineCode: |
            def handler(event, context):
                user = event["requestContext"]["authorizer"]["claims"]["sub"]
                return {"statusCode": 200, "body": user}
    ```
    Keep request data in local variables and pass it along; keep only what is the same for every caller
    (clients, configuration) at module level.

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html
    - https://docs.aws.amazon.com/lambda/latest/dg/best-practices.html
    """

    id = "SEC004"
    slug = "request-data-in-global-state"
    severity = Severity.WARNING
    confidence = "medium"
    confidence_note = ("whether module state holds one request's data is inferred from the handler's AST")
    evidence = "code"

    def check(self, app: Application, ctx: Context) -> Iterator[Finding]:
        for fn, w in code_facts_once(app, lambda f: f.global_writes):
            yield self.on_function(
                app, fn, f"event data is stored in module-level state ({w.target}): it outlives the "
                "invocation and is seen by the next caller in this environment",
                "keep request data in local variables; pass it to the functions that need it", ref=w.ref)


class MissingIamPermission(Rule):
    """
    ## What it does
    Maps every AWS SDK call the handler makes to the IAM action it needs (not the operation's name:
    `list_objects_v2` needs `s3:ListBucket`, `upload_file` needs `s3:PutObject`, `batch_writer` needs
    `dynamodb:BatchWriteItem`) and checks the execution role in the template: wildcards, `NotAction`,
    explicit `Deny`, SAM policy templates, and the resource when the code names it through an environment
    variable that references a resource of the template. Where the role or the resource cannot be resolved
    (an unknown managed policy, a literal ARN pattern) the call is assumed allowed.

    ## Why is this bad?
    Nothing fails at deploy time. The first request that reaches the call in production gets AccessDenied,
    often on an error path that tests never exercised.

    ## Example
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Reports:
        Type: AWS::S3::Bucket
      Export:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          Timeout: 30
          Environment: {Variables: {BUCKET: !Ref Reports}}
          Policies:
            - S3ReadPolicy: {BucketName: !Ref Reports}
          InlineCode: |
            import os, boto3
            S3 = boto3.client("s3")
            def handler(event, context):
                S3.put_object(Bucket=os.environ["BUCKET"], Key="report.csv", Body=b"")
    ```

    ## Use instead
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Reports:
        Type: AWS::S3::Bucket
      Export:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          Timeout: 30
          Environment: {Variables: {BUCKET: !Ref Reports}}
          Policies:
            - S3WritePolicy: {BucketName: !Ref Reports}
          InlineCode: |
            import os, boto3
            S3 = boto3.client("s3")
            def handler(event, context):
                S3.put_object(Bucket=os.environ["BUCKET"], Key="report.csv", Body=b"")
    ```

    ## References
    - https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
    - https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/serverless-policy-templates.html
    """

    id = "SEC005"
    slug = "missing-iam-permission"
    severity = Severity.ERROR
    evidence = "cross"

    def check(self, app: Application, ctx: Context) -> Iterator[Finding]:
        for fn, facts in with_code(app):
            role = role_of(app, fn)
            if role is None:
                continue
            policy = role_policy(role)
            for call in facts.sdk_calls:
                reqs = call.actions
                if reqs is None:
                    continue
                named = resources_named_by(app, fn, call.resource, call.service)
                targets: list[str | None] = [*sorted(named)] or [None]
                for alternatives in reqs:
                    for target in targets:
                        verdicts = {a: evaluate(policy, a, target) for a in alternatives}
                        if any(v in ("allowed", "unknown") for v in verdicts.values()):
                            continue
                        action = alternatives[0]
                        verdict = verdicts[action]
                        where = f" on {target}" if target else ""
                        why = {"denied": "denies it explicitly", "not-allowed": "does not allow it",
                               "not-for-resource": "allows it only on other resources"}[verdict]
                        fix = (f"remove the Deny of {action}, or stop calling {call.method}()" if verdict == "denied"
                               else f"allow {action}{where} in the function's policies")
                        yield self.on_function(
                            app, fn, f"{call.method}() needs {action}{where}; the role {role.id} {why}: "
                            "AccessDenied at run time", fix, ref=call.ref, confidence="high" if target else "medium")
                        break


# Permissions that calls need without naming them: KMS keys behind server-side encryption (SQS, SNS, S3, DynamoDB,
# Secrets Manager, SSM, environment variables), roles handed to services, resource policies and log deliveries that
# services such as OpenSearch and EventBridge create on the caller's behalf ("dependent actions" in the Service
# Authorization Reference). The code never calls them, yet removing them breaks it: never reported as unused.
_IMPLICIT_PREFIXES = ("kms:",)
_IMPLICIT_ACTIONS = frozenset({"iam:passrole", "iam:createservicelinkedrole", "logs:putresourcepolicy",
                               "logs:describeresourcepolicies", "logs:createlogdelivery", "logs:getlogdelivery",
                               "logs:updatelogdelivery", "logs:deletelogdelivery", "logs:listlogdeliveries"})


def _implicit(action: str) -> bool:
    low = action.lower()
    return low.startswith(_IMPLICIT_PREFIXES) or low in _IMPLICIT_ACTIONS


class UnusedIamPermission(Rule):
    """
    ## What it does
    Lists what the execution role allows that the handler never uses: explicit actions of inline statements
    that no SDK call of the code (and nothing the platform does for the function: logs, X-Ray, VPC network
    interfaces, polling its queue or stream, sending to its dead-letter queue) needs, and SAM policy
    templates none of whose actions is used, or whose used part a narrower template (a strict subset, with the
    same parameters) covers (`DynamoDBCrudPolicy` for a `put_item`: `DynamoDBWritePolicy`). Permissions that
    calls need without naming them (KMS keys behind encryption, `iam:PassRole`, resource policies services
    create for the caller) are never reported. Only reported when the analysis followed every SDK use of the
    code; wildcards are SEC001's business.

    ## Why is this bad?
    Every permission the code does not need is one an attacker gets for free through a bug in the handler
    or a compromised dependency: least privilege limits the damage to what the function actually does.

    ## Example
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Orders:
        Type: AWS::DynamoDB::Table
        Properties:
          AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
          KeySchema: [{AttributeName: pk, KeyType: HASH}]
          BillingMode: PAY_PER_REQUEST
      Read:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          Timeout: 10
          Environment: {Variables: {TABLE: !Ref Orders}}
          Policies:
            - Statement:
                - Effect: Allow
                  Action: [dynamodb:GetItem, dynamodb:DeleteItem]
                  Resource: !GetAtt Orders.Arn
          InlineCode: |
            import os, boto3
            TABLE = boto3.resource("dynamodb").Table(os.environ["TABLE"])
            def handler(event, context):
                return TABLE.get_item(Key={"pk": event["id"]}).get("Item")
    ```

    ## Use instead
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Orders:
        Type: AWS::DynamoDB::Table
        Properties:
          AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
          KeySchema: [{AttributeName: pk, KeyType: HASH}]
          BillingMode: PAY_PER_REQUEST
      Read:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          Timeout: 10
          Environment: {Variables: {TABLE: !Ref Orders}}
          Policies:
            - Statement:
                - Effect: Allow
                  Action: [dynamodb:GetItem]
                  Resource: !GetAtt Orders.Arn
          InlineCode: |
            import os, boto3
            TABLE = boto3.resource("dynamodb").Table(os.environ["TABLE"])
            def handler(event, context):
                return TABLE.get_item(Key={"pk": event["id"]}).get("Item")
    ```

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege
    - https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html
    """

    id = "SEC006"
    slug = "unused-iam-permission"
    severity = Severity.INFO
    confidence = "medium"
    confidence_note = ("unused means unused by the SDK calls the analysis followed; code built at run time may "
                       "use more")
    evidence = "cross"

    def check(self, app: Application, ctx: Context) -> Iterator[Finding]:
        by_role: dict[str, list[Function]] = {}
        for other in app.functions.values():
            r = role_of(app, other)
            if r is not None:
                by_role.setdefault(r.id, []).append(other)
        for fn, facts in with_code(app):
            role = role_of(app, fn)
            if role is None or not facts.complete or facts.def_ref is None:
                continue
            sharing = by_role[role.id]
            users = [app.code[f.id] for f in sharing if f.id in app.code]
            if len(users) != len(sharing) or any(not u.complete or u.def_ref is None for u in users):
                continue  # a function whose code we could not follow may use anything
            if min(u.function for u in users) != fn.id:
                continue  # a shared role is judged once, on all of its functions' code together
            used = {a.lower() for a in platform_actions(app, sharing)}
            if "*" in used:
                continue
            for f in users:
                for call in f.sdk_calls:
                    for alternatives in call.actions or ():
                        used.update(a.lower() for a in alternatives)
            yield from self._narrower_templates(app, fn, role.statements, used, ctx)
            yield from self._unused_managed(app, fn, role, used)
            for st in role.statements:
                if st.effect != "Allow" or st.unresolved or st.not_actions:
                    continue
                explicit = [a for a in st.actions if "*" not in a and "?" not in a]
                if not explicit or len(explicit) != len(st.actions):
                    continue
                unused = [a for a in explicit if a.lower() not in used and not _implicit(a)]
                if st.origin != "inline":
                    if len(unused) == len(explicit):
                        yield self.on_function(
                            app, fn, f"policy template {st.origin} grants {', '.join(explicit[:3])}"
                            f"{', ...' if len(explicit) > 3 else ''} but the code never uses any of it",
                            f"remove {st.origin} from the function's policies", ref=st.ref)
                    continue
                if unused:
                    yield self.on_function(
                        app, fn, f"the role allows {', '.join(unused)}, which the code never calls",
                        "remove the unused actions from the statement", ref=st.ref)


    def _unused_managed(self, app: Application, fn: Function, role: Role, used: set[str]) -> Iterator[Finding]:
        """An AWS managed policy (read from its document) none of whose actions the code or the platform uses."""
        for arn in role.managed_policy_arns:
            policy = managed_policy(arn)
            if policy is None:
                continue
            allows = [st for st in policy.statements if st.effect == "Allow"]
            if not allows or any(st.not_actions for st in allows):
                continue  # NotAction grants nearly everything: SEC001's business, not an unused grant
            if any(statement_covers_action(st, a) for st in allows for a in used):
                continue
            actions = [a for st in allows for a in st.actions]
            if all(_implicit(a) for a in actions):
                continue
            yield self.on_function(
                app, fn, f"AWS managed policy {policy.name} grants {', '.join(actions[:3])}"
                f"{', ...' if len(actions) > 3 else ''} but the code never uses any of it",
                f"detach {policy.name} from the function's role", ref=role.ref)

    def _narrower_templates(self, app: Application, fn: Function, statements: tuple[Statement, ...],
                            used: set[str], ctx: Context) -> Iterator[Finding]:
        """A SAM policy template the code uses only part of, when a smaller template with the same parameters
        grants all of that part (DynamoDBCrudPolicy for a put_item: DynamoDBWritePolicy)."""
        by_template: dict[str, list[Statement]] = {}
        for st in statements:
            if st.origin in ctx.policy_templates and st.effect == "Allow":
                by_template.setdefault(st.origin, []).append(st)
        for name, sts in sorted(by_template.items()):
            params, granted = ctx.policy_templates[name]
            needed = {a for a in granted if a in used}
            if not needed or needed == granted or any("*" in a for a in granted):
                continue
            smaller = sorted((len(acts), other) for other, (p, acts) in ctx.policy_templates.items()
                             if p == params and needed <= acts < granted)  # narrower: a strict subset
            if smaller:
                better = smaller[0][1]
                shown = sorted({a for st in sts for a in st.actions if a.lower() in needed}) or sorted(needed)
                yield self.on_function(
                    app, fn, f"policy template {name} grants {len(granted)} actions; the code uses "
                    f"{', '.join(shown)}, which {better} ({smaller[0][0]} actions) covers",
                    f"replace {name} with {better}", ref=sts[0].ref)


RULES: tuple[type[Rule], ...] = (RequestDataInGlobalState, MissingIamPermission, UnusedIamPermission)
