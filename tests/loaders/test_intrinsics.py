"""Static evaluation of CloudFormation intrinsics (loaders/intrinsics.Resolver), on the examples of the
CloudFormation User Guide's intrinsic function reference:
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html
(pages Fn::Sub, Fn::Join, Fn::Select, Fn::FindInMap, Fn::If, Ref, Fn::GetAtt).

What cannot be known before deployment (a pseudo parameter, a resource's attribute, a parameter without a
default, a condition) is UNKNOWN, never a guess: rules built on a guessed value give false alarms.
"""

from __future__ import annotations

from typing import Any

import pytest

from lambdoctor.loaders.intrinsics import Resolver
from lambdoctor.model import UNKNOWN, Target

PARAMETERS = {
    "InstanceTypeParameter": {"Type": "String", "Default": "t2.micro"},
    "Stage": {"Type": "String", "Default": "prod"},
    "RootDomainName": {"Type": "String"},  # no Default: known only at deploy time
    "BatchSize": {"Type": "Number", "Default": "10"},
}
# Fn::FindInMap page: the RegionMap example
MAPPINGS = {
    "RegionMap": {
        "us-east-1": {"HVM64": "ami-0ff8a91507f77f867", "HVMG2": "ami-0a584ac55a7631c0c"},
        "us-west-1": {"HVM64": "ami-0bdb828fd58c52235", "HVMG2": "ami-066ee5fd4a9ef77f1"},
    }
}
RESOURCES = {"MyQueue": {"Type": "AWS::SQS::Queue"}, "OtherQueue": {"Type": "AWS::SQS::Queue"},
             "vpc": {"Type": "AWS::EC2::VPC"}}


def resolver(**overrides: Any) -> Resolver:
    return Resolver(PARAMETERS, MAPPINGS, RESOURCES, overrides or None)


@pytest.mark.parametrize(("node", "expected"), [
    # Fn::Join page: "a:b:c"
    ({"Fn::Join": [":", ["a", "b", "c"]]}, "a:b:c"),
    # Fn::Join of a parameter's default
    ({"Fn::Join": ["-", [{"Ref": "Stage"}, "orders"]]}, "prod-orders"),
    # Fn::Join of a pseudo parameter: the Partition is the deployment's
    ({"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::elasticbeanstalk-*-",
                        {"Ref": "AWS::AccountId"}]]}, UNKNOWN),
    # Fn::Select page: the second of four fruits; the index may be a string
    ({"Fn::Select": ["1", ["apples", "grapes", "oranges", "mangoes"]]}, "grapes"),
    ({"Fn::Select": [0, ["apples"]]}, "apples"),
    ({"Fn::Select": [4, ["apples", "grapes"]]}, UNKNOWN),  # out of range: the stack would fail, we do not guess
    ({"Fn::Select": ["0", {"Fn::GetAZs": ""}]}, UNKNOWN),  # the Region's zones
    # Fn::FindInMap page: RegionMap with literal keys; with the Region pseudo parameter it is unknown
    ({"Fn::FindInMap": ["RegionMap", "us-east-1", "HVM64"]}, "ami-0ff8a91507f77f867"),
    ({"Fn::FindInMap": ["RegionMap", {"Ref": "AWS::Region"}, "HVM64"]}, UNKNOWN),
    ({"Fn::FindInMap": ["RegionMap", "eu-west-3", "HVM64"]}, UNKNOWN),  # no such key
    # Ref page: a parameter gives its value (its default before deployment)
    ({"Ref": "InstanceTypeParameter"}, "t2.micro"),
    ({"Ref": "RootDomainName"}, UNKNOWN),
    ({"Ref": "MyQueue"}, UNKNOWN),  # a resource's physical ID is made at deploy time
    # Fn::Sub page: ${!Literal} writes ${Literal}; variables from the parameters and the second argument
    ({"Fn::Sub": "${!Literal}-${Stage}"}, "${Literal}-prod"),
    ({"Fn::Sub": ["www.${Domain}", {"Domain": "example.com"}]}, "www.example.com"),
    ({"Fn::Sub": ["www.${Domain}", {"Domain": {"Ref": "RootDomainName"}}]}, UNKNOWN),
    ({"Fn::Sub": "arn:aws:ec2:${AWS::Region}:${AWS::AccountId}:vpc/${vpc}"}, UNKNOWN),
    ({"Fn::Sub": "no variables at all"}, "no variables at all"),
    # Fn::If: the condition is the deployment's; only a value both branches agree on is known
    ({"Fn::If": ["CreateProdResources", "c1.xlarge", "m1.small"]}, UNKNOWN),
    ({"Fn::If": ["IsProd", 30, 30]}, 30),
    # Fn::GetAtt and the functions we do not evaluate
    ({"Fn::GetAtt": ["MyQueue", "Arn"]}, UNKNOWN),
    ({"Fn::Base64": "hello"}, UNKNOWN),
    ({"Fn::ImportValue": "SharedQueueArn"}, UNKNOWN),
    # not an intrinsic: a literal and a plain mapping are themselves
    ("literal", "literal"),
    ({"Key": "Value"}, {"Key": "Value"}),
    ({"A": 1, "Ref": "Stage"}, {"A": 1, "Ref": "Stage"}),
])
def test_value_is_what_cloudformation_would_compute_or_unknown(node: Any, expected: Any) -> None:
    assert resolver().value(node) == expected


