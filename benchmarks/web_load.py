"""Load benchmark of the web app: p50/p99 latency and requests/s for the page and the API.

Starts ``uvicorn`` serving ``solemap.web.app:create_app`` on 127.0.0.1 in a subprocess, warms the
caches, then sends requests at a fixed rate (open loop: a slow answer does not slow the sender,
so queueing shows up in the latency) for a bounded time and count per route. Latency is measured
from the moment a request was due, so a backlog is not hidden. The sender is a lean asyncio
HTTP/1.1 client (``--client httpx`` uses httpx.AsyncClient, which costs more CPU per request and
so starves sooner on a small shared machine).

    python benchmarks/web_load.py                    # 10 s per route, 200 req/s for the API
    python benchmarks/web_load.py --duration 5 --json results.json

Target (issue 5): p99 < 50 ms at 200 requests/s for the API routes on 2 cores.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np

TARGET_P99_MS = 50.0
BASELINE = "/api/shoe-sizes"

#: Parameter sets of the map picture the page asks for (each is rendered once, then cached).
MAP_QUERIES: tuple[str, ...] = (
    "side=both&layers=reflexology&interactive=true",
    "side=both&layers=reflexology,anatomy&interactive=true",
    "side=left&layers=anatomy,trigger-points",
    "side=right&layers=pressure-regions",
    "side=both&layers=referred-pain&length_mm=270",
    "side=both&layers=reflexology-zones&shoe_size=42&shoe_system=eu",
)


@dataclass
class RouteResult:
    route: str
    rate_target: float
    sent: int
    ok: int
    errors: int
    seconds: float
    requests_per_s: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    bytes_per_response: float
    send_lag_p99_ms: float
    meets_target: bool | None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(port: int, workers: int, log: Any) -> subprocess.Popen[bytes]:
    """uvicorn in a subprocess; its warnings and errors go to ``log`` (a file, never a pipe that
    could fill up and stall the server)."""
    cmd = [
        sys.executable, "-m", "uvicorn", "solemap.web.app:create_app", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log",
        "--workers", str(workers),
    ]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log, env=env)


def wait_until_up(base: str, proc: subprocess.Popen[bytes], log: Any, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            err = log.read().decode(errors="replace")
            raise SystemExit(f"the server exited early (status {proc.returncode}):\n{err}")
        try:
            if httpx.get(base + "/api/layers", timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the server did not answer within {timeout:.0f} s")


def make_urls(route: str, count: int, seed: int) -> list[str]:
    """The request targets for one route: random sole points for /api/where, map variants in turn."""
    rng = random.Random(seed)
    if route == "/api/where":
        return [
            f"/api/where?u={rng.random():.4f}&v={rng.random():.4f}&side={rng.choice(('left', 'right'))}"
            for _ in range(count)
        ]
    if route == "/api/map.svg":
        return [f"/api/map.svg?{MAP_QUERIES[i % len(MAP_QUERIES)]}" for i in range(count)]
    return [route] * count  # the page and the baseline


Fetch = Callable[[str], Awaitable[tuple[int, int]]]


class RawHttpClient:
    """A minimal keep-alive HTTP/1.1 GET client on asyncio streams.

    On a small machine shared with other work, httpx's per-request cost (a few hundred µs of
    Python) makes the *sender* fall behind at 200 requests/s, and the latencies then measure the
    client. This one does only what the benchmark needs: GET, Content-Length or chunked bodies,
    a pool of persistent connections. ``--client httpx`` uses httpx instead.
    """

    def __init__(self, host: str, port: int, size: int) -> None:
        self.host, self.port, self.size = host, port, size
        self._idle: asyncio.LifoQueue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.LifoQueue()
        self._open = 0
        self._all: list[asyncio.StreamWriter] = []

    async def _connection(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, bool]:
        """A connection and whether it is new (a reused one may have been closed by the server)."""
        if not self._idle.empty():
            return (*self._idle.get_nowait(), False)
        if self._open < self.size:
            return (*await self._connect(), True)
        return (*await self._idle.get(), False)

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        self._open += 1
        try:
            reader, writer = await asyncio.open_connection(self.host, self.port)
        except OSError:
            self._open -= 1
            raise
        self._all.append(writer)
        return reader, writer

    async def get(self, path: str) -> tuple[int, int]:
        """``(status, body bytes as sent)`` of ``GET path``."""
        reader, writer, fresh = await self._connection()
        try:
            return await self._exchange(reader, writer, path)
        except ConnectionError:
            if fresh:
                raise
        # The server closes keep-alive connections that sat idle (uvicorn: after 5 s): retry once
        # on a new connection, as any HTTP client does.
        reader, writer = await self._connect()
        return await self._exchange(reader, writer, path)

    async def _exchange(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str
    ) -> tuple[int, int]:
        try:
            host = f"{self.host}:{self.port}"
            writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept-Encoding: gzip\r\n\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            headers = {}
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                headers[name.strip().lower()] = value.strip().lower()
            if b"content-length" in headers:
                size = int(headers[b"content-length"])
                await reader.readexactly(size)
            elif headers.get(b"transfer-encoding") == b"chunked":
                size = 0
                while True:
                    chunk = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                    await reader.readexactly(chunk + 2)
                    size += chunk
                    if chunk == 0:
                        break
            else:
                raise ValueError("response without a length")
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            writer.close()
            self._open -= 1
            raise ConnectionError(f"GET {path} failed") from None
        if headers.get(b"connection") == b"close":
            writer.close()
            self._open -= 1
        else:
            self._idle.put_nowait((reader, writer))
        return status, size

    async def aclose(self) -> None:
        for writer in self._all:
            writer.close()


def httpx_fetch(client: httpx.AsyncClient) -> Fetch:
    async def fetch(path: str) -> tuple[int, int]:
        # Read the body as sent (gzip for the big maps): the client should not pay for inflating it.
        async with client.stream("GET", path) as response:
            size = 0
            async for chunk in response.aiter_raw():
                size += len(chunk)
        return response.status_code, size

    return fetch


async def run_route(
    fetch: Fetch, route: str, rate: float, duration: float, max_requests: int, seed: int, api_route: bool
) -> RouteResult:
    """Send ``min(rate × duration, max_requests)`` requests on a fixed schedule and time them."""
    count = max(1, min(int(rate * duration), max_requests))
    urls = make_urls(route, count, seed)
    latencies: list[float] = []
    lags: list[float] = []
    sizes: list[int] = []
    errors = 0

    async def one(url: str, due: float) -> None:
        nonlocal errors
        # How late the client itself starts a request: if this grows, the sender (not the server)
        # is falling behind, and the latencies say more about this machine than about the app.
        lags.append(time.perf_counter() - due)
        try:
            status, size = await fetch(url)
        except (httpx.HTTPError, ConnectionError):
            errors += 1
            return
        if status != 200:
            errors += 1
            return
        latencies.append(time.perf_counter() - due)
        sizes.append(size)

    start = time.perf_counter() + 0.05
    tasks = []
    for i, url in enumerate(urls):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(url, due)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    lat_ms = np.array(latencies) * 1000.0 if latencies else np.array([np.nan])
    p99 = float(np.percentile(lat_ms, 99))
    return RouteResult(
        route=route,
        rate_target=rate,
        sent=count,
        ok=len(latencies),
        errors=errors,
        seconds=round(elapsed, 2),
        requests_per_s=round(len(latencies) / elapsed, 1),
        p50_ms=round(float(np.percentile(lat_ms, 50)), 2),
        p90_ms=round(float(np.percentile(lat_ms, 90)), 2),
        p99_ms=round(p99, 2),
        max_ms=round(float(np.max(lat_ms)), 2),
        bytes_per_response=round(float(np.mean(sizes)) if sizes else 0.0),
        send_lag_p99_ms=round(float(np.percentile(np.array(lags) * 1000.0, 99)), 2),
        meets_target=(p99 < TARGET_P99_MS and errors == 0) if api_route else None,
    )


async def benchmark(base: str, args: argparse.Namespace) -> list[RouteResult]:
    limits = httpx.Limits(max_connections=args.connections, max_keepalive_connections=args.connections)
    url = httpx.URL(base)
    raw = RawHttpClient(url.host, url.port or 80, args.connections)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30.0) as client:
        fetch = raw.get if args.client == "raw" else httpx_fetch(client)
        try:
            # Warm up: load the atlas, fill the render cache, let the interpreter settle.
            warm = ["/", *make_urls("/api/map.svg", len(MAP_QUERIES), 0), *make_urls("/api/where", 50, 1)]
            for path in warm:
                status, _ = await fetch(path)
                if status != 200:
                    raise SystemExit(f"warm-up request {path} answered {status}")
            # A constant JSON answer at the API rate is the baseline: what the framework and this
            # machine manage anyway, so the ratios mean something even when other work slows the
            # machine. It runs last, after the server has settled.
            plan = [
                ("/", args.page_rate, False),
                ("/api/where", args.rate, True),
                ("/api/map.svg", args.rate, True),
                (BASELINE, args.rate, False),
            ]
            results = []
            for i, (route, rate, api) in enumerate(plan):
                result = await run_route(fetch, route, rate, args.duration, args.max_requests, 100 + i, api)
                results.append(result)
            return results
        finally:
            await raw.aclose()


def print_table(results: list[RouteResult], workers: int, client: str) -> None:
    cores = os.cpu_count() or 0
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"solemap web load: uvicorn, {workers} worker(s), {client} client, {cores} CPU core(s) shared; "
        f"load average {load} (other work on the machine inflates the latencies)"
    )
    header = f"{'route':<14}{'target/s':>9}{'sent':>7}{'ok':>7}{'err':>5}{'req/s':>8}" \
        f"{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'max ms':>9}{'kB sent':>8}{'p99/base':>9}{'lag p99':>9}" \
        "  target p99<50ms"
    print(header)
    print("-" * len(header))
    base = next((r.p99_ms for r in results if r.route == BASELINE and r.p99_ms > 0), float("nan"))
    for r in results:
        verdict = "—" if r.meets_target is None else ("met" if r.meets_target else "MISSED")
        print(
            f"{r.route:<14}{r.rate_target:>9.0f}{r.sent:>7}{r.ok:>7}{r.errors:>5}{r.requests_per_s:>8.1f}"
            f"{r.p50_ms:>9.2f}{r.p90_ms:>9.2f}{r.p99_ms:>9.2f}{r.max_ms:>9.2f}"
            f"{r.bytes_per_response / 1000:>8.1f}{r.p99_ms / base:>9.2f}{r.send_lag_p99_ms:>9.2f}  {verdict}"
        )
    print(f"p99/base: p99 relative to {BASELINE} (a constant answer) at the same rate in the same run")
    print("lag p99: how late the client itself sent requests (ms); large values mean a starved client")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=200.0, help="requests/s for the API routes (200)")
    parser.add_argument("--page-rate", type=float, default=50.0, help="requests/s for the map page / (50)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per route (10)")
    parser.add_argument("--max-requests", type=int, default=3000, help="cap per route (3000)")
    parser.add_argument("--connections", type=int, default=32, help="client connection pool size (32)")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (1)")
    parser.add_argument(
        "--client", choices=("raw", "httpx"), default="raw",
        help="raw: a lean HTTP/1.1 client (default); httpx: httpx.AsyncClient (costs more CPU per request)",
    )
    parser.add_argument("--url", help="benchmark an already running server instead of starting one")
    parser.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    args = parser.parse_args(argv)
    if args.rate <= 0 or args.page_rate <= 0 or args.duration <= 0 or args.max_requests < 1:
        parser.error("rates, duration and max-requests must be positive")

    with tempfile.TemporaryFile() as log:
        proc = None
        base = args.url
        if base is None:
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            proc = start_server(port, args.workers, log)
        try:
            if proc is not None:
                wait_until_up(base, proc, log)
            results = asyncio.run(benchmark(base.rstrip("/"), args))
        finally:
            if proc is not None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
    print_table(results, args.workers, args.client)
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=2) + "\n")
    missed = [r.route for r in results if r.meets_target is False]
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
