"""The mouse mapping: which action a button, the wheel and modifiers trigger, the same in 2D and
MPR views; shipped as data (``resources/presets/mouse.json``), a user's overrides merged over it.

Views ask :meth:`MouseMap.action` on every press or wheel event; ``tool`` means "the toolbar's
active tool" (window/level, a measurement, …). Actions that make no sense in a view (the
crosshair in a plain 2D viewport) are the view's to ignore.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path

import resources

ACTIONS = ("tool", "window", "zoom", "pan", "scroll", "crosshair", "rotate_crosshair", "none")
BUTTONS = ("left", "middle", "right", "wheel")
MODIFIERS = ("ctrl", "shift", "alt")


def _key(button: str, modifiers: Iterable[str] = ()) -> str:
    mods = sorted({m.lower() for m in modifiers}, key=MODIFIERS.index)
    return "+".join([*mods, button.lower()])


class MouseMap:
    """Owns the merged mapping (shipped defaults, then the user's own) and checks it."""

    def __init__(self, mapping: Mapping[str, str]) -> None:
        self.mapping: dict[str, str] = {}
        for key, action in mapping.items():
            if key.startswith("_"):
                continue
            *mods, button = key.lower().split("+")
            if button not in BUTTONS or any(m not in MODIFIERS for m in mods):
                raise ValueError(f"mouse mapping: unknown button or modifier in {key!r}")
            if action not in ACTIONS:
                raise ValueError(f"mouse mapping: unknown action {action!r} for {key!r}")
            self.mapping[_key(button, mods)] = action

    @classmethod
    def load(cls, user_file: Path | None = None) -> MouseMap:
        """The shipped mapping, with ``user_file``'s entries (if it exists) over it."""
        data = json.loads(resources.path("presets", "mouse.json").read_text(encoding="utf-8"))
        if user_file is not None and user_file.is_file():
            data.update(json.loads(user_file.read_text(encoding="utf-8")))
        return cls(data)

    def save_user(self, user_file: Path, defaults: MouseMap | None = None) -> None:
        """Write the entries that differ from the shipped mapping."""
        base = (defaults or MouseMap.load()).mapping
        own = {k: v for k, v in self.mapping.items() if base.get(k) != v}
        user_file.parent.mkdir(parents=True, exist_ok=True)
        user_file.write_text(json.dumps(own, indent=2, sort_keys=True), encoding="utf-8")

    def action(self, button: str, modifiers: Iterable[str] = ()) -> str:
        """The action for a press (or wheel) with these modifiers; without an entry for the
        exact combination, the plain button's action; "none" when the button has none."""
        exact = self.mapping.get(_key(button, modifiers))
        if exact is not None:
            return exact
        return self.mapping.get(_key(button), "none")
