"""Streams (DG "Using Lambda with Kinesis", "... DynamoDB Streams"; the sources' retry table: "blocks the stream until
success or data expiration"): records are read in order per shard; a failed batch is retried — the shard waits —
until it succeeds, ``maximum_retry_attempts`` (-1: no limit) or ``maximum_record_age`` (-1: the stream's 24-hour
retention) runs out; ``bisect_on_error`` halves a failing batch (without using a retry); exhausted batches go to the
on-failure destination as metadata (shard, sequence numbers) or are lost. Lambda does not document the interval
between stream retries: here 1 s, doubling to at most 60 s.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from lambdoctor.runtime import events
from lambdoctor.runtime.simulate.core import Core, Item
from lambdoctor.runtime.simulate.limits import (
    PAYLOAD_LIMIT,
    STREAM_RETRY_MAX_S,
)


class StreamMapping(Core):
    # -- streams --------------------------------------------------------------------------------------------------
    def _stream_event(self, batch: list[Item], shard_no: int) -> dict[str, Any]:
        records = []
        for item in batch:
            if self.s.trigger.type == "kinesis":
                # `data` is base64 of the bytes put on the stream: a mapping was put as JSON
                data = item.payload if isinstance(item.payload, str) else json.dumps(item.payload)
                record = events.kinesis(data, partition_key=str(item.key), sequence=item.n)["Records"][0]
                record["eventID"] = f"shardId-{shard_no:012d}:{record['kinesis']['sequenceNumber']}"
            else:
                record = events.dynamodb({"pk": {"S": str(item.key)}}, sequence=item.n)["Records"][0]
            records.append(record)
        return {"Records": records}

    def _on_shard_poll(self, shard: dict[str, Any]) -> None:
        t = self.s.trigger
        if shard["busy"] or self.now < shard["backoff_until"]:
            return  # an arrival does not cut a retry's wait short
        pending = [i for i in shard["items"][shard["pos"]:] if i.arrived <= self.now]
        # records past their maximum age are skipped (to the destination); past the stream's retention (24 h by
        # default, a Kinesis stream's RetentionPeriodHours up to 365 days) they are gone, whatever the maximum age
        by_age = 0 <= t.maximum_record_age < t.stream_retention
        limit = t.maximum_record_age if by_age else t.stream_retention
        expired: list[Item] = []
        for item in pending:
            if self.now - item.arrived <= limit:
                break
            expired.append(item)
        if expired:
            self._stream_give_up(shard, expired, "RecordAgeExceeded", to_destination=by_age)
            self.at(self.now, "shard_poll", shard)
            return
        if not pending:
            return
        size = shard["size"] or t.batch_size
        if not shard["size"] and len(pending) < size and self.now < shard["window_end"]:
            # MaximumBatchingWindowInSeconds (DG "Lambda event source mappings", "Batching behavior"): a batch that
            # is not full waits until the window ends; "the next batching window begins as soon as the previous
            # function invocation completes"
            if not shard["window_wait"]:
                shard["window_wait"] = True
                self.at(shard["window_end"], "shard_poll", shard)
            return
        shard["window_wait"] = False
        batch = pending[:size]
        while len(batch) > 1 and self._stream_payload(batch) > PAYLOAD_LIMIT:
            batch = batch[:-1]  # or until the batch reaches the 6 MB payload quota
        state = self._start_invocation(self.entry)
        if state is None:
            self.at(self.now + 1.0, "shard_poll", shard)
            return
        shard["busy"] = True
        for item in batch:
            item.deliveries += 1
        fail_ids = {i.id for i in batch if i.n in self.s.fail_records}
        sequence = events.kinesis_sequence if self.s.trigger.type == "kinesis" else events.dynamodb_sequence
        outcome, duration, inv, reported = self._execute(
            self.entry, self._stream_event(batch, shard["no"]), batch, fail_ids, state == "cold", 1,
            identifier=lambda item: sequence(item.n))
        self.at(self.now + duration / 1000, "shard_done",
                (shard, batch, outcome, self._billed(inv, duration), reported))

    @staticmethod
    def _stream_payload(batch: list[Item]) -> int:
        """The batch's event size, near enough: each record's data base64-encoded (4/3) and its ~700-byte
        envelope."""
        return sum(len(str(i.payload).encode()) * 4 // 3 + 700 for i in batch)

    def _on_shard_done(self, data: tuple[dict[str, Any], list[Item], str, int, set[str]]) -> None:
        shard, batch, outcome, billed, reported = data
        t = self.s.trigger
        self._end_invocation(billed, self.entry, outcome)
        shard["busy"] = False
        shard["window_end"] = self.now + t.batching_window
        # ReportBatchItemFailures (DG "Using Lambda with Kinesis", "Reporting batch item failures": doc_source/
        # with-kinesis.md at 38e9014, 447-483): Lambda checkpoints before the lowest sequence number the response
        # names and retries from there, by the retry strategy; bisecting, it retries only those remaining records.
        checkpoint = next((k for k, item in enumerate(batch) if item.id in reported), None)
        entry: dict[str, Any] = {"t": round(self.now, 3), "records": [i.n for i in batch], "outcome": outcome}
        if outcome == "success" and checkpoint is not None:
            entry["outcome"] = "partial"
            entry["failed_from"] = batch[checkpoint].n
        self.report.timeline.append(entry)
        if outcome == "success" and checkpoint is None:
            for item in batch:
                item.state = "done"
            self._advance(shard, len(batch))
            self.at(self.now, "shard_poll", shard)
            return
        if checkpoint:  # the records before the checkpoint are done
            for item in batch[:checkpoint]:
                item.state = "done"
            shard["pos"] += checkpoint
            batch = batch[checkpoint:]
        self.report.failed += 1
        if shard["blocked_since"] is None:
            shard["blocked_since"] = self.now
        if t.bisect_on_error and len(batch) > 1 and checkpoint is None:
            # halving does not use a retry; the second half is tried after the first
            first = (len(batch) + 1) // 2
            shard["size"] = first
            shard["halves"].insert(0, len(batch) - first)
            self.at(self.now, "shard_poll", shard)
            return
        shard["size"] = len(batch)  # the same batch is retried, not a larger one
        shard["retries"] += 1
        if 0 <= t.retries() < shard["retries"]:
            self._stream_give_up(shard, batch, "RetryAttemptsExhausted")
            self.at(self.now, "shard_poll", shard)
            return
        delay = min(STREAM_RETRY_MAX_S, 2.0 ** min(shard["retries"] - 1, 10))
        shard["backoff_until"] = self.now + delay
        self.at(self.now + delay, "shard_poll", shard)

    def _advance(self, shard: dict[str, Any], n: int) -> None:
        shard["pos"] += n
        shard["retries"] = 0
        shard["size"] = shard["halves"].pop(0) if shard["halves"] else 0
        if shard["blocked_since"] is not None:
            self.report.blocked_seconds += self.now - shard["blocked_since"]
            shard["blocked_since"] = None

    def _stream_give_up(self, shard: dict[str, Any], batch: list[Item], condition: str,
                        to_destination: bool = True) -> None:
        t = self.s.trigger
        sent = t.on_failure and to_destination
        for item in batch:
            item.state = "dlq" if sent else "lost"
        if sent:
            self.report.dead_lettered += len(batch)
            # The on-failure record (DG "Using Lambda with Kinesis", "Configuring destinations for event source
            # mapping invocations"): the batch's first and last sequence numbers, as the records carried them.
            kinesis = t.type == "kinesis"
            sequence = events.kinesis_sequence if kinesis else events.dynamodb_sequence
            self.report.dlq.append({
                "requestContext": {"condition": condition, "approximateInvokeCount": max(1, shard["retries"])},
                "version": "1.0", "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds")
                .replace("+00:00", "Z"),
                "KinesisBatchInfo" if kinesis else "DDBStreamBatchInfo": {
                    "shardId": f"shardId-{shard['no']:012d}",
                    "startSequenceNumber": sequence(batch[0].n), "endSequenceNumber": sequence(batch[-1].n),
                    "batchSize": len(batch),
                    "streamArn": (
                        f"arn:aws:kinesis:{events.REGION}:{events.ACCOUNT}:stream/stream" if kinesis else
                        f"arn:aws:dynamodb:{events.REGION}:{events.ACCOUNT}:table/table/stream/"
                        "2026-01-01T00:00:00.000")}})
        self._advance(shard, len(batch))
