"""Network helpers for tests that must never leave 127.0.0.1."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator

from werkzeug import Request, Response


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (for 'the network is down' tests)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def late(seconds: float) -> Callable[[Request], Response]:
    """A pytest-httpserver handler that answers "late" after ``seconds``."""

    def handler(request: Request) -> Response:
        time.sleep(seconds)
        return Response("late")

    return handler


@contextlib.contextmanager
def head_dropping_server() -> Iterator[str]:
    """The URL of a bare HTTP server on 127.0.0.1 that closes the connection on a HEAD request
    without answering (as some servers do; pytest-httpserver always answers) and answers
    ``200 OK`` to anything else."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)

    def serve() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:  # closed: the test is over
                return
            with connection:
                if not connection.recv(65536).startswith(b"HEAD "):
                    connection.sendall(
                        b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\nConnection: close\r\n\r\npage"
                    )

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/page"
    finally:
        listener.close()
        thread.join(5)
