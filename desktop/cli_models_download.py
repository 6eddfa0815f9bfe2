"""`models download ID|REPO[:FILE] [--quant Q] [--revision R]`: a catalog model, or any repository
or file on the hub, into the models folder the window uses.

A model already on this machine — Atelier's own download, or another app's copy of the same
repository and file (or the same sha256, when the catalog knows it) — is not downloaded
again: the command says where it is (with --revision naming another version than the
catalog's, the hub is asked, and only files that differ are fetched). Otherwise a progress bar runs on stderr; Ctrl+C pauses
(the partial files stay in <models>/.partial) and the same command resumes with Range
requests, also after the terminal was closed. A second Ctrl+C stops at once, which is as safe
as a crash for the partial files. On success stdout holds only the path to load, so
`model=$(python main.py models download ID)` works; the catalog's recommended settings for
the model are said on stderr.

An entry that runs on another (an AnimateDiff motion adapter names its Stable Diffusion 1.5
base in `recommended.base`) brings that base too, by the same rules (not fetched again when it
is here, in Atelier's folder or another app's): stderr says so, and stdout holds two paths, the
adapter's then the base's (`{ read adapter; read base; } < <(python main.py models download ID)`)."""

from __future__ import annotations

import shlex
import sys
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from desktop.cli_progress import TerminalProgress

if TYPE_CHECKING:
    from desktop.core.models.catalog import CatalogEntry
    from desktop.core.models.local_copies import Wanted

PAUSED_EXIT = 130  # as a shell reports a command stopped by Ctrl+C


@dataclass(frozen=True)
class Request:
    repo: str
    revision: str | None
    patterns: tuple[str, ...]
    title: str
    wanted: Wanted              # what counts as already here
    entry: CatalogEntry | None = None  # the catalog entry, when one was named
    quant: str | None = None
    file: str | None = None     # the one file asked for after REPO:
    # --revision named another version than the catalog's: copies here may be of another one
    # (the download still fetches no file it already has in place and identical)
    other_revision: bool = False


def download_command(args, context) -> int:
    from desktop.core.models import download_errors as errors

    try:
        request = _request(args, context)
        base = _base_request(request, context)
    except (ValueError, errors.DownloadError) as exc:  # a wrong name or quantization: said as it is
        print(str(exc), file=sys.stderr)
        return 1
    if base is not None:  # an adapter: without its base it makes nothing
        print(f"{request.entry.name} runs on {base.entry.name} ({base.entry.id}): that is fetched too, "
              "unless it is on this machine already.", file=sys.stderr)
    code, path = _get(request, args, context)
    if code or base is None:
        if not code:
            print(path)
            _say_recommended(request)
        return code
    code, base_path = _get(base, args, context)
    if code:
        print(f"{request.title} is in place ({path}); its base is not yet: run the same command again.",
              file=sys.stderr)
        return code
    print(path)  # the adapter, then on a second line the base it runs on
    print(base_path)
    _say_recommended(request)
    print(f"Make a clip with them: python main.py generate video --model {shlex.quote(base_path)} "
          f"--motion-adapter {shlex.quote(path)} \"PROMPT\"", file=sys.stderr)
    return 0


def _get(request: Request, args, context) -> tuple[int, str]:
    """(exit code, the path to load): the copy already on this machine, else a download."""
    from desktop.core.error_text import describe
    from desktop.core.errors import Cancelled
    from desktop.core.models import download_errors as errors

    here = _already_here(request, context)
    if here is not None:
        return 0, here
    from desktop import logging_setup
    from desktop.paths import DataLayout

    # the downloader's log lines (a retry, a damaged file) go to the app's log file, as the
    # window's do, instead of cutting through the progress bar
    logging_setup.setup(DataLayout(context.data_dir).logs)
    bar = TerminalProgress()
    try:
        download = context.downloader().download(request.repo, request.revision, request.patterns)
        result = _run_until_done_or_paused(download, bar)
    except KeyboardInterrupt:  # a second Ctrl+C while pausing
        bar.say("Stopped. The partial files stay; run the same command again to continue: "
                f"{_same_command(args)}")
        return PAUSED_EXIT, ""
    except Cancelled:
        bar.say("Cancelled.")
        return 1, ""
    except (errors.DownloadError, OSError) as exc:
        bar.end()
        print(describe(exc), file=sys.stderr)
        return 1, ""
    bar.end()
    if result.state != "done":
        done = f" at {bar.last.text().removeprefix('Paused · ')}" if bar.last and bar.last.total_bytes else ""
        print(f"Paused{done}. What was downloaded stays in {context.models_folder} (unfinished files in its "
              f".partial folder); run the same command again to continue where it stopped:\n"
              f"  {_same_command(args)}", file=sys.stderr)
        return PAUSED_EXIT, ""
    if result.verified_by_size_only:
        print("Checked by size only (the hub published no checksum): " + ", ".join(result.verified_by_size_only),
              file=sys.stderr)
    return 0, _loadable(request, result)


