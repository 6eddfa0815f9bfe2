"""One attempt at one file: continue its partial from the bytes on disk with an HTTP Range
request, to the end, hashing as it goes. Bytes already on disk are never asked for again. The
partial starts over when the server ignores the Range (200 instead of 206), answers from another
offset, or the hub's etag for the file changed since the partial began.

The caller (downloads.py) retries: this raises HubUnavailableError for what a retry may cure
(connection lost, no data for `stall_timeout` s, 5xx), other DownloadErrors for what it cannot
(401/403/404), DiskFullError on ENOSPC (partial kept), Stopped on pause or cancel. It uses
requests (imported here, when a download starts)."""

from __future__ import annotations

import errno
import re
import socket
from dataclasses import dataclass

from desktop.core.models import download_errors as errors
from desktop.core.models.download_control import DownloadControl
from desktop.core.models.download_hashing import BackgroundHasher, hash_file
from desktop.core.models.download_progress import ProgressMeter
from desktop.core.models.hub import Hub, RemoteFile, Snapshot
from desktop.core.models.partial_files import PartialFile

_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)")


@dataclass(frozen=True)
class TransferSettings:
    chunk_size: int = 1 << 20
    connect_timeout: float = 20.0
    stall_timeout: float = 30.0  # no byte for this long: the connection is dropped and retried


def new_session():
    import requests

    return requests.Session()


def fetch_once(session, hub: Hub, snapshot: Snapshot, remote: RemoteFile, partial: PartialFile,
               control: DownloadControl, meter: ProgressMeter, settings: TransferSettings) -> str:
    """Complete `partial` up to `remote.size` bytes; the sha256 of the whole file. The meter's
    done count already includes the bytes on disk."""
    offset = partial.resumable_bytes(remote)
    if offset == remote.size:
        return hash_file(partial.data)
    hub.require_network(snapshot.repo)
    control.check()
    response = _get(session, hub, remote, offset, settings)
    try:
        if offset and not _continues(response, offset, partial.etag()):
            meter.rewind(offset)
            partial.discard()
            offset = 0
            if response.status_code != 200:  # 206 of a changed file: ask for all of it
                response.close()
                response = _get(session, hub, remote, 0, settings)
        _check_status(response, hub, snapshot, remote.path)
        partial.describe(remote, snapshot.commit, _hub_etag(response))
        return _receive(response, remote, partial, offset, control, meter, settings)
    finally:
        response.close()


def _get(session, hub: Hub, remote: RemoteFile, offset: int, settings: TransferSettings):
    import requests

    headers = hub.request_headers()
    if offset:
        headers["Range"] = f"bytes={offset}-"
    try:
        return session.get(remote.url, headers=headers, stream=True, allow_redirects=True,
                           timeout=(settings.connect_timeout, settings.stall_timeout))
    except requests.Timeout:
        raise _unavailable(f"no answer within {settings.stall_timeout:.0f} s") from None
    except requests.RequestException as exc:
        raise _unavailable(f"connection failed: {type(exc).__name__}") from None


def _check_status(response, hub: Hub, snapshot: Snapshot, path: str) -> None:
    if response.status_code in (200, 206):
        return
    code = next((r.headers.get("X-Error-Code") for r in [*response.history, response]
                 if r.headers.get("X-Error-Code")), None)
    raise hub.error_for(response.status_code, code, snapshot.repo, snapshot.revision, path)


def _continues(response, offset: int, recorded_etag: str | None) -> bool:
    """Whether this answer carries the same file from `offset` on."""
    if response.status_code != 206:
        return False
    found = _CONTENT_RANGE.match(response.headers.get("Content-Range", ""))
    if not found or int(found.group(1)) != offset:
        return False
    etag = _hub_etag(response)
    return not (recorded_etag and etag and recorded_etag != etag)


def _hub_etag(response) -> str | None:
    """The hub's etag of the file: X-Linked-Etag on the redirect to the CDN (the sha256 of an
    LFS file), else the ETag of the hub's own answer. A CDN's ETag is not the hub's."""
    chain = [*response.history, response]
    for answer in chain:
        if answer.headers.get("X-Linked-Etag"):
            return _bare(answer.headers["X-Linked-Etag"])
    etag = chain[0].headers.get("ETag")
    return _bare(etag) if etag else None


def _bare(etag: str) -> str:
    return etag.removeprefix("W/").strip('"')


def _receive(response, remote: RemoteFile, partial: PartialFile, offset: int, control: DownloadControl,
             meter: ProgressMeter, settings: TransferSettings) -> str:
    raw = response.raw
    read = raw.read1 if hasattr(raw, "read1") else raw.read  # read1: what has arrived, up to a chunk
    hasher = BackgroundHasher(partial.data if offset else None, offset)
    finished = False
    try:
        expected, received = remote.size - offset, 0
        with partial.open_for_append(start_over=offset == 0) as out:
            while received < expected:
                control.check()
                chunk = _read(read, min(settings.chunk_size, expected - received), settings)
                if not chunk:
                    break
                _write_all(out, chunk, partial, remote, meter)
                hasher.feed(chunk)
                received += len(chunk)
                meter.advance(len(chunk))
        if received < expected:
            raise _unavailable("the connection closed before the end of the file")
        finished = True
        return hasher.finish()
    finally:
        if not finished:
            hasher.abandon()


def _read(read, size: int, settings: TransferSettings) -> bytes:
    from urllib3.exceptions import ReadTimeoutError

    try:
        return read(size)
    except (ReadTimeoutError, socket.timeout, TimeoutError):
        raise _unavailable(f"no data for {settings.stall_timeout:g} s") from None
    except Exception as exc:  # urllib3's ProtocolError / IncompleteRead, a reset socket, SSL errors
        raise _unavailable(f"connection lost: {type(exc).__name__}") from None


def _write_all(out, chunk: bytes, partial: PartialFile, remote: RemoteFile, meter: ProgressMeter) -> None:
    view = memoryview(chunk)
    try:
        while view:
            written = out.write(view)
            view = view[written:]
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
            raise errors.disk_full(remote.path, str(partial.folder.parent), meter.done) from None
        raise


def _unavailable(reason: str) -> errors.HubUnavailableError:
    return errors.HubUnavailableError(reason, reason=reason)
