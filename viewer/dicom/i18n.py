"""Translation of the text that ``viewer`` produces (plane names, statistics, warnings, labels).

``viewer`` is Qt-free, so it cannot call Qt's translator itself: the application installs one
(:func:`install`, with ``QCoreApplication.translate``) and every user-facing string below ``app``
goes through :func:`translate` — or is marked with :func:`QT_TRANSLATE_NOOP` where it is a
constant translated when shown. Both forms are found by ``pyside6-lupdate``, so the strings land
in the same catalogue (``resources/i18n/yunying_zh_CN.ts``) as the application's. Without an
installed translator (tests, command-line tools) the English source text is returned.

Two rules keep strings findable: the text is a literal argument of ``translate``/
``QT_TRANSLATE_NOOP`` (lupdate reads neither variables nor calls inside f-strings), and numbers
go in with ``.format`` after translation. Data that carries both names (presets, protocols,
colour maps: ``name`` and ``name_zh``) is chosen with :func:`pick`.
"""

from __future__ import annotations

from collections.abc import Callable

Translator = Callable[[str, str], str]


def _identity(_context: str, text: str) -> str:
    return text


_state: dict[str, Translator] = {"fn": _identity}
_lang: dict[str, str] = {"current": "en"}


def install(fn: Translator | None, language: str = "") -> None:
    """Use ``fn(context, text)`` for every later :func:`translate` (None: back to English);
    ``language`` ("en", "zh_CN") chooses between the two names that data files carry."""
    _state["fn"] = fn or _identity
    _lang["current"] = language or ("en" if fn is None else "zh_CN")


def language() -> str:
    """The interface language: "en" or "zh_CN"."""
    return _lang["current"]


def pick(english: str, chinese: str) -> str:
    """One of the two names a data file gives (presets, protocols): the interface's."""
    return chinese if chinese and _lang["current"] == "zh_CN" else english


def translate(context: str, text: str) -> str:
    """``text`` in the interface language (the English source when none is installed)."""
    return _state["fn"](context, text)


def QT_TRANSLATE_NOOP(_context: str, text: str) -> str:
    """Mark a constant for the catalogue; translate it with :func:`translate` when shown."""
    return text
