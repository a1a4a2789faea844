"""``solemap serve``: the interactive foot map in the browser."""

from __future__ import annotations

import errno
import socket
import threading
import time
import webbrowser

import typer

from solemap.cli._common import fail

HELP = "Serve the interactive foot map, the about page and the JSON API in your browser."


def _bind(host: str, port: int) -> socket.socket:
    """Bind the listening socket ourselves so a busy port is a one-line error, not a traceback."""
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            fail(f"port {port} on {host} is already in use; pick another with --port")
        fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
    return sock


def _open_when_ready(server: object, url: str) -> None:
    # Open the browser only once uvicorn accepts connections, so the first load never fails.
    def wait_and_open() -> None:
        deadline = time.monotonic() + 30
        while not getattr(server, "started", False) and time.monotonic() < deadline:
            time.sleep(0.05)
        if getattr(server, "started", False):
            webbrowser.open(url)

    threading.Thread(target=wait_and_open, daemon=True).start()


def serve(
    host: str | None = typer.Option(
        None,
        "--host",
        help="Interface to listen on (default 127.0.0.1, or $SOLEMAP_HOST).",
        show_default=False,
    ),
    port: int | None = typer.Option(
        None, "--port", help="TCP port (default 8000, or $SOLEMAP_PORT).", show_default=False
    ),
    open_browser: bool = typer.Option(False, "--open", help="Open the map in your web browser."),
) -> None:
    """Serve the foot map on http://127.0.0.1:8000 (only this computer can reach it by default)."""
    import uvicorn

    from solemap.web.app import create_app
    from solemap.web.settings import Settings

    try:
        settings = Settings.from_env(host=host, port=port)
    except ValueError as exc:
        fail(str(exc))
    if not settings.is_loopback:
        typer.secho(
            f"warning: listening on {settings.host}, so other computers on the network can reach "
            "this app. It has no login yet: anyone who can connect sees and changes your diary.",
            err=True,
            fg=typer.colors.YELLOW,
        )
    sock = _bind(settings.host, settings.port)
    bound_port = sock.getsockname()[1]
    shown_host = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
    if ":" in shown_host:
        shown_host = f"[{shown_host.strip('[]')}]"
    url = f"http://{shown_host}:{bound_port}/"
    app = create_app(settings.replace(port=bound_port))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    typer.echo(f"solemap is serving the foot map at {url}  (press Ctrl+C to stop)")
    if open_browser:
        _open_when_ready(server, url)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the root command."""
    app.command("serve", help=HELP)(serve)
