"""recflow's Python client against a live stack. test/integration/python-client.test.ts starts the
stack (nats-server, a gateway with a tenants file, a worker) and runs this file with
RECFLOW_TARGET, RECFLOW_TOKEN and RECFLOW_DEAD_TARGET (a port where nothing listens) set."""
import os

import pytest

import recflow
from recflow import kinds_pb2, tasks_pb2

TARGET = os.environ["RECFLOW_TARGET"]
TOKEN = os.environ["RECFLOW_TOKEN"]


@pytest.fixture
def client():
    with recflow.Client(TARGET, token=TOKEN) as c:
        yield c


def probe(**kw) -> tasks_pb2.TaskSpec:
    return tasks_pb2.TaskSpec(probe=kinds_pb2.Probe(**kw))


def test_submit_and_watch_streams_every_event_once_in_order(client):
    task = client.submit(probe(work_ms=100, progress_steps=3), labels={"team": "py"})
    events = list(client.watch(task.id))
    assert [e.WhichOneof("event") for e in (events[0], events[-1])] == ["queued", "succeeded"]
    seqs = [e.sequence for e in events]
    assert seqs == sorted(set(seqs))
    # Resuming from the middle yields exactly the rest.
    assert [e.sequence for e in client.watch(task.id, after_sequence=seqs[1])] == seqs[2:]


def test_many_short_runs_keep_the_connection(client):
    # A watch left at its terminal event used to be cancelled (RST_STREAM); the gateway's HTTP/2
    # layer closes a connection after 1000 such resets plus ~33 a second, failing every call on it.
    for _ in range(1200):
        assert client.run(probe(work_ms=0)).probe.work_ms == 0


def test_run_returns_the_result_and_raises_task_failed_on_failure(client):
    assert client.run(probe(work_ms=50)).probe.work_ms == 50
    with pytest.raises(recflow.TaskFailed) as info:
        client.run(probe(permanent_error=True))
    assert info.value.event.WhichOneof("event") == "failed"


def test_upload_rows_train_and_recommend(client):
    rows = ((f"u{u}", f"i{(u * 7 + j) % 20}") for u in range(30) for j in range(4))
    ds = client.upload(rows, dataset_id="py-rows")
    assert (ds.id, ds.users) == ("py-rows", 30)
    trained = client.run(tasks_pb2.TaskSpec(train_model=kinds_pb2.TrainModel(dataset_id="py-rows", algorithm=kinds_pb2.ALGORITHM_POPULARITY)))
    recs = client.recommend(trained.train_model.model_id, ["u1", "u2", "nobody"], k=3)
    assert [u.user_id for u in recs.users] == ["u1", "u2", "nobody"]
    assert all(len(u.items) == 3 for u in recs.users)
    assert recs.result.users == 3


def test_sequential_softmax_learns_the_order_of_histories(client):
    # Each of 90 users walks 7 consecutive items of a 60-item ring, one a day, starting anywhere:
    # every item is about equally popular, so popularity cannot tell which comes next, while the
    # newest item (held out) sits next to the ones before it in every history.
    day = 86_400
    rows = [(f"walker-{u}", f"song-{(u * 2 + t) % 60}", 1, 1_700_000_000 + t * day) for u in range(90) for t in range(7)]
    client.upload(rows, dataset_id="py-walks")
    result = client.run(tasks_pb2.TaskSpec(train_model=kinds_pb2.TrainModel(
        dataset_id="py-walks", algorithm=kinds_pb2.ALGORITHM_SEQUENTIAL_SOFTMAX, evaluate=True, seed=3,
        softmax=kinds_pb2.SoftmaxParams(factors=8, iterations=60))))
    trained = result.train_model
    assert trained.algorithm == kinds_pb2.ALGORITHM_SEQUENTIAL_SOFTMAX
    assert trained.metrics["ndcg@10"] > 2 * trained.baseline_metrics["ndcg@10"]
    recs = client.recommend(trained.model_id, ["walker-0"], k=3)
    assert len(recs.users[0].items) == 3


def test_upload_from_a_file(client, tmp_path):
    path = tmp_path / "interactions.csv"
    path.write_text("user,item\nu1,i1\nu2,i1\nu2,i2\n")
    assert client.upload(str(path), dataset_id="py-file").interactions == 3


def test_upload_an_export_whose_header_orders_the_columns_its_own_way(client, tmp_path):
    # A table export: item column first, an extra column, semicolons. The header's names say which
    # column is which; read by position, the 3 items would have become the users.
    path = tmp_path / "export.csv"
    lines = ["movieId;source;userId;rating;timestamp"]
    lines += [f"m{(u + j) % 3};web;viewer-{u};{1 + j};{1_700_000_000 + u * 60 + j}" for u in range(12) for j in range(2)]
    path.write_text("\n".join(lines) + "\n")
    ds = client.upload(str(path), dataset_id="py-export")
    assert (ds.users, ds.items, ds.interactions, ds.has_timestamps) == (12, 3, 24, True)
    trained = client.run(tasks_pb2.TaskSpec(train_model=kinds_pb2.TrainModel(dataset_id="py-export", algorithm=kinds_pb2.ALGORITHM_POPULARITY)))
    recs = client.recommend(trained.train_model.model_id, ["viewer-1"], k=3)
    assert recs.result.cold_start_users == 0
    assert {i.item_id for i in recs.users[0].items} <= {"m0", "m1", "m2"}


def test_a_header_without_a_user_column_is_one_line_naming_it(client, tmp_path):
    path = tmp_path / "no-user.csv"
    path.write_text("session,item,rating\ns1,i1,1\n")
    with pytest.raises(recflow.RecflowError) as e:
        client.upload(str(path), dataset_id="py-no-user")
    assert "names no user column" in str(e.value)
    assert "\n" not in str(e.value)


def test_pointed_at_nothing_is_one_line_naming_the_address():
    with recflow.Client(os.environ["RECFLOW_DEAD_TARGET"]) as c:
        with pytest.raises(recflow.RecflowError) as info:
            c.submit(probe(work_ms=1), timeout=5)
    msg = str(info.value)
    assert "\n" not in msg
    assert msg.startswith(f"recflow: nothing answers at {os.environ['RECFLOW_DEAD_TARGET']} ")
    assert msg.endswith("start the gateway (recflow dev / recflow gateway) or fix the address")


def test_wrong_token_is_one_line_saying_where_tokens_come_from():
    with recflow.Client(TARGET, token="rf_wrong") as c:
        with pytest.raises(recflow.RecflowError) as info:
            c.submit(probe(work_ms=1))
    assert str(info.value) == f"recflow: the gateway at {TARGET} refused the token (invalid bearer token): pass a token from its RECFLOW_TENANTS_FILE (token=)"
