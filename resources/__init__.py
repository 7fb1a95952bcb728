"""Data the product reads at run time: presets, colour maps, hanging protocols, translations.

:func:`path` is the one way to find a resource file, from a checkout and from the frozen app alike.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent


def path(*parts: str) -> Path:
    """The resource at ``resources/<parts…>`` (it need not exist)."""
    return ROOT.joinpath(*parts)
