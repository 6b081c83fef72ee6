"""recflow's Python client: the generated stubs (recflow.v1) and a small typed wrapper."""
from recflow.client import BatchResult, Client, EntryError, Recommendations, RecflowError, TaskFailed, TaskWatch
from recflow.v1 import datasets_pb2, kinds_pb2, models_pb2, tasks_pb2

__all__ = ["BatchResult", "Client", "EntryError", "Recommendations", "RecflowError", "TaskFailed", "TaskWatch", "datasets_pb2", "kinds_pb2", "models_pb2", "tasks_pb2"]
