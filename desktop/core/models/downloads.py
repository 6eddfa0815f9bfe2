"""Downloading one model (one file or a whole diffusers folder) from a Hugging Face-compatible hub,
with one overall progress, resumable across runs of the app, verified before use. No Qt: run it
on a worker thread and steer it from any other.

    hub = Hub(endpoint=default_endpoint(os.environ), token=token_from_settings,
              allow_network=lambda: not settings_offline())
    downloader = Downloader(models_folder, hub)                 # DownloadOptions for the knobs
    download = downloader.download("publisher/name", revision=None, patterns=["*Q4_K_M.gguf"],
                                   cancel_event=None)          # or a job's own cancel Event
    result = download.run(progress=callback)    # blocks; callback(DownloadProgress) ~10 Hz,
                                                #   on the thread that runs it
    download.pause()   # from any thread: run() returns DownloadResult(state="paused"); the
                       #   partial files stay, and run() again (or a new Downloader after a
                       #   restart, a crash or Ctrl+C) continues with Range requests where they end
    download.cancel()  # run() raises desktop.core.errors.Cancelled; partial files are deleted
                       #   (files already verified and in place stay, listed in the manifest as
                       #   an incomplete download)
    result.files -> FileResult(path, size, sha256, verified_by), result.folder, result.commit
    read_manifests(models_folder) -> what Atelier downloaded (download_manifest.py)

A pause or cancel is seen at the next chunk, or at once during a wait between attempts; while a
server sends nothing it is seen when the stall timeout drops the connection.

Files land in `<models>/<publisher>/<name>/<path>` (see download_manifest.py); partial files
live in `<models>/.partial/` (partial_files.py). Each file is checked before it is moved into
place: against the sha256 the hub publishes for LFS files, else against the hub's git object id
(small files kept in git), else by size only — `FileResult.verified_by` says which. A mismatch
deletes the partial and downloads the file once more from zero; a second mismatch is an error.
Connection errors, 5xx and stalls are retried with exponential backoff (RetryPolicy). Before
starting, what is left to fetch plus a margin must fit on the disk. Every failure is a
DownloadError (a UserFacingError) whose message names the repository or file and what to do."""

from __future__ import annotations

import logging
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from desktop.core.errors import Cancelled
from desktop.core.models import download_errors as errors
from desktop.core.models import download_manifest as manifests
from desktop.core.models.download_control import DownloadControl, RetryPolicy, Stopped
from desktop.core.models.download_hashing import git_blob_id, hash_file
from desktop.core.models.download_progress import (DONE, DOWNLOADING, PAUSED, RETRYING, STARTING, VERIFYING,
                                                   DownloadProgress, ProgressMeter)
from desktop.core.models.download_transfer import TransferSettings, fetch_once, new_session
from desktop.core.models.hub import Hub, RemoteFile, Snapshot
from desktop.core.models.partial_files import PartialFile, discard_partials, partial_folder

read_manifests = manifests.read_manifests
log = logging.getLogger(__name__)  # repository, file and endpoint names only: never a header


@dataclass(frozen=True)
class DownloadOptions:
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    transfer: TransferSettings = field(default_factory=TransferSettings)
    space_margin_fraction: float = 0.05  # of what is left to download...
    space_margin_bytes: int = 200 * 10**6  # ...plus this, must be free before starting
    progress_interval: float = 0.1


@dataclass(frozen=True)
class FileResult:
    path: str
    size: int
    sha256: str
    verified_by: str  # "sha256", "git-sha1" or "size"


@dataclass(frozen=True)
class DownloadResult:
    state: str  # "done" or "paused"
    repo: str
    revision: str
    commit: str
    folder: Path
    files: tuple[FileResult, ...]  # in place and verified (all of them when done)

    @property
    def verified_by_size_only(self) -> list[str]:
        return [f.path for f in self.files if f.verified_by == "size"]


class Downloader:
    def __init__(self, models_folder: Path, hub: Hub | None = None, options: DownloadOptions | None = None):
        self.models_folder = Path(models_folder)
        self.hub = hub or Hub()
        self.options = options or DownloadOptions()

    def __repr__(self) -> str:
        return f"Downloader({str(self.models_folder)!r}, {self.hub!r})"

    def download(self, repo: str, revision: str | None = None, patterns: Iterable[str] | None = None,
                 cancel_event: threading.Event | None = None) -> "Download":
        """A download of `repo` at `revision` (default main), of the files matching `patterns`
        (fnmatch, any case; all files when none). `cancel_event`: a job's own cancel Event."""
        return Download(self, repo, revision, list(patterns or []), cancel_event)


