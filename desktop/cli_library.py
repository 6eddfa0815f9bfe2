"""The library commands (`export`, `import`, `check`) and how every command opens the
library: with the same start-up recovery as the window."""

from __future__ import annotations

import sys


def open_library(data_dir, rebuild_if_damaged: bool = False):
    """The library for a command, after the same recovery as the window's start (only what
    dead processes left is touched), or None after saying why it cannot be opened. With
    rebuild_if_damaged (the person asked for a repair) a damaged database is set aside and
    a fresh one adopts the files."""
    from desktop import settings as settings_io
    from desktop.core.error_text import describe
    from desktop.store.library import Library
    from desktop.store.rebuild import DamagedLibraryError, set_aside_and_rebuild

    data_dir = data_dir or settings_io.load().resolved_data_dir()
    try:
        library = Library(data_dir)
    except DamagedLibraryError as exc:
        if not rebuild_if_damaged:
            print(describe(exc), file=sys.stderr)
            return None
        try:
            library, rebuilt = set_aside_and_rebuild(data_dir)
        except Exception as failure:  # noqa: BLE001 - e.g. another process uses the folder
            print(describe(failure), file=sys.stderr)
            return None
        print(rebuilt.summary())
    except Exception as exc:  # noqa: BLE001 - e.g. a library from a newer Atelier
        print(describe(exc), file=sys.stderr)
        return None
    if library.read_only:
        print(f"[{library.read_only_note()}]", file=sys.stderr)
    else:
        from desktop import logging_setup

        logging_setup.setup(library.layout.logs)  # recovery and engines log to the library's file
    try:
        report = library.recover_after_crash()
    except Exception as exc:  # noqa: BLE001 - e.g. the database is busy: recovery waits for the next start
        print(f"[the start-up recovery did not run: {describe(exc)}]", file=sys.stderr)
    else:
        if report:
            print(f"[{report.summary()}]", file=sys.stderr)
    return library


def export_command(args) -> int:
    from desktop.core.error_text import describe
    from desktop.store.gallery_export import collect, export_gallery

    fmt = args.format or ("zip" if args.out.suffix.lower() == ".zip" else "folder")
    library = open_library(args.data_dir)
    if library is None:
        return 1
    try:
        entries = collect(library, collection=args.collection)
        title = args.collection or "Atelier gallery"
        result = export_gallery(library, args.out, entries, fmt, title)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a message
        print(describe(exc), file=sys.stderr)
        return 1
    finally:
        library.close()
    print(result.path)
    print(f"[{result.items} items, {result.files} files]", file=sys.stderr)
    return 0


def import_command(args) -> int:
    from desktop.core.error_text import describe
    from desktop.store.gallery_import import import_gallery

    library = open_library(args.data_dir)
    if library is None:
        return 1
    try:
        result = import_gallery(library, args.path, merge=args.merge)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a message
        print(describe(exc), file=sys.stderr)
        return 1
    finally:
        library.close()
    kept = "merged" if args.merge else "left as they were"
    print(f"{result.imported} imported, {result.duplicates} already in the library ({kept})")
    return 0


def check_command(args) -> int:
    """Print the start-up check's report; exit 0 when the library is intact (or was repaired)."""
    from desktop.core.error_text import describe
    from desktop.store import integrity

    library = open_library(args.data_dir, rebuild_if_damaged=args.repair)
    if library is None:
        return 1
    try:
        report = integrity.check(library)
        print(report.summary())
        for line in integrity.details(report):
            print(f"  {line}")
        if report.clean or not args.repair:
            return 0 if report.clean else 3
        integrity.repair(library, report)
        after = integrity.check(library)
        print(f"Repaired. {after.summary()}")
        return 0 if after.clean else 3
    except Exception as exc:  # noqa: BLE001 - every failure becomes a message
        print(describe(exc), file=sys.stderr)
        return 1
    finally:
        library.close()
