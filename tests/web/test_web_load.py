"""The load benchmark runs end to end against a live server (briefly, at a low rate)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "web_load.py"


def load_benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location("web_load_benchmark", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while building the class
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
@pytest.mark.parametrize("client", ["raw", "httpx"])
def test_benchmark_measures_every_route(
    live_server: Any, tmp_path: Path, client: str, capsys: pytest.CaptureFixture[str]
) -> None:
    bench = load_benchmark()
    out = tmp_path / "results.json"
    bench.main(
        ["--url", live_server.url, "--duration", "0.5", "--rate", "40", "--page-rate", "10",
         "--client", client, "--json", str(out)]
    )
    results = {r["route"]: r for r in json.loads(out.read_text())}
    assert set(results) == {"/", "/api/where", "/api/map.svg", "/api/shoe-sizes"}
    for r in results.values():
        assert r["errors"] == 0 and r["ok"] == r["sent"] > 0
        assert 0 < r["p50_ms"] <= r["p99_ms"] <= r["max_ms"]
    # The maps travel compressed; the JSON answers are small.
    assert results["/api/map.svg"]["bytes_per_response"] < 200_000
    table = capsys.readouterr().out
    assert "p99 ms" in table and "/api/where" in table


def test_raw_client_reads_chunked_and_sized_bodies() -> None:
    import asyncio

    bench = load_benchmark()
    replies = [
        b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello",
        b"HTTP/1.1 404 Not Found\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
    ]

    async def scenario() -> list[tuple[int, int]]:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            for reply in replies:
                await reader.readuntil(b"\r\n\r\n")
                writer.write(reply)
                await writer.drain()
            writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        client = bench.RawHttpClient("127.0.0.1", port, 1)
        try:
            return [await client.get("/a"), await client.get("/b")]
        finally:
            await client.aclose()
            server.close()

    assert asyncio.run(scenario()) == [(200, 5), (404, 5)]
