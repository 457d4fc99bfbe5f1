from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path

import pytest

from lambdoctor.config import Config
from lambdoctor.engine import ScanResult, scan
from lambdoctor.loaders.discover import load_paths
from lambdoctor.model import Application

ROOT = Path(__file__).resolve().parents[1]
TODAY = date(2026, 11, 22)
CORPUS = ROOT.parent / "shared" / "corpus"


def two_versions_export() -> str:
    """A `aws logs filter-log-events` answer (its {"events": [...]} shape: logStreamName, timestamp, message, eventId)
    for one function that ran as version 1 at 512 MB (3 invocations, 100-300 ms) and version 2 at 1,024 MB (3, 400-600
    ms), two hours apart; the last one peaks at its memory size."""
    import json

    events = []
    for i in range(6):
        version, size = ("1", 512) if i < 3 else ("2", 1024)
        rid = f"{i:08x}-0000-4000-8000-000000000000"
        for m in (f"START RequestId: {rid} Version: {version}\n",
                  f"REPORT RequestId: {rid}\tDuration: {100 * (i + 1)}.00 ms\tBilled Duration: {100 * (i + 1)} ms"
                  f"\tMemory Size: {size} MB\tMax Memory Used: {size if i == 5 else 90} MB\t\n"):
            events.append({"logStreamName": f"2026/11/20/[{version}]{'a' * 32}",
                           "timestamp": 1795000000000 + i * 7200_000, "message": m, "eventId": f"{i}{len(events)}"})
    return json.dumps({"events": events})


def run_scan(paths: Sequence[str | Path], select: Sequence[str] = (), today: date = TODAY) -> ScanResult:
    return scan([str(p) for p in paths], Config(select=tuple(select)), today)


def app_of(path: Path, variables: dict[str, str] | None = None) -> Application:
    """The one application read from ``path``, which must load without problems."""
    loaded = load_paths([str(path)], variables)
    assert not loaded.problems, loaded.problems
    (app,) = loaded.applications
    return app


def triples(result: ScanResult) -> set[tuple[str, str, int]]:
    return {(f.rule, f.resource, f.line) for f in result.findings}


@pytest.fixture
def write(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Write a file under tmp_path and return its path."""

    def _write(name: str, text: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    return _write


@pytest.fixture(scope="session")
def aws_endpoint() -> Iterator[str]:
    """moto's server on 127.0.0.1 (a free port), the real HTTP API that boto3 talks to; fake credentials."""
    import os

    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    saved = {k: os.environ.get(k) for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION")}
    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1")
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