class Download:
    def __init__(self, downloader: Downloader, repo: str, revision: str | None, patterns: list[str],
                 cancel_event: threading.Event | None = None):
        self.downloader, self.repo, self.revision, self.patterns = downloader, repo, revision, patterns
        self.control = DownloadControl(cancel_event)
        self._running = threading.Lock()

    def __repr__(self) -> str:
        return f"Download({self.repo!r}, revision={self.revision!r}, patterns={self.patterns!r})"

    def pause(self) -> None:
        self.control.pause()

    def cancel(self) -> None:
        self.control.cancel()

    def run(self, progress: Callable[[DownloadProgress], None] | None = None) -> DownloadResult:
        """Download (or continue) every file; returns when done or paused. Raises Cancelled
        after a cancel, a DownloadError when it cannot finish."""
        if not self._running.acquire(blocking=False):
            raise RuntimeError("this download is already running")
        try:
            self.control.clear_pause()
            return self._run(_Run(self, progress))
        finally:
            self._running.release()

    def _run(self, run: "_Run") -> DownloadResult:
        snapshot = None
        try:
            run.meter.set_state(STARTING)
            snapshot = run.retrying(self.repo, lambda: run.hub.resolve(self.repo, self.revision, self.patterns))
            return run.fetch_all(snapshot)
        except Stopped:
            if self.control.cancel_event.is_set():
                discard_partials(self.downloader.models_folder, self.repo, self.patterns)
                raise Cancelled() from None
            run.meter.set_state(PAUSED)
            return run.result(snapshot, PAUSED)


