"""Talking to a Hugging Face-compatible hub (huggingface.co or a mirror): which files a repository
has at a revision, their sizes and sha256, and the address each is downloaded from.

    hub = Hub(endpoint=None, token=None, allow_network=True)   # endpoint None: default_endpoint()
    snapshot = hub.resolve("publisher/name", revision=None, patterns=["*Q4_K_M.gguf"])
    snapshot.commit, snapshot.files -> (RemoteFile(path, size, sha256 | None, blob_id, url), ...)
    hub.head("publisher/name", "main", "model.gguf") -> RemoteFile from the file's HEAD headers

`default_endpoint(environ)` is HF_ENDPOINT when set (as huggingface_hub reads it), else
https://huggingface.co. `allow_network` is a bool or a callable read before every request, so
the Offline switch in Settings takes effect at once; when it is off, OfflineError is raised
before any socket is opened. The access token is held by AccessToken, whose str and repr are
masked; it is sent only as `Authorization: Bearer` (requests drops it on a redirect to another
host such as the hub's CDN), and never written to a message, a log line or a file.

huggingface_hub does the metadata (model_info, get_hf_file_metadata, hf_hub_url: it knows the
hub's API and its error headers); it is imported when a request is made, so the app starts
without it. Files are fetched by download_transfer with Atelier's own code: huggingface_hub
deletes an interrupted file, Atelier resumes it."""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Callable, Iterable, Mapping

from desktop.core.models import download_errors as errors

DEFAULT_ENDPOINT = "https://huggingface.co"
_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def default_endpoint(environ: Mapping[str, str] | None = None) -> str:
    """HF_ENDPOINT when set and not empty, else huggingface.co; without a trailing slash."""
    value = (os.environ if environ is None else environ).get("HF_ENDPOINT", "").strip()
    return (value or DEFAULT_ENDPOINT).rstrip("/")


class AccessToken:
    """A hub access token that does not show itself: str, repr and format give a mask."""

    __slots__ = ("_value",)

    def __init__(self, value: str):
        self._value = value.strip()

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "AccessToken(<hidden>)"

    __str__ = __repr__


def check_repo_id(repo: str) -> str:
    repo = repo.strip().strip("/")
    if not _REPO_ID.match(repo) or ".." in repo:
        raise errors.DownloadError(f"{repo!r} is not a repository name: a repository is named publisher/name, "
                                   "as in its address on the hub (e.g. Qwen/Qwen2.5-0.5B-Instruct-GGUF).")
    return repo


def safe_repo_path(repo: str, path: str) -> str:
    """A file name from the hub as a relative path that stays inside the model's folder."""
    parts = PurePosixPath(path).parts
    if (not parts or path.startswith("/") or "\\" in path or ":" in path
            or any(part in ("", ".", "..") for part in parts)):
        raise errors.DownloadError(f"The hub lists a file named {path!r} in {repo}, which Atelier will not "
                                   "write (it would land outside the model's folder).")
    return "/".join(parts)


@dataclass(frozen=True)
class RemoteFile:
    path: str  # inside the repository, "/"-separated
    size: int
    sha256: str | None  # published for LFS files only
    blob_id: str | None  # the git object id: checks a small (non-LFS) file when no sha256 is published
    url: str


@dataclass(frozen=True)
class Snapshot:
    repo: str
    revision: str  # as asked (a branch, tag or commit)
    commit: str  # the commit it resolved to; every file is fetched at this commit
    gated: bool
    files: tuple[RemoteFile, ...]

    @property
    def total_size(self) -> int:
        return sum(f.size for f in self.files)


def matching(paths: Iterable[str], patterns: Iterable[str] | None) -> list[str]:
    """fnmatch, ignoring case: a person types q4_k_m for a file named Q4_K_M."""
    patterns = [pat.lower() for pat in patterns or []]
    return [p for p in paths if not patterns or any(fnmatch.fnmatchcase(p.lower(), pat) for pat in patterns)]


