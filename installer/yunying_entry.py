"""Entry point of the frozen application (PyInstaller)."""

import multiprocessing

from app.__main__ import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # the demo generator uses worker processes
    raise SystemExit(main())
