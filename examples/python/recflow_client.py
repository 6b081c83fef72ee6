#!/usr/bin/python3
"""A small recflow client: submit a task, stream its events, print the result.

    /usr/bin/python3 recflow_client.py --target 127.0.0.1:50051 [--token T] probe --work-ms 200
    /usr/bin/python3 recflow_client.py alias set prod m_... [--expected-revision N]
    /usr/bin/python3 recflow_client.py alias get prod

Prints, one per line:

    task_id: t_...                                   (after SubmitTask)
    event seq=1 type=queued state=QUEUED progress=0.00   (one per WatchTask event)
    result: {"probe": {...}}                          (or "error: {...}" / "cancelled: ...")
    final_state: SUCCEEDED

The alias commands print the alias after the call: "alias: name=prod model_id=m_... revision=N",
then one "history: <previous> -> <model>" line per change, newest first.

Exit status: 0 when the task SUCCEEDED, 1 otherwise (task FAILED or CANCELLED, server
unreachable, RPC error); 2 for bad command-line usage. Errors are one line on stderr, no traceback.

Message types come from examples/python/recflow_stubs/recflow.binpb, a FileDescriptorSet written
by gen.sh (see README.md for why not *_pb2.py stubs); the RPCs are made with grpc's generic
unary_unary / unary_stream calls on method paths.
"""

import argparse
import json
import os
import sys
import uuid

PROG = "recflow_client"
STUBS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "recflow_stubs", "recflow.binpb")
SERVICE = "/recflow.v1.TasksService/"
MODELS_SERVICE = "/recflow.v1.ModelsService/"
TERMINAL = {"succeeded", "failed", "cancelled"}
# How often a watch cut with UNAVAILABLE (e.g. a gateway draining) is resumed from the last sequence.
WATCH_RESUMES = 3


def fail(msg, code=1):
    print(f"{PROG}: {msg}", file=sys.stderr)
    sys.exit(code)


try:
    import grpc
    from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory
except ImportError as err:
    fail(f"{err.name or err} is not importable by {sys.executable}; run scripts/install-python-grpc.sh "
         "(Debian packages python3-grpcio, python3-grpc-tools, python3-protobuf) and use /usr/bin/python3")


class Protos:
    """recflow.v1 message classes from the descriptor set gen.sh writes."""

    def __init__(self, path=STUBS):
        try:
            with open(path, "rb") as f:
                fds = descriptor_pb2.FileDescriptorSet.FromString(f.read())
        except OSError as err:
            fail(f"cannot read {path} ({err.strerror}); run examples/python/gen.sh first")
        self.pool = descriptor_pool.DescriptorPool()
        # Add files dependencies first (buf already orders them so; this does not rely on it).
        by_name = {f.name: f for f in fds.file}
        added = set()

        def add(name):
            if name in added:
                return
            for dep in by_name[name].dependency:
                add(dep)
            self.pool.Add(by_name[name])
            added.add(name)

        for name in by_name:
            add(name)
        self._classes = {}

    def msg(self, full_name):
        """The message class for e.g. 'recflow.v1.Task'."""
        if full_name not in self._classes:
            desc = self.pool.FindMessageTypeByName(full_name)
            if hasattr(message_factory, "GetMessageClass"):  # protobuf >= 4.22
                cls = message_factory.GetMessageClass(desc)
            else:  # older protobuf (Debian 12 ships 3.21 / 4.21)
                cls = message_factory.MessageFactory(self.pool).GetPrototype(desc)
            self._classes[full_name] = cls
        return self._classes[full_name]

    def enum_name(self, enum_full_name, number, prefix=""):
        """'TASK_STATE_SUCCEEDED' -> 'SUCCEEDED' with prefix='TASK_STATE_'."""
        values = self.pool.FindEnumTypeByName(enum_full_name).values_by_number
        name = values[number].name if number in values else str(number)
        return name[len(prefix):] if prefix and name.startswith(prefix) else name


