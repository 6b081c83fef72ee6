"""BatchSubmitTasks and WatchTasks from Python against a live stack: per-entry batch results,
all-or-nothing, idempotency per request_id, a selector watch that follows tasks submitted after it
began, and a watch resumed by after_sequence. test/integration/python-client.test.ts starts
the stack (nats-server, a gateway with a tenants file, a worker) and runs this file with
RECFLOW_TARGET and RECFLOW_TOKEN set. (Its own folder: tests/ is run whole as the other suite, on the same stack.)"""
import os
import threading
import uuid
from typing import Iterable, List

import grpc
import pytest

import recflow
from recflow import kinds_pb2, tasks_pb2

TARGET = os.environ["RECFLOW_TARGET"]
TOKEN = os.environ["RECFLOW_TOKEN"]
RUN = uuid.uuid4().hex[:8]  # keeps labels and request ids apart from any earlier run on the stack
TERMINAL = ("succeeded", "failed", "cancelled")
GUARD_S = 90.0  # a selector watch never ends by itself: cancel it rather than hang the suite


@pytest.fixture
def client():
    with recflow.Client(TARGET, token=TOKEN) as c:
        yield c


def probe(work_ms: int = 0, steps: int = 1) -> tasks_pb2.TaskSpec:
    return tasks_pb2.TaskSpec(probe=kinds_pb2.Probe(work_ms=work_ms, progress_steps=steps))


def entry(request_id: str, spec: tasks_pb2.TaskSpec = None) -> tasks_pb2.SubmitTaskRequest:
    return tasks_pb2.SubmitTaskRequest(request_id=request_id, task=spec or probe())


def labelled(**labels: str) -> tasks_pb2.TaskSpec:
    spec = probe()
    spec.labels.update(labels)
    return spec


def kind(ev: tasks_pb2.TaskEvent) -> str:
    return ev.WhichOneof("event")


def keys(events: Iterable[tasks_pb2.TaskEvent]) -> List[str]:
    return [f"{e.task_id}@{e.sequence}" for e in events]


def guarded(watch: recflow.TaskWatch) -> threading.Timer:
    timer = threading.Timer(GUARD_S, watch.cancel)
    timer.daemon = True
    timer.start()
    return timer


def test_a_bad_entry_gets_its_own_error_and_the_others_are_stored(client):
    results = client.batch_submit(
        [probe(), probe(work_ms=99_999_999), entry(f"partial-{RUN}")],
        labels={"case": f"partial-{RUN}"},
    )
    assert [r.ok for r in results] == [True, False, True]
    bad = results[1].error
    assert bad.code == grpc.StatusCode.INVALID_ARGUMENT
    assert bad.fields == ["requests[1].task.probe.work_ms"]
    assert results[2].task.request_id == f"partial-{RUN}"
    ids = [results[0].task.id, results[2].task.id]
    assert all(r.task.status.state == tasks_pb2.TASK_STATE_QUEUED for r in (results[0], results[2]))
    # Both stored tasks run: one watch by ids sees both ends and then ends by itself.
    with client.watch_tasks(ids) as w:
        ended = {e.task_id for e in w if kind(e) == "succeeded"}
    assert ended == set(ids)


def test_all_or_nothing_with_one_bad_entry_stores_nothing_and_names_every_bad_field(client):
    label = {"case": f"aon-{RUN}"}
    with pytest.raises(recflow.RecflowError) as info:
        client.batch_submit(
            [probe(), probe(work_ms=99_999_999), probe(), entry("bad id with spaces")],
            labels=label, all_or_nothing=True,
        )
    assert info.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert info.value.fields == ["requests[1].task.probe.work_ms", "requests[3].request_id"]
    assert "\n" not in str(info.value)
    # Nothing with the label was stored: a selector watch replayed from the start sees only a
    # marker task submitted afterwards (anything stored by the refused call would come first).
    marker = client.submit(probe(), labels=label)
    seen = []
    with client.watch_tasks(label_selector=f"case=aon-{RUN}") as w:
        guarded(w)
        for ev in w:
            seen.append(ev)
            if ev.task_id == marker.id and kind(ev) in TERMINAL:
                break
    assert {e.task_id for e in seen} == {marker.id}
    assert kind(seen[-1]) == "succeeded"
    # The same batch without the bad entries is stored whole.
    ok = client.batch_submit([probe(), probe()], labels=label, all_or_nothing=True)
    assert [r.task.status.state for r in ok] == [tasks_pb2.TASK_STATE_QUEUED] * 2


