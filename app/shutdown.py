"""Long-running commands stop cleanly on SIGTERM (and Ctrl-C): in-flight work finishes,
then the process exits 0, as container runtimes and service managers expect."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


def wait_for_stop(alive: Callable[[], bool] = lambda: True) -> None:
    """Block until SIGTERM or SIGINT arrives (or ``alive()`` turns false)."""
    stop = threading.Event()

    def asked(signum: int, _frame: object) -> None:
        log.info("received %s: finishing in-flight work", signal.Signals(signum).name)
        stop.set()

    previous = {s: signal.signal(s, asked) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        while alive() and not stop.wait(0.5):
            pass
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
