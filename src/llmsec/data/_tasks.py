"""The task registry (kept here for the modules that import it as ``._tasks``; see :mod:`.tasks`)."""

from .tasks import TASKS, Task, TaskRecordError, get_task, record_text, register_task

__all__ = ["TASKS", "Task", "TaskRecordError", "get_task", "record_text", "register_task"]
