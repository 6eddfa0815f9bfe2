"""A Hugging Face-compatible hub on 127.0.0.1 for tests and benchmarks: what huggingface_hub
and Atelier's downloader ask of the real one, with the faults real downloads meet.

Routes (as huggingface.co answers them):
  GET  /api/models/{repo}[/revision/{rev}]   {"id", "sha", "gated", "siblings": [{rfilename, size,
                                               blobId, lfs: {size, sha256, pointerSize}}]}
  HEAD/GET /{repo}/resolve/{rev}/{path}      small files: 200/206 with ETag (git blob id);
                                               LFS files: 302 to /_cdn/{sha256} on a second port with
                                               X-Linked-Etag (the sha256) and X-Linked-Size;
                                               every answer has X-Repo-Commit.
  HEAD/GET /_cdn/{sha256}                    (the CDN, another origin) the bytes, with Range.
Errors carry X-Error-Code like the hub's: RepoNotFound, RevisionNotFound, EntryNotFound, GatedRepo.

Faults a test can ask for, each for a number of answers: `fail` (an HTTP status), `cut` (close
the connection after N bytes of this answer's body), `stall` (send N bytes, then nothing for S s),
`corrupt` (same length, wrong bytes); `ignore_range` answers 200 with the whole file. Every
request is recorded (method, path, Range, Authorization) and the body bytes served per file are
counted, so a test can prove no byte was fetched twice."""

from __future__ import annotations

import hashlib
import http.server
import json
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

LFS_THRESHOLD = 1024  # like the hub: big files are LFS (sha256 published), small ones plain git


@dataclass
class FakeRepo:
    repo_id: str
    commit: str
    files: dict[str, bytes | Path]
    lfs: set[str]
    gated: bool = False
    private: bool = False
    branches: dict[str, str] = field(default_factory=dict)

    _digests: dict = field(default_factory=dict)

    def size(self, path: str) -> int:
        content = self.files[path]
        return content.stat().st_size if isinstance(content, Path) else len(content)

    def sha256(self, path: str) -> str:
        return self._digest("sha256", path, b"")

    def git_blob_id(self, path: str) -> str:
        return self._digest("sha1", path, f"blob {self.size(path)}\0".encode())

    def _digest(self, name: str, path: str, prefix: bytes) -> str:
        if (name, path) not in self._digests:  # once: the benchmark's file is 200 MB
            digest = hashlib.new(name, prefix)
            content = self.files[path]
            if isinstance(content, Path):
                with content.open("rb") as stream:
                    while block := stream.read(1 << 20):
                        digest.update(block)
            else:
                digest.update(content)
            self._digests[(name, path)] = digest.hexdigest()
        return self._digests[(name, path)]


@dataclass
class Recorded:
    method: str
    path: str
    range: str | None
    authorization: str | None


def _bytes(content: bytes | Path) -> bytes:
    return content.read_bytes() if isinstance(content, Path) else content


