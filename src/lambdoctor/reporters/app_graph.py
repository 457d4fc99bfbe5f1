"""The application as a graph, for the HTML report: what triggers each function (APIs, queues, topics, buckets,
schedules, streams), what each function writes to or invokes (its execution role's resources and its handler's
AWS SDK calls, where the code names the target through an environment variable), and where failures go (DLQs,
on-failure and on-success destinations). A function that writes to what triggers it closes a loop, drawn as one.
Every node carries the highest severity of the findings on that resource."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from lambdoctor.findings import Finding, Severity
from lambdoctor.model import Application, Target

_KIND = {"AWS::SQS::Queue": "queue", "AWS::SNS::Topic": "topic", "AWS::S3::Bucket": "bucket",
         "AWS::DynamoDB::Table": "table", "AWS::Kinesis::Stream": "stream", "AWS::Events::Rule": "rule"}


@dataclass
class Node:
    id: str
    label: str
    kind: str  # function, queue, topic, bucket, table, stream, api, schedule, external ...
    severity: Severity | None = None
    findings: int = 0


@dataclass
class Edge:
    source: str
    target: str
    label: str
    style: str = "solid"  # solid: events; dashed: failures (DLQ, destination); dotted: writes and calls


@dataclass
class Graph:
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)

    def node(self, node_id: str, label: str, kind: str) -> str:
        self.nodes.setdefault(node_id, Node(node_id, label, kind))
        return node_id

    def edge(self, source: str, target: str, label: str, style: str = "solid") -> None:
        edge = Edge(source, target, label, style)
        if edge not in self.edges:
            self.edges.append(edge)


def _target(g: Graph, app: Application, t: Target | None) -> str | None:
    if t is None:
        return None
    if t.ref:
        resource = app.resources.get(t.ref)
        queue = app.queues.get(t.ref)
        kind = "queue" if queue is not None else _KIND.get(resource.type, "resource") if resource else "resource"
        return g.node(t.ref, t.ref, kind)
    if t.arn:
        return g.node(f"external:{t.arn}", t.arn.rsplit(":", 1)[-1] or t.arn, "external")
    return None


# what an action does to its resource, by the verb it starts with: only what writes, sends or invokes is drawn (a
# consumer's role reads its own trigger, which is no edge of the picture)
_WRITES = ("Put", "Send", "Publish", "Invoke", "Write", "Update", "Delete", "Create", "BatchWrite", "Start",
           "Upload", "*")


def _role_writes(app: Application, role_id: str | None) -> list[tuple[str, list[str]]]:
    """(resource logical ID, the write actions the function's execution role allows on it)."""
    role = app.roles.get(role_id) if role_id else None
    out: dict[str, list[str]] = {}
    for st in role.statements if role else ():
        if st.effect != "Allow":
            continue
        writes = sorted({a for a in st.actions if a == "*" or a.split(":", 1)[-1].startswith(_WRITES)})
        for ref in sorted(st.resource_refs):
            if writes and (ref in app.resources or ref in app.queues):
                out.setdefault(ref, [])
                out[ref].extend(w for w in writes if w not in out[ref])
    return sorted(out.items())


def build(apps: Iterable[Application], findings: Sequence[Finding]) -> Graph:
    g = Graph()
    for app in apps:
        for fid in sorted(app.functions):
            fn = app.functions[fid]
            g.node(fid, fid, "function")
            if fn.dead_letter is not None:
                target = _target(g, app, fn.dead_letter)
                if target:
                    g.edge(fid, target, "dead-letter queue", "dashed")
            if fn.async_config is not None:
                for t, label in ((fn.async_config.on_failure, "on failure"), (fn.async_config.on_success,
                                                                              "on success")):
                    target = _target(g, app, t)
                    if target:
                        g.edge(fid, target, label, "dashed")
            facts = app.code.get(fid)
            by_env = {v.name: v.refs for v in fn.environment} if facts else {}
            for call in facts.sdk_calls if facts else ():
                env = call.resource.env if call.resource else None
                for ref in sorted(by_env.get(env, ())) if env else ():
                    target = _target(g, app, Target(ref=ref))
                    if target:
                        g.edge(fid, target, call.operation, "dotted")
            # what the execution role lets it write where its code shows no call (unknown code, another client)
            for ref, actions in _role_writes(app, fn.role.ref if fn.role else None):
                target = _target(g, app, Target(ref=ref))
                if target and not any(e.source == fid and e.target == target for e in g.edges):
                    shown = ", ".join(actions[:2]) + (" …" if len(actions) > 2 else "")
                    g.edge(fid, target, f"role: {shown}", "dotted")
        for qid in sorted(app.queues):
            queue = app.queues[qid]
            dlq = _target(g, app, queue.dead_letter) if queue.dead_letter else None
            if dlq:
                g.edge(g.node(qid, qid, "queue"), dlq, "redrive", "dashed")
        for es in app.event_sources:
            if es.function not in app.functions:
                continue
            source = _target(g, app, es.source) if es.source else None
            if source is None:
                key = es.api or es.kind
                source = g.node(f"{es.kind}:{key}", key if es.api else es.kind, es.kind)
            g.edge(source, es.function, es.kind)
            on_failure = _target(g, app, es.on_failure)
            if on_failure:
                g.edge(es.function, on_failure, "on failure", "dashed")
    for f in findings:
        node = g.nodes.get(f.resource)
        if node is not None:
            node.findings += 1
            if node.severity is None or f.severity > node.severity:
                node.severity = f.severity
    return g
