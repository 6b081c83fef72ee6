"""A small typed wrapper over recflow's gRPC stubs: submit, watch (resuming across UNAVAILABLE by
after_sequence), run, recommend and upload, with one-line errors that say what to fix."""
from __future__ import annotations

import csv
import io
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Iterable, Iterator, List, Mapping, Optional, Sequence, Union

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from google.rpc import error_details_pb2, status_pb2

from recflow.v1 import datasets_pb2, datasets_pb2_grpc, kinds_pb2, tasks_pb2, tasks_pb2_grpc

Row = Sequence[object]
"""One interaction: (user, item) or (user, item, weight)."""

_TERMINAL = ("succeeded", "failed", "cancelled")
_CHUNK_BYTES = 256 * 1024
_CODES = {c.value[0]: c for c in grpc.StatusCode}


class RecflowError(Exception):
    """A failed call. str() is one line that says what to fix; .code is the gRPC status code;
    .fields lists the request fields the gateway named as bad (its google.rpc.BadRequest), e.g.
    ["requests[1].task.probe.work_ms"] for an all-or-nothing batch."""

    def __init__(self, message: str, code: Optional[grpc.StatusCode] = None, fields: Sequence[str] = ()):
        super().__init__(message)
        self.code = code
        self.fields = list(fields)


class TaskFailed(RecflowError):
    """The task ended FAILED or CANCELLED; .event is its terminal TaskEvent."""

    def __init__(self, message: str, event: tasks_pb2.TaskEvent):
        super().__init__(message)
        self.event = event


@dataclass
class Recommendations:
    """A Recommend task's answer: its result and every user's items, collected from the stream."""

    task_id: str
    result: kinds_pb2.RecommendResult
    users: list = field(default_factory=list)  # list[kinds_pb2.UserRecommendations], in row order


@dataclass
class EntryError:
    """Why one entry of a batch was not stored: its gRPC code, message and the fields it names
    (requests[i].<field>, from the entry's google.rpc.BadRequest)."""

    code: grpc.StatusCode
    message: str
    fields: List[str] = field(default_factory=list)


@dataclass
class BatchResult:
    """One entry's outcome in a batch_submit answer: exactly one of task and error is set."""

    task: Optional[tasks_pb2.Task] = None
    error: Optional[EntryError] = None

    @property
    def ok(self) -> bool:
        return self.task is not None


BatchEntry = Union[tasks_pb2.TaskSpec, tasks_pb2.SubmitTaskRequest]
"""A batch entry: a bare spec, or a SubmitTaskRequest to give the entry its own request_id."""


class TaskWatch:
    """An iterator over WatchTasks events, in event-stream order, reopening a stream cut with
    UNAVAILABLE at after_sequence = the last event yielded (nothing lost or repeated).

    A watch by ids ends once every listed task has finished; a selector watch runs until cancel()
    (from any thread; iteration then stops without an error) or until the caller stops iterating.
    .last_sequence is the sequence to pass as after_sequence to resume it later."""

    def __init__(self, client: "Client", request: tasks_pb2.WatchTasksRequest, max_wait: float):
        self._client, self._request, self._max_wait = client, request, max_wait
        self.last_sequence = request.after_sequence
        self._call = None
        self._cancelled = threading.Event()
        self._lock = threading.Lock()
        self._events = self._run()

    def __iter__(self) -> "TaskWatch":
        return self

    def __next__(self) -> tasks_pb2.TaskEvent:
        return next(self._events)

    def __enter__(self) -> "TaskWatch":
        return self

    def __exit__(self, *exc) -> None:
        self.cancel()
        self._events.close()  # the caller's own thread, not inside next(): safe to close here

    def cancel(self) -> None:
        """Ends the watch: a blocked iteration returns, and later ones yield nothing."""
        with self._lock:
            self._cancelled.set()
            if self._call is not None:
                self._call.cancel()

    def _open(self):
        req = tasks_pb2.WatchTasksRequest()
        req.CopyFrom(self._request)
        req.after_sequence = self.last_sequence
        with self._lock:
            if self._cancelled.is_set():
                return None
            self._call = self._client.tasks.WatchTasks(req)
            return self._call

    def _run(self) -> Iterator[tasks_pb2.TaskEvent]:
        backoff = 0.1
        since: Optional[float] = None
        while True:
            call = self._open()
            if call is None:
                return
            try:
                for ev in call:
                    if ev.sequence <= self.last_sequence:
                        continue
                    self.last_sequence, since, backoff = ev.sequence, None, 0.1
                    yield ev
                return
            except grpc.RpcError as err:
                if self._cancelled.is_set() or err.code() == grpc.StatusCode.CANCELLED:
                    return
                if err.code() != grpc.StatusCode.UNAVAILABLE:
                    raise self._client._explain(err) from None
                since = since if since is not None else time.monotonic()
                if time.monotonic() - since > self._max_wait:
                    raise self._client._explain(err) from None
                self._cancelled.wait(backoff)
                backoff = min(backoff * 2, 2.0)
            finally:
                # A caller that stops iterating early closes this generator: end the stream too.
                call.cancel()