def to_json(message):
    return json.dumps(json_format.MessageToDict(message), separators=(",", ":"), sort_keys=True)


def rpc_error_line(err, target):
    code = err.code()
    details = err.details() or ""
    if code == grpc.StatusCode.UNAVAILABLE:
        return f"recflow is unavailable at {target}: {details}"
    if code == grpc.StatusCode.DEADLINE_EXCEEDED:
        return f"no answer from recflow at {target} in time ({details})"
    return f"{code.name}: {details}"


def call_metadata(token):
    return (("authorization", f"Bearer {token}"),) if token else None


def submit_probe(channel, protos, args):
    submit = channel.unary_unary(
        SERVICE + "SubmitTask",
        request_serializer=lambda m: m.SerializeToString(),
        response_deserializer=protos.msg("recflow.v1.Task").FromString,
    )
    req = protos.msg("recflow.v1.SubmitTaskRequest")(request_id=args.request_id)
    probe = req.task.probe
    probe.work_ms = args.work_ms
    probe.cpu = args.cpu
    probe.progress_steps = args.progress_steps
    probe.fail_attempts = args.fail_attempts
    probe.permanent_error = args.permanent_error
    probe.SetInParent()  # selects the oneof member even when every field is at its default
    if args.max_retries is not None:
        req.task.max_retries = args.max_retries
    return submit(req, timeout=args.rpc_timeout, metadata=call_metadata(args.token))


def watch(channel, protos, args, task_id):
    """Prints each event; returns the terminal event, or None when the stream ended without one."""
    watch_task = channel.unary_stream(
        SERVICE + "WatchTask",
        request_serializer=lambda m: m.SerializeToString(),
        response_deserializer=protos.msg("recflow.v1.TaskEvent").FromString,
    )
    after = 0
    resumes = 0
    while True:
        req = protos.msg("recflow.v1.WatchTaskRequest")(task_id=task_id, after_sequence=after)
        try:
            for ev in watch_task(req, timeout=args.watch_timeout, metadata=call_metadata(args.token)):
                after = ev.sequence
                kind = ev.WhichOneof("event") or "unknown"
                state = protos.enum_name("recflow.v1.TaskState", ev.status.state, "TASK_STATE_")
                fraction = ev.progress.fraction if kind == "progress" else ev.status.progress
                line = f"event seq={ev.sequence} type={kind} state={state} progress={fraction:.2f}"
                if kind == "progress" and ev.progress.message:
                    line += f" message={ev.progress.message!r}"
                if kind == "started":
                    line += f" attempt={ev.started.attempt} worker={ev.started.worker_id}"
                if kind == "retrying":
                    line += f" attempt={ev.retrying.attempt} reason={ev.retrying.error.reason}"
                print(line, flush=True)
                if kind in TERMINAL:
                    return ev
            return None
        except grpc.RpcError as err:
            # The gateway ends watches with UNAVAILABLE when it drains; resume after the last event.
            if err.code() == grpc.StatusCode.UNAVAILABLE and resumes < WATCH_RESUMES:
                resumes += 1
                print(f"{PROG}: watch interrupted ({err.details()}); resuming after sequence {after}",
                      file=sys.stderr, flush=True)
                continue
            raise


def run_probe(args):
    protos = Protos()
    with grpc.insecure_channel(args.target) as channel:
        task = submit_probe(channel, protos, args)
        print(f"task_id: {task.id}", flush=True)
        print(f"request_id: {task.request_id}", flush=True)
        final = watch(channel, protos, args, task.id)
    if final is None:
        print("final_state: UNKNOWN", flush=True)
        fail(f"the watch of {task.id} ended without a terminal event")
    kind = final.WhichOneof("event")
    if kind == "succeeded":
        print(f"result: {to_json(final.succeeded.result)}", flush=True)
    elif kind == "failed":
        print(f"error: {to_json(final.failed.error)}", flush=True)
    else:
        print(f"cancelled: {final.cancelled.reason}", flush=True)
    state = protos.enum_name("recflow.v1.TaskState", final.status.state, "TASK_STATE_")
    print(f"final_state: {state}", flush=True)
    return 0 if kind == "succeeded" else 1


