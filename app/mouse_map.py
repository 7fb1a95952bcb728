"""The one mouse mapping of the 2D and MPR views (:class:`viewer.state.mouse.MouseMap`): the
shipped ``resources/presets/mouse.json`` with the user's own entries (Settings → Mouse Buttons…,
saved as ``mouse.json`` in the user config dir) over it."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QMouseEvent, QWheelEvent

from viewer.state.mouse import MouseMap

_BUTTONS = {
    Qt.MouseButton.LeftButton: "left",
    Qt.MouseButton.MiddleButton: "middle",
    Qt.MouseButton.RightButton: "right",
}
_MODS = (
    (Qt.KeyboardModifier.ControlModifier, "ctrl"),
    (Qt.KeyboardModifier.ShiftModifier, "shift"),
    (Qt.KeyboardModifier.AltModifier, "alt"),
)
_current: list[MouseMap] = []


def user_file() -> Path:
    from platformdirs import user_config_dir

    base = os.environ.get("YUNYING_CONFIG_DIR") or user_config_dir("yunying", appauthor=False)
    return Path(base) / "mouse.json"


def mouse_map() -> MouseMap:
    """The mapping in force (loaded once; :func:`set_mouse_map` changes it)."""
    if not _current:
        try:
            _current.append(MouseMap.load(user_file()))
        except ValueError:  # a broken user file: the shipped mapping
            _current.append(MouseMap.load())
    return _current[0]


def set_mouse_map(m: MouseMap, save: bool = True) -> None:
    _current[:] = [m]
    if save:
        m.save_user(user_file())


def _mods(ev: QMouseEvent | QWheelEvent) -> list[str]:
    return [name for flag, name in _MODS if ev.modifiers() & flag]


def press_action(ev: QMouseEvent) -> str:
    """tool, window, zoom, pan, scroll, crosshair, rotate_crosshair or none."""
    button = _BUTTONS.get(ev.button())
    return "none" if button is None else mouse_map().action(button, _mods(ev))


def wheel_action(ev: QWheelEvent) -> str:
    return mouse_map().action("wheel", _mods(ev))