class FakeHub:
    def __init__(self):
        self.repos: dict[str, FakeRepo] = {}
        self.token: str | None = None  # the token that opens gated and private repositories
        self.ignore_range = False
        self.publish_blob_ids = True  # False: like a mirror whose API lists sizes only
        self.rate: float | None = None  # bytes/s for files served from disk; None: as fast as loopback
        self.requests: list[Recorded] = []
        self.served: dict[str, int] = {}  # "repo/path" -> body bytes sent
        self._faults: dict[str, list[dict]] = {}
        self._cdn: dict[str, tuple[FakeRepo, str]] = {}
        self._sha: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()
        self.stopping = threading.Event()
        # two origins, like the hub and its CDN: huggingface_hub reads a file's metadata on the
        # redirect to another origin, and requests does not carry the token there
        self._servers = [_Server(("127.0.0.1", 0), _Handler) for _ in ("hub", "cdn")]
        for server in self._servers:
            server.daemon_threads = True
            server.hub = self
            threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._servers[0].server_address[1]}"

    @property
    def cdn_url(self) -> str:
        return f"http://127.0.0.1:{self._servers[1].server_address[1]}"

    def close(self) -> None:
        self.stopping.set()
        for server in self._servers:
            server.shutdown()
            server.server_close()

    def add_repo(self, repo_id: str, files: dict[str, bytes | Path], *, lfs: set[str] | None = None,
                 gated: bool = False, private: bool = False, commit: str | None = None) -> FakeRepo:
        commit = commit or hashlib.sha1(repo_id.encode() + str(len(self.repos)).encode()).hexdigest()
        repo = FakeRepo(repo_id, commit, dict(files), set(), gated, private, {"main": commit})
        repo.lfs = set(lfs) if lfs is not None else {p for p in files if repo.size(p) >= LFS_THRESHOLD}
        self.repos[repo_id] = repo
        for path in repo.lfs:
            sha = repo.sha256(path)
            self._sha[(repo_id, path)] = sha
            self._cdn[sha] = (repo, path)
        return repo

    def sha256(self, repo_id: str, path: str) -> str:
        return self._sha.get((repo_id, path)) or self.repos[repo_id].sha256(path)

    # -- faults --------------------------------------------------------------------------------
    def fail(self, path: str, status: int = 500, times: int = 1) -> None:
        """Answer `status` to the next `times` requests for `path` (a file, or "api")."""
        self._add(path, {"kind": "fail", "status": status, "times": times})

    def cut(self, path: str, after: int, times: int = 1) -> None:
        self._add(path, {"kind": "cut", "after": after, "times": times})

    def stall(self, path: str, after: int, seconds: float, times: int = 1) -> None:
        self._add(path, {"kind": "stall", "after": after, "seconds": seconds, "times": times})

    def corrupt(self, path: str, times: int = 1) -> None:
        self._add(path, {"kind": "corrupt", "times": times})

    def _add(self, path: str, fault: dict) -> None:
        with self._lock:
            self._faults.setdefault(path, []).append(fault)

    def take_fault(self, path: str, kinds: tuple[str, ...]) -> dict | None:
        with self._lock:
            for fault in self._faults.get(path, []):
                if fault["kind"] in kinds and fault["times"] > 0:
                    fault["times"] -= 1
                    return fault
        return None

    def record(self, handler: "_Handler") -> None:
        with self._lock:
            self.requests.append(Recorded(handler.command, unquote(urlsplit(handler.path).path),
                                          handler.headers.get("Range"), handler.headers.get("Authorization")))

    def count_served(self, key: str, count: int) -> None:
        with self._lock:
            self.served[key] = self.served.get(key, 0) + count

    def gets_of(self, repo_id: str, path: str) -> list[Recorded]:
        """The GETs that carried the bytes of a file (the CDN's for LFS files)."""
        repo = self.repos[repo_id]
        where = f"/_cdn/{self._sha[(repo_id, path)]}" if path in repo.lfs else f"/resolve/{repo.commit}/{path}"
        return [r for r in self.requests if r.method == "GET" and r.path.endswith(where)]


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        """A client that drops the connection (a pause, a cancel, a kill) is expected here."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeHub/1.0"

    def log_message(self, *args) -> None:  # quiet: tests read hub.requests instead
        pass

    @property
    def hub(self) -> FakeHub:
        return self.server.hub

    def do_HEAD(self) -> None:
        self._route(body=False)

    def do_GET(self) -> None:
        self._route(body=True)

    def _route(self, body: bool) -> None:
        self.hub.record(self)
        path = urlsplit(self.path).path
        parts = [unquote(p) for p in path.strip("/").split("/")]
        if parts[:2] == ["api", "models"]:
            return self._api(parts[2:])
        if parts[0] == "_cdn" and len(parts) == 2 and parts[1] in self.hub._cdn:
            repo, file = self.hub._cdn[parts[1]]
            return self._content(repo, file, body, etag=f'"cdn-{parts[1][:16]}"')
        if len(parts) >= 5 and parts[2] == "resolve":
            return self._resolve(f"{parts[0]}/{parts[1]}", parts[3], "/".join(parts[4:]), body)
        self._error(404, "EntryNotFound", "Not found")

    def _repo(self, repo_id: str, revision: str | None, gate_files: bool) -> tuple[FakeRepo, str] | None:
        repo = self.hub.repos.get(repo_id)
        authorized = self.hub.token is not None and self.headers.get("Authorization") == f"Bearer {self.hub.token}"
        if repo is None or (repo.private and not authorized):
            status = 401 if self.headers.get("Authorization") is None else 404
            self._error(status, "RepoNotFound", "Repository not found")
            return None
        if gate_files and repo.gated and not authorized:
            status = 403 if self.headers.get("Authorization") else 401
            self._error(status, "GatedRepo", "Access to this model is restricted. You must accept its licence.")
            return None
        commit = repo.branches.get(revision or "main", revision if revision == repo.commit else None)
        if commit is None:
            self._error(404, "RevisionNotFound", "Invalid rev id")
            return None
        return repo, commit

    def _api(self, parts: list[str]) -> None:
        fault = self.hub.take_fault("api", ("fail",))
        if fault:
            return self._error(fault["status"], None, "Injected failure")
        repo_id = "/".join(parts[:2])
        revision = parts[3] if len(parts) >= 4 and parts[2] == "revision" else None
        found = self._repo(repo_id, revision, gate_files=False)
        if found is None:
            return
        repo, commit = found
        blobs = "blobs=" in urlsplit(self.path).query
        siblings = []
        for path in sorted(repo.files):
            entry = {"rfilename": path}
            if blobs:
                entry["size"] = repo.size(path)
                if self.hub.publish_blob_ids:
                    entry["blobId"] = repo.git_blob_id(path)
                if path in repo.lfs:
                    entry["lfs"] = {"size": repo.size(path), "sha256": self.hub.sha256(repo.repo_id, path),
                                    "pointerSize": 134}
            siblings.append(entry)
        payload = {"id": repo.repo_id, "modelId": repo.repo_id, "sha": commit, "private": repo.private,
                   "gated": "manual" if repo.gated else False, "siblings": siblings}
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _resolve(self, repo_id: str, revision: str, path: str, body: bool) -> None:
        found = self._repo(repo_id, revision, gate_files=True)
        if found is None:
            return
        repo, commit = found
        if path not in repo.files:
            return self._error(404, "EntryNotFound", f"{path} does not exist", commit)
        fault = self.hub.take_fault(path, ("fail",))
        if fault:
            return self._error(fault["status"], None, "Injected failure", commit)
        if path in repo.lfs:
            sha = self.hub.sha256(repo.repo_id, path)
            self.send_response(302)
            self.send_header("Location", f"{self.hub.cdn_url}/_cdn/{sha}?signature=fake")
            self.send_header("X-Repo-Commit", commit)
            self.send_header("X-Linked-Etag", f'"{sha}"')
            self.send_header("X-Linked-Size", str(repo.size(path)))
            self.send_header("ETag", f'"{repo.git_blob_id(path)}"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self._content(repo, path, body, etag=f'"{repo.git_blob_id(path)}"', commit=commit)

    def _content(self, repo: FakeRepo, path: str, body: bool, etag: str, commit: str | None = None) -> None:
        size = repo.size(path)
        start, end = 0, size - 1
        ranged = self.headers.get("Range")
        if ranged and not self.hub.ignore_range:
            first, _, last = ranged.removeprefix("bytes=").partition("-")
            start, end = int(first), min(int(last), size - 1) if last else size - 1
            if start >= size:
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{size}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
        self.send_response(206 if ranged and not self.hub.ignore_range else 200)
        if ranged and not self.hub.ignore_range:
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(end - start + 1))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("ETag", etag)
        self.send_header("X-Repo-Commit", commit or repo.commit)
        self.end_headers()
        if body:
            self._send_body(repo, path, start, end - start + 1)

    def _send_body(self, repo: FakeRepo, path: str, start: int, length: int) -> None:
        key = f"{repo.repo_id}/{path}"
        fault = self.hub.take_fault(path, ("cut", "stall", "corrupt"))
        content = repo.files[path]
        if fault is None and isinstance(content, Path):
            with content.open("rb") as stream:  # the fast path the benchmark measures
                sent = self._send_file(stream, start, length)
            self.hub.count_served(key, sent)
            return
        data = memoryview(_bytes(content))[start:start + length]
        if fault and fault["kind"] == "corrupt":
            data = memoryview(bytes(b ^ 0x5A for b in data))
        if fault and fault["kind"] in ("cut", "stall"):
            data = data[:fault["after"]]
        try:
            self.wfile.write(data)
            self.wfile.flush()
        except OSError:
            return
        finally:
            self.hub.count_served(key, len(data))
        if fault and fault["kind"] == "stall":
            self.hub.stopping.wait(fault["seconds"])
        if fault and fault["kind"] in ("cut", "stall"):
            self.close_connection = True

    def _send_file(self, stream, start: int, length: int) -> int:
        """sendfile, paced to `hub.rate` bytes/s when set (a link slower than loopback)."""
        if not self.hub.rate:
            return self.connection.sendfile(stream, start, length)
        began, sent = time.monotonic(), 0
        while sent < length:
            sent += self.connection.sendfile(stream, start + sent, min(1 << 20, length - sent))
            ahead = began + sent / self.hub.rate - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
        return sent

    def _error(self, status: int, code: str | None, message: str, commit: str | None = None) -> None:
        data = json.dumps({"error": message}).encode()
        self.send_response(status)
        if code:
            self.send_header("X-Error-Code", code)
        self.send_header("X-Error-Message", message)
        if commit:
            self.send_header("X-Repo-Commit", commit)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
