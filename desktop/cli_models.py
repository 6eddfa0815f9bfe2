"""`python main.py models ...`: the model manager on the command line, on the same core and
settings as the window (desktop/model_access.py: the same models folder, hub address, token
and Offline switch). These commands manage files; nothing is recorded in the library.

    models list [--studio S] [--fits]        the catalog, with what is installed and what fits
    models download ID|REPO[:FILE] [--quant Q] [--revision R]   (cli_models_download.py)
    models installed                         what Atelier downloaded; what other apps keep
    models remove ID|REPO                    only files Atelier downloaded
    models verify-catalog [--write]          the catalog against the hub (core/models/catalog_check.py)

Every command takes --catalog PATH (a catalog file instead of the shipped one) and the global
options (--data-dir, --verbose) before or after its name."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from desktop.core.models.download_errors import human_size


def add_parser(commands, below: list[argparse.ArgumentParser]) -> None:
    from desktop.core.models.catalog import STUDIOS

    models = commands.add_parser("models", help="get, list and remove AI models (the catalog, downloads, "
                                 "models other apps keep)", parents=below)
    actions = models.add_subparsers(dest="models_command", required=True)
    catalog_option = argparse.ArgumentParser(add_help=False)
    catalog_option.add_argument("--catalog", type=Path, default=None,
                                help="a catalog file to use instead of the one that comes with Atelier")
    common = [*below, catalog_option]

    listing = actions.add_parser("list", help="the catalog: size, licence, installed, fit", parents=common)
    listing.add_argument("--studio", choices=STUDIOS, help="only this studio's models")
    listing.add_argument("--fits", action="store_true",
                         help="only models that fit this machine's memory (fits or tight)")

    download = actions.add_parser("download", help="download a catalog model or any repository or file on "
                                  "the hub (Ctrl+C pauses; the same command again resumes)", parents=common)
    download.add_argument("model", help="a catalog id (see models list), publisher/name, or "
                          "publisher/name:FILE (a file or a pattern such as '*Q4_K_M.gguf')")
    download.add_argument("--quant", help="GGUF quantization, e.g. Q4_K_M, Q5_K_M, Q8_0")
    download.add_argument("--revision", help="a branch, tag or commit (default: the catalog's pin, else main)")

    actions.add_parser("installed", help="models Atelier downloaded, and models other apps keep", parents=common)

    remove = actions.add_parser("remove", help="delete the files Atelier downloaded for a model", parents=common)
    remove.add_argument("model", help="a catalog id or publisher/name")

    verify = actions.add_parser("verify-catalog", help="check every catalog entry against the hub (for "
                                "maintainers, with a network connection)", parents=common)
    verify.add_argument("--write", action="store_true",
                        help="fill in the facts the hub confirmed (sizes, sha256, the commit) in the catalog file")


def run(args) -> int:
    from desktop.core.models.catalog import CatalogError

    context = ModelsContext(args)
    commands = {"list": list_command, "installed": installed_command, "remove": remove_command,
                "verify-catalog": verify_command}
    try:
        if args.models_command == "download":
            from desktop.cli_models_download import download_command

            return download_command(args, context)
        return commands[args.models_command](args, context)
    except CatalogError as exc:  # its message names the file, entry and field
        print(str(exc), file=sys.stderr)
        return 1


@dataclass
class ModelsContext:
    """The settings a command runs with and what is built from them, as the window builds them."""
    args: argparse.Namespace

    @cached_property
    def settings(self):
        from desktop import settings as settings_io

        return settings_io.load()

    @cached_property
    def data_dir(self) -> Path:
        return self.args.data_dir or self.settings.resolved_data_dir()

    @cached_property
    def models_folder(self) -> Path:
        from desktop import model_access

        return model_access.models_folder(self.settings, self.data_dir)

    @cached_property
    def catalog(self):
        from desktop.core.models import catalog

        return catalog.load(self.args.catalog)

    def hub(self):
        from desktop import model_access

        return model_access.hub(self.settings)

    def downloader(self):
        from desktop import model_access

        return model_access.downloader(self.settings, self.data_dir)

    @cached_property
    def other_apps(self):
        """Models other apps keep (standard places and the folders added in Settings), less
        Atelier's own downloads (a models folder set inside another app's tree is scanned
        with it; a model folder holding Atelier's manifest is Atelier's)."""
        from desktop.core.models.discovery import discover, identify_root
        from desktop.core.models.downloads import read_manifests

        extra = [identify_root(Path(folder).expanduser()) for folder in self.settings.other_app_dirs
                 if str(folder).strip()]
        scan = discover(extra=extra)
        ours = {m.folder.resolve() for m in read_manifests(self.models_folder)}
        scan.models = [m for m in scan.models if ours.isdisjoint({Path(m.real_path), *Path(m.real_path).parents})]
        return scan

    @cached_property
    def _hidden_paths(self) -> frozenset[str]:
        paths = set()
        for entry in self.settings.hidden_models:
            if str(entry).strip():
                path = os.path.abspath(os.path.expanduser(entry))
                paths |= {path, os.path.realpath(path)}
        return frozenset(paths)

    def hidden(self, path) -> bool:
        """Hidden from the window's lists by the person (Settings' hidden_models), matched as
        the window matches it: by the path it was listed under or by the file behind it."""
        return bool({os.path.abspath(path), os.path.realpath(path)} & self._hidden_paths)


def list_command(args, context: ModelsContext) -> int:
    from desktop.core.models.local_copies import ATELIER, Wanted, in_models_folder, in_other_apps

    entries = context.catalog.for_studio(args.studio) if args.studio else list(context.catalog.entries)
    verdicts = _fit_verdicts(entries)
    if args.fits:
        entries = [e for e in entries if verdicts[e.id][0] in ("fits", "tight")]
    found = context.other_apps.models
    rows = [("ID", "NAME", "STUDIO", "SIZE", "LICENCE", "GATED", "INSTALLED", "FIT")]
    for entry in entries:
        wanted = Wanted.for_entry(entry)
        copy = in_models_folder(wanted, context.models_folder) or in_other_apps(wanted, found, hash_files=False)
        installed = "" if copy is None else ("yes" if copy.source == ATELIER else f"in {copy.source}")
        rows.append((entry.id, entry.name, entry.studio, _default_size(entry), entry.licence,
                     "gated" if entry.gated else "", installed, verdicts[entry.id][1]))
    _print_table(rows)
    if not entries:
        print("(no model matches)", file=sys.stderr)
    return 0


def _default_size(entry) -> str:
    from desktop.core.models.fetch_plan import plan

    size = plan(entry).approx_bytes
    return human_size(size) if size is not None else "?"


def _fit_verdicts(entries) -> dict[str, tuple[str, str]]:
    """entry id -> (verdict, what to show: the verdict and the RAM it needs, an estimate)."""
    from desktop.core.models import fit

    machine = fit.this_machine()  # measured once for the whole list
    verdicts = {}
    for entry in entries:
        estimate = fit.for_entry(entry, machine)
        need = f" (about {human_size(estimate.ram_bytes)})" if estimate.ram_bytes else ""
        verdicts[entry.id] = (estimate.verdict, estimate.verdict + need)
    return verdicts


def _print_table(rows) -> None:
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip())


def installed_command(args, context: ModelsContext) -> int:
    from desktop.core.models.downloads import read_manifests

    manifests = read_manifests(context.models_folder)
    print(f"Downloaded by Atelier, in {context.models_folder}:")
    for manifest in manifests:
        state = "" if manifest.complete else "  [incomplete: run models download again to finish]"
        print(f"  {manifest.repo}  {human_size(manifest.size)}  {manifest.folder}{state}")
    if not manifests:
        print("  (none)")
    scan = context.other_apps
    print("Kept by other apps (used where they are, never copied; Atelier does not delete them):")
    for model in scan.models:
        hidden = "  [hidden in the window]" if context.hidden(model.path) else ""
        print(f"  {model.name} ({model.source})  {human_size(model.size_bytes)}  {model.path}{hidden}")
    if not scan.models:
        print("  (none found)")
    if scan.truncated:
        print("[the search for other apps' models stopped at a limit: some may be missing]", file=sys.stderr)
    return 0


def remove_command(args, context: ModelsContext) -> int:
    from desktop.cli_models_remove import remove_model

    return remove_model(args.model, context)


def verify_command(args, context: ModelsContext) -> int:
    from desktop.core.error_text import describe
    from desktop.core.models import download_errors as errors
    from desktop.core.models.catalog_check import DIFFERS, UNCHECKED, check_catalog, write_learned

    catalog = context.catalog
    hub = context.hub()
    print(f"Checking {len(catalog.entries)} catalog entries of {catalog.path} against {hub.endpoint}",
          file=sys.stderr)
    checks = []
    try:
        for check in check_catalog(catalog, hub):
            print(check.line(), flush=True)
            checks.append(check)
    except errors.OfflineError:
        print("Atelier is offline (Settings › Downloads › Offline), so the catalog was not checked: nothing "
              "was sent.", file=sys.stderr)
        return 1
    except errors.DownloadError as exc:
        print(describe(exc), file=sys.stderr)
        return 1
    counts = {status: sum(c.status == status for c in checks) for status in ("ok", "learned", DIFFERS, UNCHECKED)}
    print(", ".join(f"{count} {status}" for status, count in counts.items()), file=sys.stderr)
    if args.write:
        written = write_learned(catalog.path, checks)
        print(f"Wrote {written.count} fact{'s' if written.count != 1 else ''} of {len(written.facts)} "
              f"entr{'ies' if len(written.facts) != 1 else 'y'} to {written.path}." if written.count
              else f"Nothing to write to {written.path}.", file=sys.stderr)
    return 1 if counts[DIFFERS] or counts[UNCHECKED] else 0
