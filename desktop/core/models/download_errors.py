"""What can go wrong getting a model from a hub, each as a message that names the thing and says
what to do. All are UserFacingError, so the window and the CLI show them as they are.

The access token is never part of a message: the functions here are given only whether one is
set. The hub answers 401 both for a private or missing repository and for a gated one without a
token, and tells them apart with its X-Error-Code header (as huggingface_hub reads it)."""

from __future__ import annotations

from desktop.core.errors import UserFacingError


class DownloadError(UserFacingError):
    """Something stopped a download; the partial files are kept unless the message says not."""


class OfflineError(DownloadError):
    """Network use is switched off; raised before any socket is opened."""


class HubAccessError(DownloadError):
    """401/403: a gated or private repository this machine has no access to."""


class HubNotFoundError(DownloadError):
    """404: no such repository, revision or file."""


class HubUnavailableError(DownloadError):
    """The hub could not be reached or kept failing (connection errors, 5xx, stalls)."""

    def __init__(self, message: str, reason: str = ""):
        super().__init__(message)
        self.reason = reason or message


class ChecksumError(DownloadError):
    """A file's bytes did not match what the hub publishes, twice."""


class NotEnoughSpaceError(DownloadError):
    """The destination's disk has too little room for what is left to download."""


class DiskFullError(DownloadError):
    """The disk filled up while writing; the partial file is kept for a resume."""


class FileConflictError(DownloadError):
    """A different file that Atelier did not download is where a downloaded one would go."""


RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


def human_size(count: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if abs(count) < 1000 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "bytes" else f"{count:.1f} {unit}"
        count /= 1000
    return f"{count:.1f} GB"


def offline(repo: str) -> OfflineError:
    return OfflineError(f"Atelier is offline, so {repo} was not downloaded: turn Offline mode off in "
                        "Settings to download models.")


def access_denied(repo: str, endpoint: str, token_set: bool, gated: bool) -> HubAccessError:
    page = f"{endpoint}/{repo}"
    if gated and token_set:
        return HubAccessError(
            f"The access token set in Settings does not give access to {repo}, a gated repository: "
            f"sign in to the hub with the token's account, accept the licence at {page}, then try again.")
    if gated:
        return HubAccessError(
            f"{repo} is a gated repository: accept its licence at {page} (signed in to the hub), then set "
            "an access token of that account in Settings and try again.")
    if token_set:
        return HubAccessError(
            f"{repo} was not found on {endpoint}, or the access token set in Settings has no access to it: "
            f"check the name, and for a private or gated repository the licence page {page}.")
    return HubAccessError(
        f"{repo} was not found on {endpoint}, or it is private or gated: check the name (publisher/name); "
        f"for a gated repository accept its licence at {page} and set an access token in Settings.")


def not_found(code: str | None, repo: str, revision: str, path: str | None, endpoint: str) -> HubNotFoundError:
    if code == "RevisionNotFound":
        return HubNotFoundError(f"Revision {revision} of {repo} was not found on {endpoint}: check the "
                                "revision (a branch, tag or commit), or leave it empty for the latest.")
    if code == "RepoNotFound" or path is None:
        return HubNotFoundError(f"{repo} was not found on {endpoint}: check the repository name "
                                "(publisher/name, as on its page).")
    return HubNotFoundError(f"{path} was not found in {repo} at revision {revision} on {endpoint}: "
                            "check the file name.")


def for_status(status: int, code: str | None, *, repo: str, revision: str, path: str | None,
               endpoint: str, token_set: bool) -> DownloadError:
    """The error for a hub answer that is not a success."""
    what = f"{path} of {repo}" if path else repo
    if status in (401, 403):
        return access_denied(repo, endpoint, token_set, gated=code == "GatedRepo")
    if status == 404 or code in ("RepoNotFound", "RevisionNotFound", "EntryNotFound"):
        return not_found(code, repo, revision, path, endpoint)
    if status in RETRYABLE_STATUSES:
        return HubUnavailableError(f"{endpoint} answered {status} for {what}.", reason=f"the hub answered {status}")
    return DownloadError(f"{endpoint} answered {status} for {what}, which Atelier cannot use: check the "
                         "endpoint (mirror) address in Settings.")


def gave_up(what: str, endpoint: str, attempts: int, reason: str, kept: int) -> HubUnavailableError:
    keep = (f" The {human_size(kept)} already downloaded are kept; downloading again resumes from there."
            if kept else "")
    return HubUnavailableError(
        f"Could not download {what} from {endpoint} after {attempts} attempt{'s' if attempts > 1 else ''} "
        f"({reason}). Check the "
        f"connection, or the endpoint (mirror) address in Settings, and try again.{keep}", reason=reason)


def checksum_failed(path: str, repo: str, kind: str, expected: str, got: str) -> ChecksumError:
    return ChecksumError(
        f"{path} of {repo} failed its integrity check twice ({kind} {got[:12]}… instead of {expected[:12]}…). "
        "The damaged file was deleted and nothing was put in its place; the hub, a mirror or a proxy may be "
        "serving a damaged copy: try again later or through another endpoint.")


def not_enough_space(repo: str, folder: str, remaining: int, margin: int, free: int) -> NotEnoughSpaceError:
    return NotEnoughSpaceError(
        f"Not enough free space for {repo} in {folder}: {human_size(remaining + margin)} needed "
        f"({human_size(remaining)} to download plus {human_size(margin)} to spare), {human_size(free)} free. "
        "Free some space, or choose another models folder in Settings.")


def disk_full(path: str, folder: str, kept: int) -> DiskFullError:
    return DiskFullError(
        f"The disk holding {folder} became full while downloading {path}. Free some space and download "
        f"again: the {human_size(kept)} already downloaded are kept and the download resumes from there.")


def conflict(target: str) -> FileConflictError:
    return FileConflictError(
        f"{target} already exists and differs from the file on the hub, and Atelier did not download it: "
        "move it elsewhere or delete it, then download again.")
