"""Entry point: `python main.py` opens the window, `python main.py generate ...` runs headless."""

import sys

from desktop.cli import main

if __name__ == "__main__":
    sys.exit(main())
