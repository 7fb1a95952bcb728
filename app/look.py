"""The application's look: the theme (dark for reading rooms, the default, or light;
``resources/themes/*.qss``) and the text size, applied to the whole application. Light (no
viewer imports): the main window's frame is painted in the saved look before the viewer loads.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

import resources

THEMES = ("dark", "light")
TEXT_SCALE_RANGE = (0.75, 3.0)
_BASE_PT: list[float] = []  # the font size before any scaling (a second window must not compound)


def saved_theme(settings: QSettings) -> str:
    theme = str(settings.value("theme", "dark"))
    return theme if theme in THEMES else "dark"


def saved_text_scale(settings: QSettings) -> float:
    try:
        scale = float(str(settings.value("text_scale", 1.0) or 1.0))
    except ValueError:
        scale = 1.0
    return clamp_scale(scale)


def clamp_scale(scale: float) -> float:
    return min(TEXT_SCALE_RANGE[1], max(TEXT_SCALE_RANGE[0], float(scale)))


def apply_theme(theme: str) -> None:
    """The theme's style sheet on the application (not set again when it is already on: that
    would re-polish every widget)."""
    if theme not in THEMES:
        raise ValueError(f"theme is one of {THEMES}, not {theme!r}")
    qss = resources.path("themes", f"{theme}.qss").read_text(encoding="utf-8")
    app = QApplication.instance()
    if isinstance(app, QApplication) and app.styleSheet() != qss:
        app.setStyleSheet(qss)


def base_point_size() -> float:
    if not _BASE_PT:
        app = QApplication.instance()
        _BASE_PT.append(app.font().pointSizeF() if isinstance(app, QApplication) else 9.0)
    return _BASE_PT[0]


def apply_text_scale(scale: float) -> float:
    """The application font × ``scale`` (clamped); returns the scale applied."""
    scale = clamp_scale(scale)
    base = base_point_size()
    app = QApplication.instance()
    if isinstance(app, QApplication):
        font = app.font()
        if font.pointSizeF() != base * scale:
            font.setPointSizeF(base * scale)
            app.setFont(font)
    return scale


def apply_saved(settings: QSettings) -> None:
    """The saved theme and text size, on the application."""
    apply_theme(saved_theme(settings))
    apply_text_scale(saved_text_scale(settings))
