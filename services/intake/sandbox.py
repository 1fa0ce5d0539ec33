"""Run risky parsing (PDF, OCR) in a child process with memory, CPU and wall-clock limits.

Workers come from the `forkserver` context (a clean, single-threaded parent to fork from, with
pdfminer preloaded) and are reused, so a call costs a pipe round trip rather than a process
start. Each call sets the worker's address-space limit (RLIMIT_AS) and a CPU-time limit
(RLIMIT_CPU) before running the function; the parent waits at most `timeout_s` on the wall
clock. A timeout, memory exhaustion or a crash (signal) kills and replaces that worker and
raises `SandboxRefused` with a reason; the calling service keeps running and keeps the document.
Exceptions the function raises on purpose (e.g. `PdfRefused`) come back as themselves.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import pickle
import resource
import signal
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, TypeVar

from services.intake.words import PageText

T = TypeVar("T")

DEFAULT_TIMEOUT_S = 20.0
DEFAULT_MEMORY_MB = 512
MAX_IDLE_WORKERS = max(2, os.cpu_count() or 2)
MAX_CALLS_PER_WORKER = 200
_PRELOAD = ["services.intake.pdftext", "services.intake.words"]


class SandboxRefused(ValueError):
    """The isolated work did not finish within its limits; the message says which one."""


class _ChildFailed(Exception):
    """An exception raised in the child that could not travel back as itself."""


def _set_limits(timeout_s: float, memory_mb: int) -> None:
    limit = memory_mb * 1024 * 1024
    _, hard_as = resource.getrlimit(resource.RLIMIT_AS)
    if hard_as != resource.RLIM_INFINITY:
        limit = min(limit, hard_as)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard_as))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = int(usage.ru_utime + usage.ru_stime)
    _, hard_cpu = resource.getrlimit(resource.RLIMIT_CPU)
    soft_cpu = used + int(timeout_s) + 1
    if hard_cpu != resource.RLIM_INFINITY:
        soft_cpu = min(soft_cpu, hard_cpu)
    resource.setrlimit(resource.RLIMIT_CPU, (soft_cpu, hard_cpu))


def _worker_main(conn: Connection) -> None:
    """The child's loop: receive (func, args, limits), run, send ('ok'|'err'|'memory', value)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        func, args, timeout_s, memory_mb = message
        try:
            _set_limits(timeout_s, memory_mb)
            reply: tuple[str, Any] = ("ok", func(*args))
        except MemoryError:
            reply = ("memory", None)
        except Exception as exc:  # every failure goes back to the parent
            reply = ("err", exc)
        finally:
            hard = resource.getrlimit(resource.RLIMIT_AS)[1]
            resource.setrlimit(resource.RLIMIT_AS, (hard, hard))
        try:
            conn.send(reply)
        except MemoryError:
            conn.send(("memory", None))
        except Exception as exc:  # e.g. an unpicklable exception
            conn.send(("err", _ChildFailed(f"{type(exc).__name__}: {exc}")))
        if reply[0] == "memory":
            return  # a process that ran out of memory is not trusted with the next file


class _Worker:
    def __init__(self, context: multiprocessing.context.BaseContext) -> None:
        parent, child = context.Pipe(duplex=True)
        self.conn: Connection = parent
        self.process: BaseProcess = context.Process(  # type: ignore[attr-defined]
            target=_worker_main, args=(child,), daemon=True
        )
        self.process.start()
        child.close()
        self.calls = 0

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=2)
        self.conn.close()

    def crash_reason(self) -> str:
        self.process.join(timeout=2)
        code = self.process.exitcode
        if code is None:
            return "the extractor stopped answering"
        if code < 0:
            name = signal.Signals(-code).name
            if -code == signal.SIGXCPU:
                return "took longer than its CPU-time limit"
            if -code == signal.SIGKILL:
                return "was killed (out of memory?)"
            return f"crashed with signal {name}"
        return f"exited unexpectedly with code {code}"


class _Pool:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []
        self._context: multiprocessing.context.BaseContext | None = None
        self._pid = os.getpid()

    def _ctx(self) -> multiprocessing.context.BaseContext:
        if self._context is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(_PRELOAD)
            self._context = context
        return self._context

    def take(self) -> _Worker:
        with self._lock:
            if self._pid != os.getpid():  # forked: the parent's workers are not ours
                self._idle, self._pid = [], os.getpid()
            while self._idle:
                worker = self._idle.pop()
                if worker.process.is_alive():
                    return worker
                worker.stop()
        return _Worker(self._ctx())

    def give_back(self, worker: _Worker) -> None:
        worker.calls += 1
        with self._lock:
            if worker.calls < MAX_CALLS_PER_WORKER and len(self._idle) < MAX_IDLE_WORKERS:
                self._idle.append(worker)
                return
        worker.stop()

    def shutdown(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.stop()


_POOL = _Pool()
atexit.register(_POOL.shutdown)


def run_isolated(
    func: Callable[..., T],
    *args: Any,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    memory_mb: int = DEFAULT_MEMORY_MB,
) -> T:
    """`func(*args)` in a limited child process; its result, its own exception, or SandboxRefused.

    `func` must be a picklable top-level function; its arguments and result travel by pickle.
    """
    worker = _POOL.take()
    try:
        worker.conn.send((func, args, timeout_s, memory_mb))
    except (BrokenPipeError, EOFError, OSError):
        worker.stop()
        worker = _Worker(_POOL._ctx())  # a stale worker died in between; one fresh try
        worker.conn.send((func, args, timeout_s, memory_mb))
    except pickle.PicklingError as exc:
        _POOL.give_back(worker)
        raise TypeError(f"run_isolated needs picklable arguments: {exc}") from exc
    status, value = _await(worker, timeout_s)
    if status == "ok":
        _POOL.give_back(worker)
        result: T = value
        return result
    if status == "err":
        _POOL.give_back(worker)
        if isinstance(value, _ChildFailed):
            raise SandboxRefused(f"the extractor failed: {value}")
        if isinstance(value, ValueError):
            raise value  # a refusal with a reason (PdfRefused, OcrRefused …)
        raise SandboxRefused(f"the extractor failed: {type(value).__name__}: {value}")
    worker.stop()
    if status == "memory":
        raise SandboxRefused(f"needed more than {memory_mb} MB of memory")
    raise SandboxRefused(str(value))


def _await(worker: _Worker, timeout_s: float) -> tuple[str, Any]:
    try:
        ready = worker.conn.poll(timeout_s)
    except (EOFError, OSError):
        ready = True
    if not ready:
        worker.stop()
        return "refused", f"took longer than {timeout_s:g} s"
    try:
        reply: tuple[str, Any] = worker.conn.recv()
    except (EOFError, OSError):
        return "refused", worker.crash_reason()
    except MemoryError:
        return "refused", "the result was too large"
    return reply


def pdf_pages_isolated(
    data: bytes,
    max_pages: int = 50,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    memory_mb: int = DEFAULT_MEMORY_MB,
) -> list[PageText]:
    from services.intake.pdftext import pdf_pages

    return run_isolated(pdf_pages, data, max_pages, timeout_s=timeout_s, memory_mb=memory_mb)


def embedded_xml_isolated(
    data: bytes,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    memory_mb: int = DEFAULT_MEMORY_MB,
) -> bytes | None:
    from services.intake.pdftext import embedded_xml

    return run_isolated(embedded_xml, data, timeout_s=timeout_s, memory_mb=memory_mb)


def shutdown() -> None:
    """Stop the idle workers (tests, graceful shutdown); new calls start fresh ones."""
    _POOL.shutdown()
