"""The learning queue never lets one bad batch block the others, and operators can see, replay and drop."""

from __future__ import annotations

import time

import grpc
import pytest
from aicmo.generator.v1 import generator_service_pb2 as pb
from aicmo.memory.v1 import memory_service_pb2 as mpb

from tests.integration.generator.conftest import StackFactory, T, brief, generate_request
from tests.support import wait_until


def _poison_batch() -> mpb.BatchRecordItemsRequest:
    # Written by hand, bypassing the generator's validation: memory must refuse it for good.
    return mpb.BatchRecordItemsRequest(
        requests=[
            mpb.RecordItemRequest(
                item=mpb.LearningItem(kind="report_section", text="bad \x00 text", client_id="poisoned"),
                idempotency_key="poison:1",
            )
        ]
    )


def test_a_poison_batch_is_set_aside_and_the_next_report_is_learned(make_stack: StackFactory) -> None:
    stack = make_stack(record_budget_ms=0)  # every report's learning goes through the queue
    spool = stack.generator_runtime.spool
    spool.enqueue(_poison_batch(), "poison")
    (spool.directory / f"{time.time_ns():020d}-garbage.pb").write_bytes(b"\xff\xfe not a protobuf")

    report = stack.generator.GenerateReport(
        generate_request(client_brief=brief(client_name="Next Client", brand_name="Next")), timeout=T
    )
    wait_until(lambda: spool.pending() == 0, T, what="the queue to drain past the poison")
    learned = stack.memory.GetItem(mpb.GetItemRequest(id=report.learned_item_id), timeout=T).item
    assert learned.client_id == "next-client"

    health = stack.generator.CheckHealth(pb.CheckHealthRequest(), timeout=T)
    assert health.set_aside_learning == 2 and health.pending_learning == 0
    queue = stack.generator.ListLearningQueue(pb.ListLearningQueueRequest(), timeout=T)
    assert (queue.queued_count, queue.set_aside_count) == (0, 2)
    by_client = {b.client_id: b for b in queue.batches}
    assert all(b.state == pb.QUEUE_STATE_SET_ASIDE for b in queue.batches)
    assert by_client["poisoned"].reason.startswith("INVALID_ARGUMENT")
    assert by_client["poisoned"].item_count == 1

    # Replaying does not help a batch that is wrong: it is set aside again. Dropping removes it.
    replayed = stack.generator.ReplayLearningBatch(
        pb.ReplayLearningBatchRequest(name=by_client["poisoned"].name), timeout=T
    )
    assert not replayed.delivered and replayed.batch.state == pb.QUEUE_STATE_SET_ASIDE
    for batch in queue.batches:
        stack.generator.DropLearningBatch(pb.DropLearningBatchRequest(name=batch.name), timeout=T)
    assert stack.generator.CheckHealth(pb.CheckHealthRequest(), timeout=T).set_aside_learning == 0
    with pytest.raises(grpc.RpcError) as err:
        stack.generator.DropLearningBatch(pb.DropLearningBatchRequest(name="../../etc/passwd"), timeout=T)
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


def test_a_set_aside_batch_can_be_replayed_once_memory_accepts_it(make_stack: StackFactory) -> None:
    stack = make_stack(record_budget_ms=0)
    spool = stack.generator_runtime.spool
    good = mpb.BatchRecordItemsRequest(
        requests=[
            mpb.RecordItemRequest(
                item=mpb.LearningItem(kind="report_section", text="a fine section", client_id="replayed"),
                idempotency_key="replay:1",
            )
        ]
    )
    path = spool.enqueue(good, "replay-me")
    spool._move_aside(path, path.name, "set aside by hand for this test", 1)
    replayed = stack.generator.ReplayLearningBatch(pb.ReplayLearningBatchRequest(name=path.name), timeout=T)
    assert replayed.delivered and not replayed.HasField("batch")
    listed = stack.memory.ListItems(mpb.ListItemsRequest(client_id="replayed"), timeout=T)
    assert listed.total_size == 1
