"""The suite's own guard: a connection or name lookup past this machine is refused and
recorded, loopback is allowed (the fake hub)."""

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import network_guard


def test_connections_past_loopback_are_refused_and_recorded():
    before = len(network_guard.attempts)
    with pytest.raises(OSError):
        socket.create_connection(("huggingface.co", 443), timeout=1)
    with socket.socket() as sock, pytest.raises(ConnectionRefusedError):
        sock.connect(("93.184.216.34", 80))
    assert len(network_guard.attempts) - before == 2


def test_loopback_is_allowed():
    class Hello(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hello)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with socket.create_connection(("localhost", server.server_port), timeout=5) as sock:
            sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
            assert sock.recv(64).startswith(b"HTTP/1.0 204")
    finally:
        server.shutdown()
        server.server_close()