def run_alias(args):
    """SetModelAlias (with an optional compare-and-set revision) or GetModelAlias; prints the alias."""
    protos = Protos()
    with grpc.insecure_channel(args.target) as channel:
        alias_cls = protos.msg("recflow.v1.ModelAlias")
        if args.alias_command == "set":
            rpc = channel.unary_unary(MODELS_SERVICE + "SetModelAlias", request_serializer=lambda m: m.SerializeToString(),
                                      response_deserializer=alias_cls.FromString)
            req = protos.msg("recflow.v1.SetModelAliasRequest")(name=args.name, model_id=args.model_id)
            if args.expected_revision is not None:
                req.expected_revision = args.expected_revision
        else:
            rpc = channel.unary_unary(MODELS_SERVICE + "GetModelAlias", request_serializer=lambda m: m.SerializeToString(),
                                      response_deserializer=alias_cls.FromString)
            req = protos.msg("recflow.v1.GetModelAliasRequest")(name=args.name)
        alias = rpc(req, timeout=args.rpc_timeout, metadata=call_metadata(args.token))
    print(f"alias: name={alias.name} model_id={alias.model_id} revision={alias.revision}", flush=True)
    for h in alias.history:
        print(f"history: {h.previous_model_id or '(new)'} -> {h.model_id}", flush=True)
    return 0


def parse_args(argv):
    p = argparse.ArgumentParser(prog=PROG, description="Submit a recflow task and stream its events.")
    p.add_argument("--target", default="127.0.0.1:50051", help="gateway host:port (default %(default)s)")
    p.add_argument("--token", help="bearer token, sent as 'authorization: Bearer <token>' metadata")
    p.add_argument("--rpc-timeout", type=float, default=10.0, help="SubmitTask deadline in seconds")
    p.add_argument("--watch-timeout", type=float, default=600.0, help="WatchTask deadline in seconds")
    sub = p.add_subparsers(dest="command", required=True)
    probe = sub.add_parser("probe", help="synthetic work (needs no dataset)")
    probe.add_argument("--work-ms", type=int, default=200, help="how long the work takes")
    probe.add_argument("--progress-steps", type=int, default=0, help="progress events (0: one per 10%%)")
    probe.add_argument("--cpu", action="store_true", help="busy-compute instead of sleeping")
    probe.add_argument("--fail-attempts", type=int, default=0, help="fail this many first attempts (retryable)")
    probe.add_argument("--permanent-error", action="store_true", help="fail at once, not retried")
    probe.add_argument("--max-retries", type=int, help="retries after the first attempt (server default 3)")
    probe.add_argument("--request-id", default=None, help="idempotency key (default: a fresh py-<uuid>)")
    alias = sub.add_parser("alias", help="model aliases: set (compare-and-set with --expected-revision) or get")
    alias_sub = alias.add_subparsers(dest="alias_command", required=True)
    alias_set = alias_sub.add_parser("set", help="point an alias at a model")
    alias_set.add_argument("name")
    alias_set.add_argument("model_id")
    alias_set.add_argument("--expected-revision", type=int, default=None, help="only if the alias is at this revision (0: new)")
    alias_get = alias_sub.add_parser("get", help="the alias's model, revision and history")
    alias_get.add_argument("name")
    args = p.parse_args(argv)
    if args.command == "probe" and not args.request_id:
        args.request_id = f"py-{uuid.uuid4()}"
    return args


def main(argv=None):
    args = parse_args(argv)
    try:
        return run_alias(args) if args.command == "alias" else run_probe(args)
    except grpc.RpcError as err:
        fail(rpc_error_line(err, args.target))
    except KeyboardInterrupt:
        fail("interrupted", 130)


if __name__ == "__main__":
    sys.exit(main())