class _Run:
    """One call of Download.run: the session, the meter and the files placed so far."""

    def __init__(self, download: Download, progress):
        self.download = download
        self.hub = download.downloader.hub
        self.options = download.downloader.options
        self.models = download.downloader.models_folder
        self.control = download.control
        self.meter = ProgressMeter(progress, 0, 0, interval=self.options.progress_interval)
        self.placed: dict[str, FileResult] = {}

    def partial(self, remote: RemoteFile) -> PartialFile:
        return PartialFile(partial_folder(self.models), self.download.repo, remote.path)

    def result(self, snapshot: Snapshot | None, state: str) -> DownloadResult:
        if snapshot is None:
            return DownloadResult(state, self.download.repo, self.download.revision or "main", "",
                                  manifests.model_folder(self.models, self.download.repo), ())
        return DownloadResult(state, snapshot.repo, snapshot.revision, snapshot.commit,
                              manifests.model_folder(self.models, snapshot.repo), tuple(self.placed.values()))

    def fetch_all(self, snapshot: Snapshot) -> DownloadResult:
        folder = manifests.model_folder(self.models, snapshot.repo)
        known = manifests.read_manifest(folder)
        if known is not None and known.repo != snapshot.repo:
            known = None
        self.meter.total, pending = snapshot.total_size, []
        for remote in snapshot.files:
            if self._already_there(remote, folder / remote.path, known, snapshot.commit):
                self.meter.done += remote.size
            else:
                pending.append(remote)
        resumable = sum(self.partial(r).resumable_bytes(r) for r in pending)
        self.meter.done += resumable
        log.info("download %s@%s (%s) from %s: %d of %d files to fetch, %d bytes already on disk",
                 snapshot.repo, snapshot.revision, snapshot.commit, self.hub.endpoint, len(pending),
                 len(snapshot.files), resumable)
        if pending and snapshot.gated and not self.hub.token_set:  # say so before trying
            raise errors.access_denied(snapshot.repo, self.hub.endpoint, token_set=False, gated=True)
        self._check_space(snapshot.repo, sum(r.size for r in pending) - resumable)
        session = new_session()
        try:
            for remote in pending:
                self.placed[remote.path] = self._fetch_file(session, snapshot, remote, folder / remote.path)
                self._record(snapshot, folder, complete=len(self.placed) == len(snapshot.files))
        finally:
            session.close()
        if not pending:
            self._record(snapshot, folder, complete=True)
        self.meter.set_state(DONE)
        return self.result(snapshot, DONE)

    def _already_there(self, remote: RemoteFile, target: Path, known, commit: str) -> bool:
        """A file already in place and identical to the hub's counts as downloaded (a file this
        manifest lists with the hub's sha256 is trusted without hashing it again); a different
        one is replaced only when Atelier downloaded it (from an earlier revision)."""
        if not target.is_file():
            return False
        ours = known.file(remote.path) if known else None
        if target.stat().st_size == remote.size:
            if ours is not None and remote.sha256 and ours.sha256 == remote.sha256:
                self.placed[remote.path] = FileResult(remote.path, remote.size, ours.sha256, ours.verified_by)
                return True
            self.meter.set_state(VERIFYING, remote.path)
            sha = hash_file(target)
            verified_by = _verify(remote, target, sha)[0]
            if verified_by == "size" and (ours is None or known.commit != commit):
                verified_by = None  # a size alone proves nothing about a file of unknown origin
            if verified_by is not None:
                self.placed[remote.path] = FileResult(remote.path, remote.size, sha, verified_by)
                return True
        if ours is None:
            raise errors.conflict(str(target))
        return False

    def _check_space(self, repo: str, remaining: int) -> None:
        if remaining <= 0:
            return
        self.models.mkdir(parents=True, exist_ok=True)
        margin = int(remaining * self.options.space_margin_fraction) + self.options.space_margin_bytes
        free = shutil.disk_usage(self.models).free
        if remaining + margin > free:
            raise errors.not_enough_space(repo, str(self.models), remaining, margin, free)

    def _fetch_file(self, session, snapshot: Snapshot, remote: RemoteFile, target: Path) -> FileResult:
        partial = self.partial(remote)
        mismatches = 0
        while True:
            self.meter.set_state(DOWNLOADING, remote.path)
            digest = self.retrying(f"{remote.path} of {snapshot.repo}", lambda: fetch_once(
                session, self.hub, snapshot, remote, partial, self.control, self.meter, self.options.transfer))
            self.meter.set_state(VERIFYING, remote.path)
            verified_by, expected, got = _verify(remote, partial.data, digest)
            if verified_by is not None:
                partial.move_into_place(target)
                return FileResult(remote.path, remote.size, digest, verified_by)
            log.warning("download %s: %s does not match its %s; deleted", snapshot.repo, remote.path,
                        "sha256" if remote.sha256 else "git id")
            partial.discard()
            self.meter.rewind(remote.size)
            mismatches += 1
            if mismatches >= 2:
                raise errors.checksum_failed(remote.path, snapshot.repo, "sha256" if remote.sha256 else "git id",
                                             expected, got)
            self.meter.set_state(RETRYING, retry_in=0, reason="the file was damaged, downloading it again")

    def retrying(self, what: str, attempt):
        """attempt() until it succeeds; HubUnavailableError is retried with backoff, and an attempt
        that brought bytes resets the count of failures."""
        failures = 0
        while True:
            before = self.meter.done
            try:
                return attempt()
            except errors.HubUnavailableError as exc:
                failures = 1 if self.meter.done > before else failures + 1
                if failures >= self.options.retry.attempts:
                    raise errors.gave_up(what, self.hub.endpoint, failures, exc.reason, self.meter.done) from None
                delay = self.options.retry.delay(failures)
                log.warning("download %s: %s; attempt %d, next in %.1f s", what, exc.reason, failures, delay)
                state, file = self.meter.state, self.meter.file
                self.meter.set_state(RETRYING, retry_in=delay, reason=exc.reason)
                self.control.sleep(delay)
                self.meter.set_state(state, file)

    def _record(self, snapshot: Snapshot, folder: Path, complete: bool) -> None:
        manifests.record(folder, repo=snapshot.repo, revision=snapshot.revision, commit=snapshot.commit,
                         endpoint=self.hub.endpoint, complete=complete,
                         files=[manifests.ManifestFile(f.path, f.size, f.sha256, f.verified_by)
                                for f in self.placed.values()])


def _verify(remote: RemoteFile, path: Path, digest: str) -> tuple[str | None, str, str]:
    """(how the file at `path`, whose sha256 is `digest`, was verified, or None on a mismatch;
    what was expected; what was found)."""
    if remote.sha256:
        return ("sha256" if digest == remote.sha256 else None), remote.sha256, digest
    if remote.blob_id:
        got = git_blob_id(path)
        return ("git-sha1" if got == remote.blob_id else None), remote.blob_id, got
    size = path.stat().st_size
    return ("size" if size == remote.size else None), str(remote.size), str(size)
