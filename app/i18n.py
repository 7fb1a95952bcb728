"""Language: English source strings, Chinese (zh_CN) from ``resources/i18n/yunying_zh_CN.qm``.

The language follows the system locale unless the user picked one in Settings (kept in
QSettings). Switching takes effect at once: widgets re-read their texts.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLocale, QSettings, QTranslator

import resources

I18N_DIR = resources.path("i18n")
LANGUAGES = ("system", "en", "zh_CN")
_state: dict[str, object] = {"translator": None, "current": "en"}


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
    old = _state["translator"]
    if isinstance(old, QTranslator):
        app.removeTranslator(old)
        _state["translator"] = None
    if chosen == "zh_CN":
        tr = QTranslator(app)
        if tr.load(str(I18N_DIR / "yunying_zh_CN.qm")):
            app.installTranslator(tr)
            _state["translator"] = tr
        else:
            chosen = "en"
    _state["current"] = chosen
    return chosen