class Hub:
    def __init__(self, endpoint: str | None = None, token: str | AccessToken | None = None,
                 allow_network: bool | Callable[[], bool] = True, timeout: float = 20.0):
        self.endpoint = (endpoint or default_endpoint()).rstrip("/")
        self._token = token if isinstance(token, AccessToken) else AccessToken(token or "")
        self._allow_network = allow_network
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"Hub(endpoint={self.endpoint!r}, token={'set' if self.token_set else 'none'})"

    @property
    def token_set(self) -> bool:
        return bool(self._token)

    def network_allowed(self) -> bool:
        allow = self._allow_network
        return bool(allow() if callable(allow) else allow)

    def require_network(self, repo: str) -> None:
        if not self.network_allowed():
            raise errors.offline(repo)

    def request_headers(self) -> dict[str, str]:
        """For a request to the hub; holds the token, so it is built per request and never kept."""
        from desktop import __version__

        headers = {"User-Agent": f"Atelier/{__version__}", "Accept-Encoding": "identity"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token.reveal()}"
        return headers

    def licence_page(self, repo: str) -> str:
        return f"{self.endpoint}/{repo}"

    def file_url(self, repo: str, revision: str, path: str) -> str:
        from huggingface_hub import hf_hub_url

        return hf_hub_url(repo, path, revision=revision, endpoint=self.endpoint)

    def error_for(self, status: int, code: str | None, repo: str, revision: str,
                  path: str | None = None) -> errors.DownloadError:
        return errors.for_status(status, code, repo=repo, revision=revision, path=path,
                                 endpoint=self.endpoint, token_set=self.token_set)

    def resolve(self, repo: str, revision: str | None = None, patterns: Iterable[str] | None = None) -> Snapshot:
        """The files of `repo` at `revision` (default: main) whose paths match any of `patterns`
        (fnmatch; all files when none), with their sizes and sha256, pinned to one commit."""
        repo = check_repo_id(repo)
        revision = revision or "main"
        info = self._call(repo, revision, None, lambda hf, token: hf.HfApi(endpoint=self.endpoint).model_info(
            repo, revision=revision, files_metadata=True, timeout=self.timeout, token=token))
        commit = info.sha or revision
        siblings = {s.rfilename: s for s in info.siblings or []}
        if not siblings:
            raise errors.HubNotFoundError(f"{self.endpoint} lists no files in {repo} at revision {revision}.")
        chosen = matching(sorted(siblings), patterns)
        if not chosen:
            listed = ", ".join(sorted(siblings)[:12]) + (", …" if len(siblings) > 12 else "")
            raise errors.HubNotFoundError(
                f"No file of {repo} at revision {revision} matches {', '.join(patterns or [])}; it has: {listed}.")
        files = []
        for name in chosen:
            sibling, path = siblings[name], safe_repo_path(repo, name)
            lfs = sibling.lfs
            sha = str(lfs.sha256).lower() if lfs is not None and lfs.sha256 else None
            size = lfs.size if lfs is not None and lfs.size is not None else sibling.size
            if size is None:  # a mirror whose API has no sizes: ask the file itself
                head = self.head(repo, commit, path)
                size, sha = head.size, sha or head.sha256
            files.append(RemoteFile(path, int(size), sha, sibling.blob_id, self.file_url(repo, commit, path)))
        return Snapshot(repo, revision, commit, bool(info.gated), tuple(files))

    def head(self, repo: str, revision: str, path: str) -> RemoteFile:
        """A file's size, commit and (for an LFS file, whose etag it is) sha256, from a HEAD."""
        repo = check_repo_id(repo)
        url = self.file_url(repo, revision, path)
        meta = self._call(repo, revision, path, lambda hf, token: hf.get_hf_file_metadata(
            url, token=token, timeout=self.timeout, endpoint=self.endpoint))
        etag = (meta.etag or "").strip('"').lower()
        if meta.size is None:
            raise errors.DownloadError(f"{self.endpoint} gave no size for {path} of {repo}: check the endpoint "
                                       "(mirror) address in Settings.")
        return RemoteFile(path, int(meta.size), etag if _SHA256.match(etag) else None, None,
                          self.file_url(repo, meta.commit_hash or revision, path))

    def _call(self, repo: str, revision: str, path: str | None, request):
        """One huggingface_hub request, its failures turned into Atelier's errors."""
        self.require_network(repo)
        import huggingface_hub as hf
        from huggingface_hub import errors as hf_errors

        try:
            transport = __import__("httpx2").TransportError
        except ImportError:  # huggingface_hub before 2.x used httpx
            transport = __import__("httpx").TransportError
        try:
            return request(hf, self._token.reveal() if self._token else False)
        except hf_errors.OfflineModeIsEnabled:
            raise errors.OfflineError(
                f"HF_HUB_OFFLINE is set in Atelier's environment, which stops huggingface_hub from reaching "
                f"{self.endpoint}: start Atelier without it to download {repo}.") from None
        except hf_errors.HfHubHTTPError as exc:
            response = exc.response
            status = response.status_code if response is not None else 0
            code = response.headers.get("X-Error-Code") if response is not None else None
            raise self.error_for(status, code, repo, revision, path) from None
        except (transport, OSError) as exc:
            reason = f"{type(exc).__name__}: {exc}"[:200]
            raise errors.HubUnavailableError(f"Could not reach {self.endpoint} ({reason}).",
                                             reason=f"could not reach the hub ({reason})") from None
