"""Undo/redo of annotation changes and the mouse mapping (Qt-free models)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from viewer.dicom.measure import Measurement
from viewer.state.mouse import MouseMap
from viewer.state.undo import UndoStack


class Sheet:
    """The smallest annotated model: a list of measurements, snapshot by value."""

    def __init__(self) -> None:
        self.measurements: list[Measurement] = []

    def snapshot_measurements(self) -> list[Measurement]:
        return copy.deepcopy(self.measurements)

    def restore_measurements(self, snapshot: list[Measurement]) -> None:
        self.measurements = copy.deepcopy(snapshot)


def _points(sheet: Sheet) -> list[list[tuple[float, float]]]:
    return [m.points for m in sheet.measurements]


def test_add_move_clear_undone_and_redone_in_order() -> None:
    s, stack = Sheet(), UndoStack()
    stack.record(s, "add", lambda: s.measurements.append(Measurement("length", [(0, 0), (3, 4)])))
    stack.begin(s)  # a drag: many small moves, one step
    for _ in range(5):
        s.measurements[0].move(1, 0)
    assert stack.commit(s, "move")
    stack.record(s, "clear all", s.measurements.clear)
    assert s.measurements == [] and stack.undo_label == "clear all"
    assert stack.undo() and _points(s) == [[(5, 0), (8, 4)]]
    assert stack.undo() and _points(s) == [[(0, 0), (3, 4)]]
    assert stack.undo() and s.measurements == []
    assert not stack.undo() and not stack.can_undo
    assert stack.redo() and stack.redo() and _points(s) == [[(5, 0), (8, 4)]]
    assert stack.redo() and s.measurements == []
    assert not stack.redo()


def test_a_new_change_drops_the_redo_branch_and_no_change_is_no_step() -> None:
    s, stack = Sheet(), UndoStack()
    stack.record(s, "add", lambda: s.measurements.append(Measurement("probe", [(1, 1)])))
    stack.undo()
    assert stack.can_redo
    stack.record(s, "add", lambda: s.measurements.append(Measurement("probe", [(2, 2)])))
    assert not stack.can_redo
    assert not stack.record(s, "nothing", lambda: None)
    assert stack.undo_label == "add"


def test_steps_of_a_closed_model_are_forgotten() -> None:
    a, b, stack = Sheet(), Sheet(), UndoStack(limit=3)
    for _ in range(4):
        stack.record(a, "add a", lambda: a.measurements.append(Measurement("probe", [(0, 0)])))
    stack.record(b, "add b", lambda: b.measurements.append(Measurement("probe", [(0, 0)])))
    stack.forget(b)
    assert stack.undo_label == "add a"
    n = 0
    while stack.undo():
        n += 1
    assert n == 2  # the limit kept three steps, one of them b's
    assert len(a.measurements) == 2


def test_mouse_mapping_is_data_with_user_overrides(tmp_path: Path) -> None:
    m = MouseMap.load()
    assert m.action("left") == "tool"
    assert m.action("right") == "zoom"
    assert m.action("wheel", ["ctrl"]) == "zoom"
    assert m.action("wheel", ["alt"]) == "scroll"  # no entry: the plain button's action
    user = tmp_path / "mouse.json"
    mine = MouseMap({**m.mapping, "right": "window"})
    mine.save_user(user)
    assert json.loads(user.read_text()) == {"right": "window"}
    assert MouseMap.load(user).action("right") == "window"


def test_mouse_mapping_refuses_unknown_entries() -> None:
    with pytest.raises(ValueError, match="unknown action"):
        MouseMap({"left": "explode"})
    with pytest.raises(ValueError, match="unknown button"):
        MouseMap({"hyper+left": "zoom"})
