"""Entry point: `python main.py` opens the window, `python main.py generate ...` runs headless."""

import multiprocessing
import sys

from desktop.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # a frozen build's child processes (model conversion) start here
    sys.exit(main())
