"""How the key-image document titles (DICOM CID 7010) are shown in the interface's language.

The saved Key Object Selection keeps the standard's English code meaning (PS3.16 CID 7010);
only the list the reader picks from shows names in the interface's language, read from
``resources/i18n/cid7010_<lang>.json`` (by code value). A title with no name there is shown
as its code meaning.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import resources


def display_names(titles: Mapping[str, Any], lang: str) -> dict[str, str]:
    """``{code meaning: shown name}`` for ``titles`` (meaning → pydicom Code) in ``lang``."""
    shown = {meaning: meaning for meaning in titles}
    table = resources.path("i18n", f"cid7010_{lang}.json")
    if lang == "en" or not table.is_file():
        return shown
    names = json.loads(table.read_text(encoding="utf-8")).get("titles", {})
    for meaning, code in titles.items():
        entry = names.get(str(getattr(code, "value", "")))
        if isinstance(entry, dict) and entry.get(lang):
            shown[meaning] = str(entry[lang])
    return shown
