"""Ctrl-C during a run: finish the file in hand, then stop cleanly.

The first SIGINT only sets a flag that the clean loop checks between files,
so the summary of what was done is still printed (exit 130). A second
SIGINT stops at once; even then no file is half-written, because every
write is atomic (cleaner.files.atomic_write).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for Ctrl-C


class StopRequest:
    """Set by the first SIGINT inside :func:`finish_current_on_sigint`."""

    requested: bool = False


@contextmanager
def finish_current_on_sigint() -> Iterator[StopRequest]:
    stop = StopRequest()
    if threading.current_thread() is not threading.main_thread():
        yield stop  # signal handlers can only be set from the main thread
        return

    def on_sigint(signum, frame) -> None:
        if stop.requested:
            raise KeyboardInterrupt
        stop.requested = True

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, previous)
