"""What the bounds cost, and what they protect: over real HTTP against real uvicorn.

1. Overhead: ``employees(first: 50)`` (HR token, 50 concurrent, wrk) on Skillpath with the
   cost limit, input validation, rate limit (set too high to refuse) and metrics on, against
   the same server with them off (``bench/hardening_off.py``, settings off), A B A B in one
   run: the server process's CPU time per request (from /proc, which the shared machine's
   load hardly moves) and the throughput; the stock strawberry anchor serving 50 rows is
   measured in the same run.
2. The 49-alias query of issue 13 (``employees(first: 100)`` with nested lists, 49 times):
   its cost error's latency, sent by four clients at once, in a loop.
3. ``/livez`` latency while four clients run worst-case queries in a loop: the 49-alias
   query, and the costliest query the limit lets through.

4. With ``--livez``: only ``/livez`` under four clients sending the costliest allowed query,
   on the server as it ships (queries of cost 1,000 or more executed in a worker thread,
   app/schema/offload.py) against the same server with ``SKILLPATH_OFFLOAD_COST=0`` (every
   query on the event loop), A B A B; the anchor's throughput in the same run.

Run: ``.venv/bin/python -m bench.bench_hardening`` (``--rounds``, ``--seconds``,
``--employees``, ``--probes``, ``--livez``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from app.auth.tokens import mint_token
from bench.bench_http_queries import EMPLOYEES, SECRET, STOCK_EMPLOYEES, environment, seed
from bench.harness import print_machine
from bench.http_load import (
    Pairs,
    alternate,
    anchor,
    free_port,
    load_average,
    process,
    wait_until_serving,
    wrk,
)

NESTED = "edges { node { id name enrollments { id module { title } } skills { skill } } }"
WIDE = "{ " + " ".join(f"a{i}: employees(first: 100) {{ {NESTED} }}" for i in range(49)) + " }"
#: Cost 6,201 of the default 10,000: the most one such page may ask for.
COSTLIEST_ALLOWED = "{ employees(first: 100) { " + NESTED + " } }"


@dataclass
class Server:
    url: str
    pid: int

    def cpu_seconds(self) -> float:
        """User and system CPU time the server process has used so far."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def server(database: Path, folder: Path, *, hardened: bool,
           extra: dict[str, str] | None = None, tag: str = "") -> Iterator[Server]:  # fmt: skip
    env = {**environment(database, folder, projections=True), **(extra or {})}
    if hardened:
        env["SKILLPATH_RATE_LIMIT_PER_MINUTE"] = "1000000000"  # counted, never refused
        target = "app.main:create_app"
    else:
        env.update(SKILLPATH_MAX_QUERY_COST="0", SKILLPATH_METRICS="false",
                   SKILLPATH_RATE_LIMIT_PER_MINUTE="0")  # fmt: skip
        target = "bench.hardening_off:create_app"
    name = ("on" if hardened else "off") + tag
    port = free_port()
    args = [sys.executable, "-m", "uvicorn", target, "--factory", "--host", "127.0.0.1",
            "--port", str(port), "--log-level", "warning", "--no-access-log"]  # fmt: skip
    log = folder / f"api-{name}.log"
    with process(args, env, log) as running:
        url = f"http://127.0.0.1:{port}"
        wait_until_serving(url + "/livez", running, log)
        yield Server(url, running.pid)


def cpu_per_request(target: Server, body: dict[str, object], auth: str, *, connections: int,
                    seconds: float) -> tuple[float, float]:  # fmt: skip
    """(requests per second, server CPU milliseconds per request) of one wrk run."""
    before = target.cpu_seconds()
    load = wrk(target.url + "/graphql", body, auth=auth, connections=connections,
               seconds=seconds)  # fmt: skip
    used = target.cpu_seconds() - before
    return load.rate, used * 1000 / (load.rate * max(1, round(seconds)))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def hammer(url: str, query: str, auth: str, stop: threading.Event,
           timings: list[float], codes: list[str]) -> None:  # fmt: skip
    """One client sending ``query`` in a loop until ``stop``."""
    with httpx.Client(timeout=120, headers={"Authorization": auth}) as client:
        while not stop.is_set():
            started = time.perf_counter()
            answer = client.post(url + "/graphql", json={"query": query})
            timings.append((time.perf_counter() - started) * 1000)
            errors = answer.json().get("errors") or [{}]
            codes.append(str(errors[0].get("extensions", {}).get("code", "ok")))


