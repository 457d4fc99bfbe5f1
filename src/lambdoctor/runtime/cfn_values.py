"""What an environment variable's intrinsic gives when CloudFormation deploys the template, built locally.

The values are the documented return values of ``Ref`` and ``Fn::GetAtt`` per resource type (CloudFormation User
Guide, each resource's "Return values" section): a queue's ``Ref`` is its URL and ``Arn``/``QueueName`` its ARN and
name; a topic's ``Ref`` is its ARN; a bucket's, table's, stream's and function's ``Ref`` is the name, ``Arn`` the ARN
(``arn:aws:s3:::name`` for a bucket). Parameters are their ``--var`` or default value; pseudo parameters come from
the stated local account, Region and stack name. A physical name the template does not give is the logical ID
here (CloudFormation generates ``<stack>-<LogicalId>-<random>``: said in a note).
What cannot be known locally (an ``Fn::ImportValue``, an attribute only AWS creates, a parameter without a value)
is a placeholder, ``<unknown: …>``, with a note.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from lambdoctor.model import Application

_SUB_VAR = re.compile(r"\$\{(?!!)([^}]+)\}")


@dataclass
class LocalStack:
    """The application as deployed locally: its account, Region and stack name."""

    app: Application
    stack: str = "local"
    region: str = "us-east-1"
    account: str = "123456789012"
    notes: list[str] = field(default_factory=list)

    def _note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def name_of(self, logical_id: str) -> str | None:
        """The physical name of a resource of the template (None: not one of its resources). One the template does
        not name is named after its logical ID here, where CloudFormation would generate ``<stack>-<LogicalId>-
        <random>``: the simulator finds the queue, topic or function a handler calls by that name."""
        app = self.app
        fn = app.functions.get(logical_id)
        queue = app.queues.get(logical_id)
        resource = app.resources.get(logical_id)
        for name in (fn.name if fn else None, queue.name if queue else None, resource.name if resource else None):
            if isinstance(name, str):
                return name
        if logical_id not in app.types:
            return None
        self._note(f"{logical_id} has no name in the template: it is named {logical_id} here (CloudFormation "
                   f"generates {self.stack}-{logical_id}-<random>)")
        return logical_id

    def _arn(self, service: str, resource: str, region: bool = True) -> str:
        return f"arn:aws:{service}:{self.region if region else ''}:{self.account if region else ''}:{resource}"

    def ref(self, logical_id: str) -> str:
        if logical_id in self.app.parameters:
            return self.app.parameters[logical_id]
        pseudo = {"AWS::Region": self.region, "AWS::AccountId": self.account, "AWS::StackName": self.stack,
                  "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com",
                  "AWS::StackId": self._arn("cloudformation", f"stack/{self.stack}/00000000-0000-4000-8000-"
                                            "000000000000")}
        if logical_id in pseudo:
            return pseudo[logical_id]
        kind = self.app.types.get(logical_id)
        name = self.name_of(logical_id)
        if kind is None or name is None:
            return self._unknown(f"Ref {logical_id}", f"{logical_id} is not a parameter with a value or a resource "
                                 "of the template (give it with --var or --env)")
        if kind == "AWS::SQS::Queue":
            return f"https://sqs.{self.region}.amazonaws.com/{self.account}/{name}"
        if kind == "AWS::SNS::Topic":
            return self._arn("sns", name)
        if kind in ("AWS::StepFunctions::StateMachine", "AWS::Serverless::StateMachine"):
            return self._arn("states", f"stateMachine:{name}")
        return name  # functions, buckets, tables, streams, roles, parameters, event buses: the name

    def get_att(self, logical_id: str, attribute: str) -> str:
        kind = self.app.types.get(logical_id)
        name = self.name_of(logical_id)
        if kind is None or name is None:
            return self._unknown(f"GetAtt {logical_id}.{attribute}", f"{logical_id} is not a resource of the "
                                 "template")
        arns = {
            "AWS::SQS::Queue": self._arn("sqs", name),
            "AWS::SNS::Topic": self._arn("sns", name),
            "AWS::S3::Bucket": f"arn:aws:s3:::{name}",
            "AWS::DynamoDB::Table": self._arn("dynamodb", f"table/{name}"),
            "AWS::Serverless::SimpleTable": self._arn("dynamodb", f"table/{name}"),
            "AWS::Kinesis::Stream": self._arn("kinesis", f"stream/{name}"),
            "AWS::Lambda::Function": self._arn("lambda", f"function:{name}"),
            "AWS::Serverless::Function": self._arn("lambda", f"function:{name}"),
            "AWS::IAM::Role": f"arn:aws:iam::{self.account}:role/{name}",
            "AWS::Events::EventBus": self._arn("events", f"event-bus/{name}"),
        }
        if attribute == "Arn" and kind in arns:
            return arns[kind]
        known = {
            ("AWS::SQS::Queue", "QueueName"): name,
            ("AWS::SQS::Queue", "QueueUrl"): f"https://sqs.{self.region}.amazonaws.com/{self.account}/{name}",
            ("AWS::SNS::Topic", "TopicName"): name,
            ("AWS::SNS::Topic", "TopicArn"): self._arn("sns", name),
            ("AWS::S3::Bucket", "DomainName"): f"{name}.s3.amazonaws.com",
            ("AWS::S3::Bucket", "RegionalDomainName"): f"{name}.s3.{self.region}.amazonaws.com",
            ("AWS::S3::Bucket", "WebsiteURL"): f"http://{name}.s3-website-{self.region}.amazonaws.com",
            ("AWS::IAM::Role", "RoleId"): "AROALOCAL000000000000",
        }
        if (kind, attribute) in known:
            return known[(kind, attribute)]
        return self._unknown(f"GetAtt {logical_id}.{attribute}", f"{kind}'s {attribute} exists only once AWS has "
                             "created the resource")

    def _unknown(self, what: str, why: str) -> str:
        self._note(f"{what} cannot be known locally ({why}): a placeholder here")
        return f"<unknown: {what}>"

    def value(self, node: Any) -> str:
        """The text of an intrinsic (or a plain value) as the function would see it in its environment."""
        if isinstance(node, (str, int, float)) and not isinstance(node, bool):
            return str(node)
        if isinstance(node, bool):
            return "true" if node else "false"
        if isinstance(node, dict) and len(node) == 1:
            key, arg = next(iter(node.items()))
            if key == "Ref" and isinstance(arg, str):
                return self.ref(arg)
            if key == "Fn::GetAtt":
                parts = arg.split(".", 1) if isinstance(arg, str) else arg
                if isinstance(parts, list) and len(parts) == 2 and all(isinstance(p, str) for p in parts):
                    return self.get_att(parts[0], parts[1])
            if key == "Fn::Sub":
                text, local = (arg[0], arg[1]) if isinstance(arg, list) and len(arg) == 2 else (arg, {})
                if isinstance(text, str) and isinstance(local, dict):
                    def repl(m: re.Match[str]) -> str:
                        name = m.group(1).strip()
                        if name in local:
                            return self.value(local[name])
                        if "." in name and not name.startswith("AWS::"):
                            resource, attribute = name.split(".", 1)
                            return self.get_att(resource, attribute)
                        return self.ref(name)
                    return _SUB_VAR.sub(repl, text).replace("${!", "${")
            if key == "Fn::Join" and isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], list):
                return self.value(arg[0]).join(self.value(p) for p in arg[1])
            if key == "Fn::Select" and isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], list):
                try:
                    return self.value(arg[1][int(self.value(arg[0]))])
                except (ValueError, IndexError):
                    pass
            return self._unknown(key, f"{key} is not evaluated locally")
        return self._unknown("a value", "not a string, a number or an intrinsic")

    def expression(self, text: str) -> str:
        try:
            return self.value(json.loads(text))
        except ValueError:
            return self._unknown("a value", "not readable")
