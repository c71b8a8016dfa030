"""The registry of background job kinds.

A handler is a thin function ``handler(**payload)`` that loads rows by id and calls one
service. It must be idempotent: a job is delivered at least once.
"""

from collections.abc import Callable

_HANDLERS: dict[str, Callable[..., None]] = {}


def job_handler(kind: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    def register(func: Callable[..., None]) -> Callable[..., None]:
        if kind in _HANDLERS and _HANDLERS[kind] is not func:
            raise RuntimeError(f"Job kind {kind!r} is registered twice.")
        _HANDLERS[kind] = func
        return func

    return register


def handler_for(kind: str) -> Callable[..., None]:
    try:
        return _HANDLERS[kind]
    except KeyError:
        raise LookupError(f"No handler is registered for job kind {kind!r}.") from None


def registered_kinds() -> list[str]:
    return sorted(_HANDLERS)
