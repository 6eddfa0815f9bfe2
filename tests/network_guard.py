"""No test reaches past this machine: every socket connection and name lookup that is not
for the loopback interface is refused and recorded. Installed for the whole suite by
tests/conftest.py; the fake hub on 127.0.0.1 is the only server tests talk to."""

from __future__ import annotations

import ipaddress
import socket

attempts: list[str] = []     # what was refused, for tests that assert nothing tried
connections: list[str] = []  # every connection allowed (loopback), for tests that assert none was made

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo
LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def _loopback_host(host) -> bool:
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if host.lower() in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _allowed(sock, address) -> bool:
    if sock.family == getattr(socket, "AF_UNIX", None):
        return True  # a local socket file (D-Bus, PulseAudio)
    return isinstance(address, tuple) and _loopback_host(address[0])


def _refuse(what: str):
    attempts.append(what)
    return ConnectionRefusedError(f"Tests may not leave this machine (tried {what})")


def _connect(self, address):
    if not _allowed(self, address):
        raise _refuse(repr(address))
    connections.append(repr(address))
    return _real_connect(self, address)


def _connect_ex(self, address):
    if not _allowed(self, address):
        raise _refuse(repr(address))
    connections.append(repr(address))
    return _real_connect_ex(self, address)


def _getaddrinfo(host, *args, **kwargs):
    if not _loopback_host(host):
        raise socket.gaierror(socket.EAI_NONAME, str(_refuse(f"name lookup of {host}")))
    return _real_getaddrinfo(host, *args, **kwargs)


def install() -> None:
    socket.socket.connect = _connect
    socket.socket.connect_ex = _connect_ex
    socket.getaddrinfo = _getaddrinfo
