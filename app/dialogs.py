"""Whether the application may ask the reader with a modal dialog.

``YUNYING_DIALOGS=0`` (tests, headless screenshots) turns modal questions off: each caller then
takes its documented default answer instead of blocking. One place for that switch.
"""

from __future__ import annotations

import os


def interactive() -> bool:
    """True unless modal dialogs are turned off (``YUNYING_DIALOGS=0``)."""
    return os.environ.get("YUNYING_DIALOGS", "1") == "1"
