"""recflow's Python client: the generated stubs (recflow.v1) and a small typed wrapper."""
from recflow.client import Client, Recommendations, RecflowError, TaskFailed
from recflow.v1 import datasets_pb2, kinds_pb2, models_pb2, tasks_pb2

__all__ = ["Client", "Recommendations", "RecflowError", "TaskFailed", "datasets_pb2", "kinds_pb2", "models_pb2", "tasks_pb2"]