def livez_under(url: str, query: str, auth: str, probes: int) -> tuple[list[float], list[float],
                                                                        set[str]]:  # fmt: skip
    """/livez latencies (ms) while four clients send ``query``; and theirs, and their codes."""
    stop = threading.Event()
    timings: list[float] = []
    codes: list[str] = []
    clients = [threading.Thread(target=hammer, args=(url, query, auth, stop, timings, codes))
               for _ in range(4)]  # fmt: skip
    for client in clients:
        client.start()
    time.sleep(1.0)  # all four under way
    probe_ms: list[float] = []
    with httpx.Client(timeout=120) as probe:
        for _ in range(probes):
            started = time.perf_counter()
            assert probe.get(url + "/livez").status_code == 200
            probe_ms.append((time.perf_counter() - started) * 1000)
            time.sleep(0.02)
    stop.set()
    for client in clients:
        client.join()
    return probe_ms, timings, set(codes)


def livez_alone(url: str, probes: int) -> list[float]:
    """/livez latencies (ms) with no other request in flight."""
    found: list[float] = []
    with httpx.Client(timeout=120) as probe:
        for _ in range(probes):
            started = time.perf_counter()
            assert probe.get(url + "/livez").status_code == 200
            found.append((time.perf_counter() - started) * 1000)
            time.sleep(0.02)
    return found


def describe(values: list[float]) -> str:
    return (f"p50 {statistics.median(values):.1f} ms, p99 {percentile(values, 0.99):.1f} ms,"
            f" max {max(values):.1f} ms over {len(values)}")  # fmt: skip


