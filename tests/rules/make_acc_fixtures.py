"""Writes tests/rules/ACC*/fail.json and pass.json: account snapshots (`lambdoctor audit --save` format), one per
branch. Run from anywhere: python tests/rules/make_acc_fixtures.py"""
import json
from pathlib import Path
R = Path(__file__).resolve().parent
ARN = "arn:aws:lambda:{region}:123456789012:function:{name}"
DAYS = ["2026-11-20", "2026-11-21", "2026-11-22"]


def fn(name, region="us-east-1", **extra):
    return {"Configuration": {"FunctionName": name, "FunctionArn": ARN.format(region=region, name=name)}, **extra}


def versions(n, size=62914560):
    return [{"Version": str(i), "CodeSize": size} for i in range(1, n + 1)]


def region(name, functions, **extra):
    return {"region": name, **extra, "functions": functions}


def metrics(functions):
    return {"lookback_days": 3, "metric_days": DAYS}


def snapshot(*regions):
    return {"schema": "lambdoctor-account/1", "account": "123456789012", "regions": list(regions)}


def storage(used_gib):
    return {"AccountLimit": {"TotalCodeSize": 80530636800, "ConcurrentExecutions": 1000,
                             "UnreservedConcurrentExecutions": 1000},
            "AccountUsage": {"TotalCodeSize": int(used_gib * 1024**3)}}


def write(rule, side, doc):
    (R / rule).mkdir(parents=True, exist_ok=True)
    (R / rule / f"{side}.json").write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")


# ACC001: at 85 % of the 75 GB quota an error (with the largest histories), at 60 % a warning; 40 % is fine
write("ACC001", "fail", snapshot(
    region("us-east-1", [fn("orders", Versions=versions(40)), fn("billing", Versions=versions(12))],
           account_settings=storage(63.75)),
    region("eu-west-1", [], account_settings=storage(45))))
write("ACC001", "pass", snapshot(region("us-east-1", [fn("orders", Versions=versions(40))],
                                        account_settings=storage(30))))
# ACC002: more unused versions than kept_versions (5); versions an alias names are in use and do not count
write("ACC002", "fail", snapshot(region("us-east-1", [
    fn("orders", Aliases=[{"Name": "live", "FunctionVersion": "9"}, {"Name": "old", "FunctionVersion": "2"}],
       Versions=versions(9)),
    fn("billing", Versions=versions(6, size=1048576))])))
write("ACC002", "pass", snapshot(region("us-east-1", [
    fn("orders", Aliases=[{"Name": "live", "FunctionVersion": "7"}, {"Name": "canary", "FunctionVersion": "6"},
                          {"Name": "old", "FunctionVersion": "1"}], Versions=versions(7))])))
# ACC003: 100 of 1,000 left unreserved (three reservations named); 800 is fine
limits = lambda unreserved: {"AccountLimit": {"ConcurrentExecutions": 1000,
                                              "UnreservedConcurrentExecutions": unreserved}}
write("ACC003", "fail", snapshot(region("us-east-1", [
    fn("ingest", ReservedConcurrency=600), fn("api", ReservedConcurrency=250), fn("jobs", ReservedConcurrency=50),
    fn("free")], account_settings=limits(100))))
write("ACC003", "pass", snapshot(region("us-east-1", [fn("ingest", ReservedConcurrency=200)],
                                        account_settings=limits(800))))
# ACC004: no invocation in the look-back window; a function without metric days is not judged
write("ACC004", "fail", snapshot(region("us-east-1", [
    fn("old-report", Metrics={"Invocations": [0, 0, 0]}), fn("api", Metrics={"Invocations": [5, 0, 9]}),
    fn("unknown")], **metrics(None))))
write("ACC004", "pass", snapshot(region("us-east-1", [fn("old-report", Metrics={"Invocations": [0, 0, 1]})],
                                        **metrics(None))))
# ACC005: a day at 15 % errors; a day at 50 % over only 4 invocations is below the minimum of 20
write("ACC005", "fail", snapshot(region("us-east-1", [
    fn("checkout", Metrics={"Invocations": [1000, 1200, 900], "Errors": [3, 180, 2]}),
    fn("rare", Metrics={"Invocations": [4, 2, 0], "Errors": [2, 0, 0]})], **metrics(None))))
write("ACC005", "pass", snapshot(region("us-east-1", [
    fn("checkout", Metrics={"Invocations": [1000, 1200, 900], "Errors": [3, 40, 2]})], **metrics(None))))
# ACC006: throttles on one day
write("ACC006", "fail", snapshot(region("us-east-1", [
    fn("api", Metrics={"Invocations": [5000, 7000, 6000], "Throttles": [0, 42, 3]})], **metrics(None))))
write("ACC006", "pass", snapshot(region("us-east-1", [
    fn("api", Metrics={"Invocations": [5000, 7000, 6000], "Throttles": [0, 0, 0]})], **metrics(None))))
# ACC007: asynchronous events that could not reach the dead-letter queue
write("ACC007", "fail", snapshot(region("us-east-1", [
    fn("emailer", Metrics={"Invocations": [300, 280, 310], "DeadLetterErrors": [0, 7, 1]})], **metrics(None))))
write("ACC007", "pass", snapshot(region("us-east-1", [
    fn("emailer", Metrics={"Invocations": [300, 280, 310], "DeadLetterErrors": [0, 0, 0]})], **metrics(None))))