def _already_here(request: Request, context) -> str | None:
    """Where the model already is, if it is on this machine (nothing is sent to the hub)."""
    from desktop.core.models import fetch_plan
    from desktop.core.models.local_copies import ATELIER, in_models_folder, in_other_apps

    if request.other_revision:
        return None
    copy = in_models_folder(request.wanted, context.models_folder)
    if copy is None and (request.wanted.main or request.wanted.folder):
        copy = in_other_apps(request.wanted, context.other_apps.models)
    if copy is None:
        return None
    hidden = " (hidden in the window's lists)" if context.hidden(copy.path) else ""
    where = "downloaded by Atelier" if copy.source == ATELIER else f"kept by {copy.source}, {copy.how}"
    print(f"{request.title} is already on this machine ({where}){hidden}; not downloaded again.", file=sys.stderr)
    if request.entry is not None and copy.path.is_dir():  # a single-file adapter's folder: the file in it
        return str(fetch_plan.load_path(request.entry, copy.path, request.quant))
    return str(copy.path)


def _base_request(request: Request, context) -> Request | None:
    """The catalog entry the asked-for one runs on (an adapter's `recommended.base`), as a request."""
    base = context.catalog.base_of(request.entry) if request.entry is not None else None
    return _entry_request(base) if base is not None else None


def _entry_request(entry, quant: str | None = None, revision: str | None = None) -> Request:
    from desktop.core.models import fetch_plan
    from desktop.core.models.local_copies import Wanted

    plan = fetch_plan.plan(entry, quant)
    return Request(plan.repo, revision or plan.revision, plan.patterns, plan.title, Wanted.for_entry(entry, quant),
                   entry, quant, other_revision=bool(revision) and revision != plan.revision)


def _request(args, context) -> Request:
    from desktop.core.models.hub import check_repo_id
    from desktop.core.models.local_copies import Wanted

    target = args.model.strip()
    if "/" not in target:
        try:
            entry = context.catalog.by_id(target)
        except KeyError:
            raise ValueError(f"No model “{target}” in the catalog (see models list). Any repository on the hub "
                             "can be downloaded by its name, publisher/name, or one file of it as "
                             "publisher/name:FILE.") from None
        return _entry_request(entry, args.quant, args.revision)
    repo, _, file = target.partition(":")
    repo, file = check_repo_id(repo), file.strip() or None
    if file and args.quant:
        raise ValueError("Give either a file after the colon or --quant, not both.")
    patterns = (file,) if file else (f"*{args.quant}*.gguf",) if args.quant else ()
    wanted = Wanted.for_request(repo, file, context.catalog) if not args.quant else Wanted(repo, None, ())
    title = f"{repo}:{file}" if file else f"{repo} ({args.quant})" if args.quant else repo
    return Request(repo, args.revision, patterns, title, wanted, file=file, other_revision=bool(args.revision))


def _run_until_done_or_paused(download, bar: TerminalProgress):
    """Run the download on a thread so that Ctrl+C reaches this one at once (even while a read
    waits on the network): the first pauses the download, which ends at its next chunk. The
    wait is on an Event: a Thread.join interrupted by Ctrl+C can leave the thread looking
    finished while it runs (CPython before 3.13, gh-90882)."""
    outcome: dict = {}
    finished = threading.Event()

    def work():
        try:
            outcome["result"] = download.run(progress=bar)
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread as it is
            outcome["error"] = exc
        finally:
            finished.set()

    threading.Thread(target=work, name="model download", daemon=True).start()
    pausing = False
    while not finished.is_set():
        try:
            finished.wait(0.2)
        except KeyboardInterrupt:
            if pausing:
                raise
            pausing = True
            download.pause()
            bar.say("Pausing… (Ctrl+C again to stop at once)")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


def _loadable(request: Request, result) -> str:
    """What a studio loads: the catalog's choice, the one file asked for, else the folder."""
    from desktop.core.models import fetch_plan

    if request.entry is not None:
        return str(fetch_plan.load_path(request.entry, result.folder, request.quant))
    if len(result.files) == 1 and (request.file or request.patterns):
        return str(result.folder / result.files[0].path)
    return str(result.folder)


def _say_recommended(request: Request) -> None:
    entry = request.entry
    if entry is None or not entry.recommended:
        return
    values = ", ".join(f"{key.replace('_', ' ')} {_shown(value)}" for key, value in entry.recommended.items())
    print(f"Recommended settings for {entry.name}: {values}.", file=sys.stderr)
    if entry.licence_note:
        print(entry.licence_note, file=sys.stderr)


def _shown(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _same_command(args) -> str:
    words = ["python", "main.py", "models", "download", args.model]
    if args.quant:
        words += ["--quant", args.quant]
    if args.revision:
        words += ["--revision", args.revision]
    if args.catalog:
        words += ["--catalog", str(args.catalog)]
    if args.data_dir:
        words += ["--data-dir", str(args.data_dir)]
    return shlex.join(words)