def livez_ab(args: argparse.Namespace, database: Path, folder: Path, auth: str) -> None:
    """/livez under the costliest allowed query, offloaded against on the loop, A B A B."""
    found: dict[str, list[list[float]]] = {"offloaded": [], "on the loop": []}
    answers: dict[str, list[float]] = {"offloaded": [], "on the loop": []}
    with (anchor(folder / "anchor.log") as stock,
          server(database, folder, hardened=True, tag="-offloaded") as offloaded,
          server(database, folder, hardened=True, extra={"SKILLPATH_OFFLOAD_COST": "0"},
                 tag="-loop") as on_loop):  # fmt: skip
        stock_load = wrk(stock + "/graphql", {"query": STOCK_EMPLOYEES},
                         connections=args.connections, seconds=args.seconds)  # fmt: skip
        print(f"anchor, stock strawberry 50 rows from memory: {stock_load.rate:,.1f} req/s,"
              f" p99 {stock_load.p99:.0f} ms; load {load_average()}")  # fmt: skip
        for round_ in range(1, args.rounds + 1):
            idle = livez_alone(offloaded.url, args.probes // 2)
            print(f"round {round_}, /livez with nothing else sent (what the machine allows"
                  f" now): {describe(idle)}; load {load_average()}")  # fmt: skip
            for name, target in (("offloaded", offloaded), ("on the loop", on_loop)):
                probes, timings, codes = livez_under(target.url, COSTLIEST_ALLOWED, auth,
                                                     args.probes)  # fmt: skip
                found[name].append(probes)
                answers[name].extend(timings)
                assert Path(f"/proc/{target.pid}").exists(), f"the {name} server exited"
                print(f"round {round_}, {name}: costliest allowed query x4 {describe(timings)}"
                      f" (codes {sorted(codes)}); /livez {describe(probes)};"
                      f" load {load_average()}")  # fmt: skip
    for name, runs in found.items():
        p99s = [percentile(run, 0.99) for run in runs]
        every = [value for run in runs for value in run]
        print(f"{name}: /livez p99 per round {', '.join(f'{v:.1f}' for v in p99s)} ms;"
              f" all probes {describe(every)}; the query's answers {describe(answers[name])};"
              f" target /livez < 100 ms: {'met' if max(p99s) < 100 else 'not met'}"
              f" (p99 in every round)")  # fmt: skip
    ratios = [percentile(a, 0.99) / percentile(b, 0.99)
              for a, b in zip(found["offloaded"], found["on the loop"], strict=True)]  # fmt: skip
    print(f"/livez p99 offloaded / on the loop: median pair ratio {statistics.median(ratios):.3f}"
          f" (range {min(ratios):.3f}-{max(ratios):.3f}); load {load_average()}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--employees", type=int, default=300)
    parser.add_argument("--probes", type=int, default=200)
    parser.add_argument("--livez", action="store_true", help="only /livez, offloaded vs not")
    parser.add_argument("--database", type=Path, default=None,
                        help="a folder this benchmark seeded before (its database and key"
                        " are copied, not changed)")  # fmt: skip
    args = parser.parse_args()
    print_machine()
    folder = Path(tempfile.mkdtemp(prefix="bench-hardening-"))
    started = time.perf_counter()
    if args.database is not None:
        database = folder / "http.sqlite3"
        for name in ("http.sqlite3", "master.key"):
            shutil.copyfile(args.database / name, folder / name)
        print(f"copied the seeded database of {args.database}; {args.connections} connections")
    else:
        database, _ = seed(folder, args.employees)
        print(f"seeded {args.employees} employees in {time.perf_counter() - started:.0f} s;"
              f" {args.connections} connections")  # fmt: skip
    auth = "Bearer " + mint_token(SECRET.encode(), role="hr", subject="hr@skillpath")
    if args.livez:
        livez_ab(args, database, folder, auth)
        return
    runs = {"rounds": args.rounds, "connections": args.connections, "seconds": args.seconds}
    with (anchor(folder / "anchor.log") as stock, server(database, folder, hardened=True) as on,
          server(database, folder, hardened=False) as off):  # fmt: skip
        page = {"query": EMPLOYEES}
        # Server CPU per request, A B A B: what the bounds cost the server, whatever else
        # the shared machine runs (throughput moves with the load; CPU per request hardly).
        cpu: dict[str, list[float]] = {"on": [], "off": []}
        for _ in range(args.rounds):
            for name, target in (("on", on), ("off", off)):
                cpu[name].append(cpu_per_request(target, page, auth,
                                                 connections=args.connections,
                                                 seconds=args.seconds)[1])  # fmt: skip
        ratios = [a / b for a, b in zip(cpu["on"], cpu["off"], strict=True)]
        cpu_overhead = statistics.median(ratios) - 1
        print(f"employees(first: 50), server CPU per request on vs off:"
              f" {statistics.median(cpu['on']):.2f} vs {statistics.median(cpu['off']):.2f} ms"
              f" (median pair ratio {statistics.median(ratios):.3f}, range {min(ratios):.3f}-"
              f"{max(ratios):.3f}: overhead {cpu_overhead:+.1%}); target < 5%:"
              f" {'met' if cpu_overhead < 0.05 else 'not met'}; load {load_average()}")  # fmt: skip
        pairs = alternate((on.url + "/graphql", page, auth), (off.url + "/graphql", page, auth),
                          **runs)  # fmt: skip
        overhead = 1 / pairs.rate_ratio() - 1
        each = [x.rate / y.rate for x, y in zip(pairs.a, pairs.b, strict=True)]
        print(f"employees(first: 50), bounds and metrics on vs off:"
              f" {Pairs.median(pairs.a, 'rate'):,.1f} vs {Pairs.median(pairs.b, 'rate'):,.1f}"
              f" req/s (median pair ratio {pairs.rate_ratio():.3f}, range {min(each):.3f}-"
              f"{max(each):.3f}: overhead {overhead:+.1%});"
              f" p99 {Pairs.median(pairs.a, 'p99'):.0f} vs {Pairs.median(pairs.b, 'p99'):.0f} ms;"
              f" target overhead < 5%: {'met' if overhead < 0.05 else 'not met'};"
              f" load {load_average()}")  # fmt: skip
        stock_load = wrk(stock + "/graphql", {"query": STOCK_EMPLOYEES},
                         connections=args.connections, seconds=args.seconds)  # fmt: skip
        print(f"anchor, stock strawberry 50 rows from memory: {stock_load.rate:,.1f} req/s,"
              f" p99 {stock_load.p99:.0f} ms; load {load_average()}")  # fmt: skip
        idle = livez_alone(on.url, args.probes)
        print(f"/livez with nothing else sent (what the machine allows now): {describe(idle)};"
              f" load {load_average()}")  # fmt: skip
        for name, query in (("49-alias query", WIDE), ("costliest allowed query",
                                                       COSTLIEST_ALLOWED)):  # fmt: skip
            probes, timings, codes = livez_under(on.url, query, auth, args.probes)
            print(f"{name} x4 in a loop: its answers {describe(timings)} (codes {sorted(codes)});"
                  f" /livez {describe(probes)}; target /livez < 100 ms:"
                  f" {'met' if percentile(probes, 0.99) < 100 else 'not met'} (p99);"
                  f" load {load_average()}")  # fmt: skip


if __name__ == "__main__":
    main()