def test_a_parameter_given_at_deploy_time_overrides_its_default() -> None:
    r = resolver(Stage="dev", RootDomainName="example.org")
    assert r.value({"Fn::Sub": "${Stage}.${RootDomainName}"}) == "dev.example.org"


@pytest.mark.parametrize(("node", "expected"), [
    ({"Ref": "BatchSize"}, 10),  # a Number parameter's default is a string in the template
    ("  25 ", 25),
    (7.0, 7),
    (7.5, UNKNOWN),
    (True, UNKNOWN),  # YAML true is not a number for CloudFormation
    ("ten", UNKNOWN),
    ({"Ref": "RootDomainName"}, UNKNOWN),
])
def test_int_value(node: Any, expected: Any) -> None:
    assert resolver().int_value(node) == expected


@pytest.mark.parametrize(("node", "default", "expected"), [
    (True, False, True),
    ("True", False, True),  # CloudFormation accepts the string forms of booleans
    ("false", True, False),
    ({"Ref": "RootDomainName"}, True, True),  # unknown: the caller's safe default
    ({"Ref": "RootDomainName"}, False, False),
])
def test_bool_value(node: Any, default: bool, expected: bool) -> None:
    assert resolver().bool_value(node, default) is expected


def test_str_value_writes_scalars_as_cloudformation_does() -> None:
    r = resolver()
    assert (r.str_value(None), r.str_value(True), r.str_value(300), r.str_value({"Ref": "MyQueue"})) == (
        None, "true", "300", UNKNOWN)


@pytest.mark.parametrize(("node", "refs"), [
    ({"Ref": "MyQueue"}, {"MyQueue"}),
    ({"Ref": "Stage"}, set()),  # a parameter is not a resource
    ({"Fn::GetAtt": ["MyQueue", "Arn"]}, {"MyQueue"}),
    ({"Fn::GetAtt": "MyQueue.Arn"}, {"MyQueue"}),  # the short form's string
    ({"Fn::Sub": "${MyQueue.Arn}/${OtherQueue}"}, {"MyQueue", "OtherQueue"}),
    ({"Fn::Sub": ["${Q}", {"Q": {"Fn::GetAtt": ["OtherQueue", "Arn"]}}]}, {"OtherQueue"}),
    ({"Fn::Sub": "${!MyQueue}"}, set()),  # an escaped literal names nothing
    ({"Fn::Join": ["", [{"Ref": "vpc"}, {"Fn::GetAtt": ["MyQueue", "QueueName"]}]]}, {"vpc", "MyQueue"}),
    ({"Fn::GetAtt": ["Missing", "Arn"]}, set()),
])
def test_refs_in_finds_every_resource_a_value_points_at(node: Any, refs: set[str]) -> None:
    assert resolver().refs_in(node) == refs


@pytest.mark.parametrize(("node", "target"), [
    ({"Fn::GetAtt": ["MyQueue", "Arn"]}, Target(ref="MyQueue")),
    ("MyQueue", Target(ref="MyQueue")),  # SAM's short form: a logical ID as a plain string
    ("arn:aws:sqs:us-east-1:123456789012:orders", Target(arn="arn:aws:sqs:us-east-1:123456789012:orders")),
    ({"Fn::Sub": "arn:aws:sqs:eu-west-1:123456789012:${Stage}-orders"},
     Target(arn="arn:aws:sqs:eu-west-1:123456789012:prod-orders")),
    ({"Fn::Join": ["", [{"Ref": "MyQueue"}, {"Ref": "OtherQueue"}]]}, Target(unresolved=True)),
    ({"Fn::ImportValue": "SharedQueueArn"}, Target(unresolved=True)),
    (None, None),
])
def test_target_follows_a_reference_to_one_resource(node: Any, target: Target | None) -> None:
    assert resolver().target(node) == target


@pytest.mark.parametrize(("node", "text"), [
    ({"Fn::Sub": "${AWS::StackName}-photos"}, "${AWS::StackName}-photos"),
    ({"Fn::Sub": "${Stage}-${RootDomainName}"}, "prod-${RootDomainName}"),  # a default is used, a bare one kept
    ({"Fn::Sub": ["arn:${AWS::Partition}:s3:::${b}/*", {"b": {"Fn::Sub": "${AWS::StackName}-photos"}}]},
     "arn:${AWS::Partition}:s3:::${AWS::StackName}-photos/*"),
    ({"Fn::Join": ["-", [{"Ref": "AWS::StackName"}, "photos"]]}, "${AWS::StackName}-photos"),
    ({"Ref": "AWS::Region"}, "${AWS::Region}"),
    ({"Fn::Sub": "${MyQueue.Arn}"}, None),  # a resource's attribute: not a name known before deployment
    ({"Ref": "MyQueue"}, None),
    ({"Fn::GetAtt": ["MyQueue", "Arn"]}, None),
    ("plain", "plain"),
])
def test_symbolic_keeps_what_only_the_deployment_knows_as_placeholders(node: Any, text: str | None) -> None:
    assert resolver().symbolic(node) == text
