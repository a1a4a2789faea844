"""Settings from the environment, and the ``solemap serve`` command."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from solemap.cli import app as cli_app
from solemap.web.settings import Settings, is_loopback


def test_settings_from_environment_and_overrides(tmp_path: Path) -> None:
    env = {
        "SOLEMAP_HOST": "0.0.0.0",
        "SOLEMAP_PORT": "9001",
        "SOLEMAP_DATA_DIR": str(tmp_path),
        "SOLEMAP_SVG_CACHE": "8",
    }
    s = Settings.from_env(env)
    assert (s.host, s.port, s.data_dir, s.svg_cache_size) == ("0.0.0.0", 9001, tmp_path, 8)
    # CLI flags win; flags left unset (None) fall back to the environment.
    s2 = Settings.from_env(env, host="127.0.0.1", port=None)
    assert (s2.host, s2.port) == ("127.0.0.1", 9001)
    assert Settings.from_env({}) == Settings()


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SOLEMAP_PORT": "eighty"}, "SOLEMAP_PORT='eighty' is not a valid port"),
        ({"SOLEMAP_PORT": "70000"}, "port must be between 0 and 65535"),
        ({"SOLEMAP_SVG_CACHE": "-1"}, "svg_cache_size must be 0 or more"),
    ],
)
def test_bad_settings_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Settings.from_env(env)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.1.2.3", True), ("::1", True), ("[::1]", True), ("localhost", True),
     ("0.0.0.0", False), ("::", False), ("192.168.1.5", False), ("example.org", False)],
)
def test_loopback_detection(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


class FakeServer:
    """Stands in for uvicorn.Server: records what it would serve instead of blocking."""

    served: list[dict[str, Any]] = []  # noqa: RUF012 - test-only shared record

    def __init__(self, config: Any) -> None:
        self.config = config
        self.started = False

    def run(self, sockets: list[socket.socket]) -> None:
        FakeServer.served.append({"app": self.config.app, "address": sockets[0].getsockname()})


@pytest.fixture
def fake_uvicorn(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    import uvicorn

    FakeServer.served = []
    monkeypatch.setattr(uvicorn, "Server", FakeServer)
    for var in ("SOLEMAP_HOST", "SOLEMAP_PORT"):
        monkeypatch.delenv(var, raising=False)
    return FakeServer.served


def test_serve_binds_loopback_without_warning(fake_uvicorn: list[dict[str, Any]]) -> None:
    result = CliRunner().invoke(cli_app, ["serve", "--port", "0"])
    assert result.exit_code == 0, result.output
    assert "solemap is serving the foot map at http://127.0.0.1:" in result.output
    assert "warning" not in result.output
    (served,) = fake_uvicorn
    assert served["address"][0] == "127.0.0.1"
    assert served["app"].state.settings.port == served["address"][1]


def test_serve_warns_when_reachable_from_the_network(fake_uvicorn: list[dict[str, Any]]) -> None:
    result = CliRunner().invoke(cli_app, ["serve", "--host", "0.0.0.0", "--port", "0"])
    assert result.exit_code == 0, result.output
    assert "warning: listening on 0.0.0.0" in result.output
    assert "no login" in result.output


def test_serve_reports_a_busy_port_in_one_line(fake_uvicorn: list[dict[str, Any]]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(cli_app, ["serve", "--port", str(port)])
    assert result.exit_code == 2
    assert f"error: port {port} on 127.0.0.1 is already in use" in result.output
    assert "Traceback" not in result.output
    assert fake_uvicorn == []


def test_serve_rejects_a_bad_port_from_the_environment(
    fake_uvicorn: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOLEMAP_PORT", "lots")
    result = CliRunner().invoke(cli_app, ["serve"])
    assert result.exit_code == 2
    assert "SOLEMAP_PORT='lots' is not a valid port" in result.output


def test_serve_help_mentions_the_defaults() -> None:
    result = CliRunner().invoke(cli_app, ["serve", "--help"])
    assert result.exit_code == 0
    assert "--open" in result.output and "127.0.0.1" in result.output
