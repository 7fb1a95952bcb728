"""Language: English source strings, Chinese (zh_CN) from ``resources/i18n/yunying_zh_CN.qm``.

The language follows the system locale unless the user picked one in Settings (kept in
QSettings). Switching takes effect at once: widgets re-read their texts. The text ``viewer``
produces goes through :mod:`viewer.dicom.i18n`, into which :func:`install` plugs Qt's translator.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QSettings, QTranslator

import resources
import viewer.dicom.i18n

I18N_DIR = resources.path("i18n")
LANGUAGES = ("system", "en", "zh_CN")
_state: dict[str, object] = {"translator": None, "qt": None, "current": "en"}


def setting() -> str:
    value = str(QSettings("Yunying", "Yunying").value("language", "system"))
    return value if value in LANGUAGES else "system"


def save_setting(lang: str) -> None:
    QSettings("Yunying", "Yunying").setValue("language", lang)


def resolve(lang: str) -> str:
    if lang == "system":
        return "zh_CN" if QLocale.system().name().startswith("zh") else "en"
    return lang


def current() -> str:
    return str(_state["current"])


def install(app: QCoreApplication, lang: str | None = None) -> str:
    """Load the translation for ``lang`` (default: the saved setting); returns the language used."""
    chosen = resolve(lang or setting())
    for slot in ("translator", "qt"):
        old = _state[slot]
        if isinstance(old, QTranslator):
            app.removeTranslator(old)
            _state[slot] = None
    if chosen == "zh_CN":
        tr = QTranslator(app)
        if tr.load(str(I18N_DIR / "yunying_zh_CN.qm")):
            app.installTranslator(tr)
            _state["translator"] = tr
            qt = QTranslator(app)  # Qt's own words: standard buttons, file dialogs
            where = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
            if qt.load("qtbase_zh_CN", where):
                app.installTranslator(qt)
                _state["qt"] = qt
        else:
            chosen = "en"
    _state["current"] = chosen
    # the text viewer/ produces (plane names, statistics, warnings) goes through the same
    # translator; English needs none
    viewer.dicom.i18n.install(QCoreApplication.translate if chosen == "zh_CN" else None, chosen)
    return chosen