class _Bearer(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor, grpc.StreamUnaryClientInterceptor):
    # An interceptor, not call credentials: grpc refuses call credentials on a plaintext channel,
    # and the dev stack and tests are plaintext.
    def __init__(self, token: str):
        self._md = ("authorization", f"Bearer {token}")

    def _add(self, details):
        md = list(details.metadata or []) + [self._md]
        return details._replace(metadata=md) if hasattr(details, "_replace") else _Details(details, md)

    def intercept_unary_unary(self, cont, details, request):
        return cont(self._add(details), request)

    def intercept_unary_stream(self, cont, details, request):
        return cont(self._add(details), request)

    def intercept_stream_unary(self, cont, details, request_iterator):
        return cont(self._add(details), request_iterator)


class _Details(grpc.ClientCallDetails):
    def __init__(self, d, metadata):
        self.method, self.timeout, self.credentials = d.method, d.timeout, d.credentials
        self.wait_for_ready, self.compression, self.metadata = getattr(d, "wait_for_ready", None), getattr(d, "compression", None), metadata


class Client:
    """A connection to a recflow gateway. Use as a context manager, or call close()."""

    def __init__(self, target: str, *, token: Optional[str] = None, ca_file: Optional[str] = None, tls: bool = False):
        self.target = target
        if ca_file or tls:
            root = None
            if ca_file:
                with open(ca_file, "rb") as f:
                    root = f.read()
            channel = grpc.secure_channel(target, grpc.ssl_channel_credentials(root_certificates=root))
        else:
            channel = grpc.insecure_channel(target)
        self._tls = bool(ca_file or tls)
        self._channel = grpc.intercept_channel(channel, _Bearer(token)) if token else channel
        self._raw = channel
        self.tasks = tasks_pb2_grpc.TasksServiceStub(self._channel)
        self.datasets = datasets_pb2_grpc.DatasetsServiceStub(self._channel)

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._raw.close()

    # --- calls -------------------------------------------------------------------------------

    def submit(self, spec: tasks_pb2.TaskSpec, *, request_id: str = "", deadline: Optional[float] = None,
               labels: Optional[Mapping[str, str]] = None, timeout: float = 10.0) -> tasks_pb2.Task:
        """Stores a task and returns it at once. deadline: a Unix time in seconds."""
        spec_copy = tasks_pb2.TaskSpec()
        spec_copy.CopyFrom(spec)
        if deadline is not None:
            ts = Timestamp()
            ts.FromNanoseconds(int(deadline * 1e9))
            spec_copy.deadline.CopyFrom(ts)
        for k, v in (labels or {}).items():
            spec_copy.labels[k] = v
        return self._call(self.tasks.SubmitTask, tasks_pb2.SubmitTaskRequest(request_id=request_id, task=spec_copy), timeout)

    def watch(self, task_id: str, *, after_sequence: int = 0, max_wait: float = 30.0) -> Iterator[tasks_pb2.TaskEvent]:
        """Yields the task's events in order until the terminal one. A stream cut with UNAVAILABLE
        (gateway restart or drain) is reopened with after_sequence = the last event yielded, so no
        event is lost or repeated; it gives up after max_wait seconds without an event."""
        after = after_sequence
        backoff = 0.1
        since: Optional[float] = None
        while True:
            try:
                call = self.tasks.WatchTask(tasks_pb2.WatchTaskRequest(task_id=task_id, after_sequence=after))
                for ev in call:
                    if ev.sequence <= after:
                        continue
                    after, since, backoff = ev.sequence, None, 0.1
                    if ev.WhichOneof("event") in _TERMINAL:
                        # The gateway ends the stream right after it: read to the end first, so the
                        # call is not cancelled (RST_STREAM) when this generator is left. The
                        # gateway's HTTP/2 layer closes a connection whose client resets more than
                        # ~33 streams a second after a burst of 1000, failing every call on it.
                        try:
                            for _ in call:
                                pass
                        except grpc.RpcError:
                            pass
                        yield ev
                        return
                    yield ev
                raise RecflowError(f"recflow: the watch of {task_id} ended before the task finished")
            except grpc.RpcError as err:
                if err.code() != grpc.StatusCode.UNAVAILABLE:
                    raise self._explain(err) from None
                since = since if since is not None else time.monotonic()
                if time.monotonic() - since > max_wait:
                    raise self._explain(err) from None
                time.sleep(backoff)
                backoff = min(backoff * 2, 2.0)

    def batch_submit(self, entries: Iterable[BatchEntry], *, labels: Optional[Mapping[str, str]] = None,
                     all_or_nothing: bool = False, timeout: float = 60.0) -> List[BatchResult]:
        """Stores many tasks in one BatchSubmitTasks call (up to 1000); returns one BatchResult per
        entry, in order. An entry is a TaskSpec, or a SubmitTaskRequest with its own request_id
        (a repeated request_id returns the existing task). labels are added to every entry's spec.
        A bad entry gets its own error and the others are stored; with all_or_nothing the call
        raises RecflowError (INVALID_ARGUMENT, .fields naming every bad entry) and stores nothing."""
        req = tasks_pb2.BatchSubmitTasksRequest(all_or_nothing=all_or_nothing)
        for entry in entries:
            one = req.requests.add()
            if isinstance(entry, tasks_pb2.SubmitTaskRequest):
                one.CopyFrom(entry)
            else:
                one.task.CopyFrom(entry)
            for k, v in (labels or {}).items():
                one.task.labels[k] = v
        res = self._call(self.tasks.BatchSubmitTasks, req, timeout)
        return [_batch_result(r) for r in res.results]

    def watch_tasks(self, task_ids: Sequence[str] = (), *, label_selector: str = "", after_sequence: int = 0,
                    max_wait: float = 30.0) -> TaskWatch:
        """One WatchTasks stream for many tasks, selected by ids or by a label selector
        (`batch=nightly-42,tier!=gold`); events come in event-stream order, each naming its task.
        after_sequence resumes after an event seen earlier (TaskWatch.last_sequence)."""
        req = tasks_pb2.WatchTasksRequest(task_ids=list(task_ids), label_selector=label_selector, after_sequence=after_sequence)
        return TaskWatch(self, req, max_wait)

    def run(self, spec: tasks_pb2.TaskSpec, **submit_args) -> tasks_pb2.TaskResult:
        """Submits and watches to the end; returns the result or raises TaskFailed."""
        task = self.submit(spec, **submit_args)
        last = None
        for last in self.watch(task.id):
            pass
        return self._result(task.id, last)

    def recommend(self, model_id: str, user_ids: Sequence[str], k: int = 10, **submit_args) -> Recommendations:
        """Runs a Recommend task and collects its partial results, one entry per user in order."""
        spec = tasks_pb2.TaskSpec(recommend=kinds_pb2.Recommend(model_id=model_id, user_ids=list(user_ids), k=k))
        task = self.submit(spec, **submit_args)
        users: list = []
        last = None
        for last in self.watch(task.id):
            kind = last.WhichOneof("event")
            # A retry starts over (it always writes Started): only the last attempt's chunks count.
            if kind == "started":
                users = []
            elif kind == "partial_result":
                users.extend(last.partial_result.recommendations)
        result = self._result(task.id, last)
        return Recommendations(task_id=task.id, result=result.recommend, users=users)

    def upload(self, source: Union[str, Iterable[Row]], *, dataset_id: str = "", display_name: str = "",
               timeout: float = 600.0) -> datasets_pb2.Dataset:
        """Uploads a dataset from a CSV/TSV file path, or from an iterable of (user, item[, weight[,
        timestamp]]) rows written as CSV on the fly (no pandas; nothing is held in memory whole).
        Timestamps (seconds since the epoch) order each user's history: the holdout and the
        validation split take the newest, and the sequential softmax reads the history in order."""
        def parts() -> Iterator[datasets_pb2.UploadDatasetRequest]:
            yield datasets_pb2.UploadDatasetRequest(metadata=datasets_pb2.DatasetMetadata(dataset_id=dataset_id, display_name=display_name))
            chunks = _file_chunks(source) if isinstance(source, str) else _row_chunks(source)
            for chunk in chunks:
                yield datasets_pb2.UploadDatasetRequest(chunk=chunk)
        return self._call(self.datasets.UploadDataset, parts(), timeout)

    # --- helpers -----------------------------------------------------------------------------

    def _call(self, method, request, timeout: float):
        try:
            return method(request, timeout=timeout)
        except grpc.RpcError as err:
            raise self._explain(err) from None

    def _result(self, task_id: str, last: Optional[tasks_pb2.TaskEvent]) -> tasks_pb2.TaskResult:
        kind = last.WhichOneof("event") if last is not None else None
        if kind == "succeeded":
            return last.succeeded.result
        if kind == "failed":
            e = last.failed.error
            raise TaskFailed(f"recflow: task {task_id} failed: {e.reason}: {e.message}", last)
        raise TaskFailed(f"recflow: task {task_id} was cancelled: {last.cancelled.reason if last else ''}", last)

    def _explain(self, err: grpc.RpcError) -> RecflowError:
        """One line naming the problem and the fix."""
        code, details = err.code(), " ".join(str(err.details() or "").split())
        if code == grpc.StatusCode.UNAVAILABLE:
            # grpcio reports a failed TLS handshake only as UNAVAILABLE with the SSL text of the cause.
            if self._tls and ("SSL" in details or "certificate" in details or "handshake" in details):
                msg = f"recflow: TLS with {self.target} failed ({details}): pass the CA that signed the gateway's certificate (ca_file=), or drop TLS for a plaintext gateway"
            else:
                msg = f"recflow: nothing answers at {self.target} ({details}): start the gateway (recflow dev / recflow gateway) or fix the address"
        elif code == grpc.StatusCode.UNAUTHENTICATED:
            msg = f"recflow: the gateway at {self.target} refused the token ({details}): pass a token from its RECFLOW_TENANTS_FILE (token=)"
        else:
            msg = f"recflow: {code.name}: {details}"
        return RecflowError(msg, code, _bad_fields(err))