def test_a_repeated_request_id_returns_the_existing_task_and_stores_nothing_new(client):
    a, b, c, d = (f"idem-{x}-{RUN}" for x in "abcd")
    first = client.batch_submit([entry(a), entry(b)])
    id_a, id_b = first[0].task.id, first[1].task.id
    with client.watch_tasks([id_a, id_b]) as w:
        assert sum(kind(e) == "succeeded" for e in w) == 2
    again = client.batch_submit([entry(a), entry(c), entry(b)])
    id_c = again[1].task.id
    assert [again[0].task.id, again[2].task.id] == [id_a, id_b]
    assert id_c not in (id_a, id_b)
    # The repeats are the finished tasks themselves, not new ones.
    assert again[0].task.status.state == again[2].task.status.state == tasks_pb2.TASK_STATE_SUCCEEDED
    with client.watch_tasks([id_a, id_b, id_c]) as w:
        queued = sorted(e.task_id for e in w if kind(e) == "queued")
    assert queued == sorted([id_a, id_b, id_c])  # one Queued event each: nothing stored twice
    # Two entries of one batch with one request id: the first is stored, the second refused.
    dup = client.batch_submit([entry(d), entry(d)])
    assert dup[0].ok and dup[0].task.request_id == d
    assert dup[1].error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert dup[1].error.fields == ["requests[1].request_id"]


def test_a_selector_watch_follows_matching_tasks_submitted_after_it_began(client):
    batch = f"sel-{RUN}"
    early = client.submit(probe(), labels={"batch": batch})
    wanted: List[str] = []
    unwanted: List[str] = []
    events = []
    with client.watch_tasks(label_selector=f"batch={batch},tier!=gold") as w:
        guarded(w)
        for ev in w:
            events.append(ev)
            if ev.task_id == early.id and kind(ev) in TERMINAL and not wanted:
                # The watch is live once it has replayed the early task's end: submit more now.
                res = client.batch_submit([probe(work_ms=20) for _ in range(4)], labels={"batch": batch})
                wanted = [r.task.id for r in res]
                others = client.batch_submit([labelled(batch=batch, tier="gold"), labelled(batch=f"{batch}-other"), probe()])
                unwanted = [r.task.id for r in others]
            done = {e.task_id for e in events if kind(e) == "succeeded"}
            if wanted and done >= set(wanted):
                break
    assert wanted, "the watch never replayed the early task's end"
    assert {e.task_id for e in events} == {early.id, *wanted}
    assert not set(unwanted) & {e.task_id for e in events}
    seqs = [e.sequence for e in events]
    assert seqs == sorted(set(seqs))  # one stream, in event-stream order, no repeats
    for task_id in wanted:
        mine = [kind(e) for e in events if e.task_id == task_id]
        assert (mine[0], mine[-1]) == ("queued", "succeeded")
        assert "queued" not in mine[1:]


def test_a_watch_resumed_by_after_sequence_repeats_nothing_and_loses_nothing(client):
    batch = f"resume-{RUN}"
    res = client.batch_submit([probe(work_ms=150, steps=3) for _ in range(6)], labels={"batch": batch})
    ids = [r.task.id for r in res]
    # Read a few events while the tasks run, then drop the stream.
    first = []
    with client.watch_tasks(label_selector=f"batch={batch}") as w:
        for ev in w:
            first.append(ev)
            if len(first) == 8:
                break
        cut = w.last_sequence
    assert cut == first[-1].sequence
    # Reopen from the cut and read until every task has ended (8 events cannot hold 6 tasks'
    # Queued and terminal events, so there is always a rest).
    second = []
    ended = {e.task_id for e in first if kind(e) in TERMINAL}
    with client.watch_tasks(label_selector=f"batch={batch}", after_sequence=cut) as w:
        guarded(w)
        for ev in w:
            second.append(ev)
            if kind(ev) in TERMINAL:
                ended.add(ev.task_id)
            if ended == set(ids):
                break
    assert ended == set(ids)
    # The two halves are exactly the whole history, as a watch by ids from the start replays it.
    with client.watch_tasks(ids) as w:
        whole = list(w)
    assert keys(first) + keys(second) == keys(whole)
    assert sum(kind(e) == "succeeded" for e in whole) == 6
    # By ids from the same cut: the same rest, and the stream ends after the last task's end. The
    # generated stub directly: TaskWatch also drops events at or below its last sequence, which
    # would hide a gateway that ignored after_sequence.
    raw = client.tasks.WatchTasks(tasks_pb2.WatchTasksRequest(task_ids=ids, after_sequence=cut), timeout=GUARD_S)
    assert keys(raw) == keys(second)
    # Resumed after everything: nothing to send, and it ends at once.
    with client.watch_tasks(ids, after_sequence=whole[-1].sequence) as w:
        assert list(w) == []
