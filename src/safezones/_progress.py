"""Progress of long commands: a rich bar in a terminal, plain log lines elsewhere.

When stderr is a terminal the CLI shows rich's live bar. When it is not (a
pipe, a log file, CI), a live bar prints nothing useful, so
:class:`LogProgress` writes one plain line per step instead, such as::

    19:05:28 safezones: aleppo-freeze: draws 250/500

A line is written when a task starts, when its description changes (a new
stage), when it finishes, and in between when it has advanced by
:data:`LINE_FRACTION` of its total or :data:`LINE_SECONDS` have passed,
but never more often than every :data:`MIN_SECONDS`. No control codes.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import IO, Any

from rich.console import Console
from rich.progress import Progress, ProgressColumn, TaskID

__all__ = ["LINE_FRACTION", "LINE_SECONDS", "MIN_SECONDS", "LogProgress", "progress_bar"]

#: A line when a task has advanced by this share of its total (assumption: ten lines a stage).
LINE_FRACTION = 0.1
#: A line after this many seconds without one, if the task advanced (assumption).
LINE_SECONDS = 5.0
#: Never two lines of one task closer than this (assumption: keeps fast loops quiet).
MIN_SECONDS = 1.0


@dataclass
class _Task:
    description: str
    total: float | None
    completed: float = 0.0
    said_completed: float | None = None  # progress at the last line written
    said_at: float = 0.0  # time of the last line


class LogProgress:
    """The part of :class:`rich.progress.Progress` the CLI uses, as plain lines.

    Parameters
    ----------
    stream
        Where lines go (stderr by default).
    clock
        Seconds, monotonic; a parameter for tests.

    Examples
    --------
    >>> import io
    >>> buf = io.StringIO()
    >>> with LogProgress(stream=buf, clock=lambda: 0.0, stamp=lambda: "12:00:00") as bar:
    ...     t = bar.add_task("aleppo-freeze: draws", total=4)
    ...     for k in range(1, 5):
    ...         bar.update(t, completed=k)
    ...     bar.update(t, description="aleppo-freeze: writing")
    >>> print(buf.getvalue(), end="")
    12:00:00 safezones: aleppo-freeze: draws
    12:00:00 safezones: aleppo-freeze: draws 4/4
    12:00:00 safezones: aleppo-freeze: writing
    """

    def __init__(
        self,
        *,
        stream: IO[str] | None = None,
        clock: Callable[[], float] = time.monotonic,
        stamp: Callable[[], str] = lambda: time.strftime("%H:%M:%S"),
    ) -> None:
        self._stream = stream
        self._clock = clock
        self._stamp = stamp
        self._tasks: dict[TaskID, _Task] = {}

    def __enter__(self) -> LogProgress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def _write(self, task: _Task) -> None:
        text = task.description
        if task.total is not None and task.said_completed is not None:
            text += f" {task.completed:,.0f}/{task.total:,.0f}"
        stream = self._stream if self._stream is not None else sys.stderr
        stream.write(f"{self._stamp()} safezones: {text}\n")
        stream.flush()
        task.said_at = self._clock()

    def add_task(self, description: str, *, total: float | None = None, **_: Any) -> TaskID:
        """Start a task: one line with its description."""
        tid = TaskID(len(self._tasks))
        task = _Task(description, total)
        self._tasks[tid] = task
        self._write(task)
        return tid

    def reset(self, task_id: TaskID, *, total: float | None = None, **_: Any) -> None:
        """Start counting a task again (its total may change); no line."""
        task = self._tasks[task_id]
        task.completed = 0.0
        task.said_completed = None
        if total is not None:
            task.total = total

    def update(
        self,
        task_id: TaskID,
        *,
        completed: float | None = None,
        total: float | None = None,
        description: str | None = None,
        **_: Any,
    ) -> None:
        """Record progress; write a line when the stage changes or enough has happened."""
        task = self._tasks[task_id]
        if total is not None:
            task.total = total
        if description is not None and description != task.description:
            task.description = description  # a new stage: always a line
            if completed is not None:
                task.completed = completed
            task.said_completed = task.completed if completed is not None else None
            self._write(task)
            return
        if completed is None or completed == task.completed:
            return
        task.completed = completed
        now = self._clock()
        last = task.said_completed
        finished = task.total is not None and completed >= task.total
        advanced = (
            task.total is not None
            and task.total > 0
            and (completed - (last or 0.0)) >= LINE_FRACTION * task.total
        )
        waited = now - task.said_at
        if finished or (waited >= MIN_SECONDS and (advanced or waited >= LINE_SECONDS)):
            task.said_completed = completed
            self._write(task)


def progress_bar(
    console: Console, *columns: ProgressColumn | str, quiet: bool = False
) -> Progress | LogProgress:
    """Rich's transient bar when ``console`` is a terminal, else :class:`LogProgress`.

    ``quiet`` gives a disabled bar: nothing is printed either way.
    """
    if console.is_terminal or quiet:
        return Progress(*columns, console=console, disable=quiet, transient=True)
    return LogProgress(stream=console.file)