def _bad_fields(err: grpc.RpcError) -> List[str]:
    """The fields named by the google.rpc.BadRequest in the error's grpc-status-details-bin."""
    trailers = err.trailing_metadata() if hasattr(err, "trailing_metadata") else None
    for key, value in trailers or ():
        if key == "grpc-status-details-bin":
            return _status_fields(status_pb2.Status.FromString(value))
    return []


def _status_fields(status: status_pb2.Status) -> List[str]:
    fields: List[str] = []
    for detail in status.details:
        bad = error_details_pb2.BadRequest()
        if detail.Unpack(bad):
            fields.extend(v.field for v in bad.field_violations)
    return fields


def _batch_result(r: tasks_pb2.BatchSubmitTaskResult) -> BatchResult:
    if r.WhichOneof("result") == "task":
        return BatchResult(task=r.task)
    code = _CODES.get(r.error.code, grpc.StatusCode.UNKNOWN)
    return BatchResult(error=EntryError(code=code, message=r.error.message, fields=_status_fields(r.error)))


def _file_chunks(path: str) -> Iterator[bytes]:
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK_BYTES):
            yield chunk


def _row_chunks(rows: Iterable[Row]) -> Iterator[bytes]:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    header_written = False
    for row in rows:
        if not header_written:
            writer.writerow(["user", "item", "weight", "timestamp"][: len(row)])
            header_written = True
        writer.writerow(row)
        if buf.tell() >= _CHUNK_BYTES:
            yield buf.getvalue().encode("utf-8")
            buf.seek(0)
            buf.truncate()
    if buf.tell():
        yield buf.getvalue().encode("utf-8")


def new_request_id() -> str:
    """A fresh idempotency key."""
    return f"py-{uuid.uuid4()}"
