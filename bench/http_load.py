"""Load over real HTTP: servers in their own processes on loopback, and wrk as the client.

Every figure a user would meet (throughput, latency) is measured like this: Skillpath served
by uvicorn (embedded, or in the production layout with ``skillpath project`` in a process of
its own), the anchors of ``/work/shared/anchors`` served the same way, and one client for
both (``wrk``, Debian's package; ``apt-get install wrk``) at the same concurrency. Runs take
turns, A B A B, so load from elsewhere on a shared machine weighs on both alike, and a
comparison is the median of the per-pair ratios.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
ANCHORS = Path(os.environ.get("SKILLPATH_ANCHORS", ROOT.parent / "shared" / "anchors"))
POST_SCRIPT = ROOT / "bench" / "post.lua"
ROTATE_SCRIPT = ROOT / "bench" / "rotate.lua"
_LATENCY = re.compile(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$", re.M)
_RATE = re.compile(r"Requests/sec:\s+([\d.]+)")
_UNIT = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_serving(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited: {log.read_text()[-2000:]}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not start: {log.read_text()[-2000:]}") from None
            time.sleep(0.1)


@contextlib.contextmanager
def process(
    args: list[str], env: Mapping[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("ab") as out:
        running = subprocess.Popen(args, cwd=ROOT, env=dict(env), stdout=out,
                                   stderr=subprocess.STDOUT)  # fmt: skip
    try:
        yield running
    finally:
        running.terminate()
        try:
            running.wait(20)
        except subprocess.TimeoutExpired:
            running.kill()
            running.wait(5)


@contextlib.contextmanager
def uvicorn(target: str, env: Mapping[str, str], log: Path, *, factory: bool = True,
            app_dir: Path | None = None, probe: str = "/healthz") -> Iterator[str]:  # fmt: skip
    """A uvicorn process serving ``target``; yields its base URL."""
    port = free_port()
    args = [sys.executable, "-m", "uvicorn", target, "--host", "127.0.0.1", "--port", str(port),
            "--log-level", "warning", "--no-access-log"]  # fmt: skip
    if factory:
        args.append("--factory")
    if app_dir is not None:
        args += ["--app-dir", str(app_dir)]
    url = f"http://127.0.0.1:{port}"
    with process(args, env, log) as running:
        wait_until_serving(url + probe, running, log)
        yield url


@contextlib.contextmanager
def anchor(log: Path) -> Iterator[str]:
    """The stock strawberry anchor app (``stock_strawberry_app.py``)."""
    with uvicorn("stock_strawberry_app:app", dict(os.environ), log, factory=False,
                 app_dir=ANCHORS, probe="/plain") as url:  # fmt: skip
        yield url


@dataclass(frozen=True)
class Load:
    """One wrk run: requests per second and latency percentiles (ms)."""

    rate: float
    p50: float
    p99: float


Body = dict[str, object] | Path


def write_requests(path: Path, requests: list[tuple[str, dict[str, object]]]) -> Path:
    """A file of (Authorization, body) requests for ``rotate.lua``: distinct users."""
    lines = [f"{auth}\t{json.dumps(body)}" for auth, body in requests]
    assert all("\n" not in line and line.count("\t") == 1 for line in lines)
    path.write_text("\n".join(lines) + "\n")
    return path


def wrk(url: str, body: Body, *, auth: str = "", connections: int = 50,
        seconds: float = 5.0, threads: int = 1) -> Load:  # fmt: skip
    """Drive ``url`` with POSTs of ``body`` for ``seconds``; a ``Path`` body is a file of
    requests (``write_requests``) taken in turn, each with its own token."""
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed (apt-get install wrk)")
    if isinstance(body, Path):
        env, script = {**os.environ, "REQUESTS": str(body)}, ROTATE_SCRIPT
    else:
        env, script = {**os.environ, "BODY": json.dumps(body), "AUTH": auth}, POST_SCRIPT
    done = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency",
         "-s", str(script), url],
        capture_output=True, text=True, env=env, check=True,
    )  # fmt: skip
    out = done.stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"{url} answered errors under load:\n{out}")
    latency = {p: float(v) * _UNIT[u] for p, v, u in _LATENCY.findall(out)}
    rate = _RATE.search(out)
    if rate is None or "99" not in latency:
        raise RuntimeError(f"wrk printed no figures:\n{out}")
    return Load(float(rate.group(1)), latency["50"], latency["99"])


@dataclass(frozen=True)
class Pairs:
    """A B A B runs of two targets, and the median of their per-pair ratios."""

    a: list[Load]
    b: list[Load]

    def rate_ratio(self) -> float:
        return statistics.median(x.rate / y.rate for x, y in zip(self.a, self.b, strict=True))

    def p99_ratio(self) -> float:
        return statistics.median(x.p99 / y.p99 for x, y in zip(self.a, self.b, strict=True))

    @staticmethod
    def median(loads: list[Load], what: str) -> float:
        return statistics.median(getattr(load, what) for load in loads)


def alternate(a: tuple[str, Body, str], b: tuple[str, Body, str],
              *, rounds: int, connections: int, seconds: float) -> Pairs:  # fmt: skip
    """``rounds`` pairs: (url, body, auth) A then B, after one warm-up of each."""
    for url, body, auth in (a, b):
        wrk(url, body, auth=auth, connections=connections, seconds=1)
    first, second = [], []
    for _ in range(rounds):
        first.append(wrk(a[0], a[1], auth=a[2], connections=connections, seconds=seconds))
        second.append(wrk(b[0], b[1], auth=b[2], connections=connections, seconds=seconds))
    return Pairs(first, second)


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())
