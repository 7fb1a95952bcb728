"""What a refinement carries beyond the view (no Qt window): the undo stack's steps of a model
held while its image changes and converted to the new pixels (``UndoStack.carry``), the
StreamingLoader's keepers called around the swap with the measurements' converter, and the SUV
kind picked on a reduced PET volume shown on the full one."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from app.refine_view import Rescale
from phantoms import series as S
from tests.test_cloud_stream import _feed, _setup
from tests.test_undo_mouse import Sheet, _points
from viewer.dicom.measure import Measurement
from viewer.dicom.volume import Volume
from viewer.state.origin import Origin
from viewer.state.undo import UndoStack
from viewer.state.viewport import ViewportModel


def _times(f: float):  # type: ignore[no-untyped-def]
    def convert(ms: list[Measurement]) -> list[Measurement]:
        return [Measurement(m.kind, [(x * f, y * f) for x, y in m.points], m.index) for m in ms]

    return convert


def test_carry_holds_the_steps_then_converts_them_in_their_order() -> None:
    s, other, stack = Sheet(), Sheet(), UndoStack()
    recorded: list[int] = []
    stack.on_recorded.append(lambda: recorded.append(1))
    stack.record(s, "add", lambda: s.measurements.append(Measurement("length", [(1, 2), (3, 4)])))
    stack.record(other, "other", lambda: other.measurements.append(Measurement("probe", [(9, 9)])))
    stack.record(s, "move", lambda: s.measurements[0].move(1, 0))
    assert len(recorded) == 3
    stack.undo()  # "move" undone: on the redo branch
    end = stack.carry(s)
    stack.forget(s)  # the image changed (the same picture in other pixels): kept
    assert stack.can_undo and stack.can_redo
    s.measurements = _times(4.0)(s.measurements)
    end(_times(4.0))
    end(None)  # (only the first call counts)
    assert stack.redo() and _points(s) == [[(8, 8), (16, 16)]]
    assert stack.undo() and stack.undo() and _points(other) == []  # in the order done
    assert stack.undo() and s.measurements == []
    assert stack.redo() and _points(s) == [[(4, 8), (12, 16)]] and stack.undo_label == "add"


def test_carry_ended_without_a_converter_forgets_and_an_open_edit_is_converted() -> None:
    s, stack = Sheet(), UndoStack()
    stack.record(s, "add", lambda: s.measurements.append(Measurement("probe", [(1, 1)])))
    stack.carry(s)(None)  # the picture was not swapped as expected
    assert not stack.can_undo
    s.measurements = []
    stack.record(s, "add", lambda: s.measurements.append(Measurement("probe", [(2, 2)])))
    stack.begin(s)  # a drag under way when the full volume arrives
    end = stack.carry(s)
    s.measurements = _times(2.0)(s.measurements)
    end(_times(2.0))
    s.measurements[0].move(1, 0)
    assert stack.commit(s, "move")
    assert stack.undo() and _points(s) == [[(4, 4)]]  # the drag's start, in the new pixels
    stack.forget(s)
    assert not stack.can_undo and not stack.can_redo


def _pet(folder: Path) -> list[Path]:
    study = S.StudySpec(S.PatientSpec(), key="keeps-pet")
    spec = S.pet_body(study, transfer_syntax="j2k", matrix=64, n_slices=8, z_top=60.0)
    return [Path(p) for p in S.write_series(spec, str(folder), workers=1)]


def test_keepers_and_the_suv_kind_across_a_refinement(
    qtbot, tmp_path: Path, hold_full_volume: threading.Event
) -> None:
    files = _pet(tmp_path / "pet")
    ws, _inner, sl, _refined = _setup(qtbot)
    calls: list[tuple[ViewportModel, list[Measurement] | None]] = []

    def keeper(vp: ViewportModel):  # type: ignore[no-untyped-def]
        before = vp.snapshot_measurements()

        def back(rescale: Rescale | None) -> None:
            calls.append((vp, None if rescale is None else rescale(before)))

        return back

    sl.keepers.append(keeper)
    record = object()
    uid = _feed(sl, record, files)
    vp = ws.active
    assert vp is not None
    qtbot.waitUntil(lambda: isinstance(vp.image, Volume) and vp.image.reduced_level == 2)
    reduced = vp.image
    assert calls == []  # (a first image shown: nothing to keep)
    suv = reduced.suv
    assert suv is not None and "lbm" in suv.kinds and suv.kind == "bw"
    suv.set_kind("lbm")  # the reader's choice (View → SUV), then a window in SUVlbm
    vp.set_window(2.0, 4.0)
    vp.add_measurement(Measurement("probe", [(5.0, 6.0)]))
    ws.open_study(tmp_path / "pet", origin=Origin.CLOUD, record=record)
    key = ws.key_for_uid(uid)
    assert key is not None
    hold_full_volume.set()
    qtbot.waitUntil(lambda: key in ws.images, timeout=30000)
    full = ws.images[key]
    assert isinstance(full, Volume) and vp.image is full and full.reduced_level == 0
    assert full.suv is not None and full.suv.kind == "lbm" and vp.window == (2.0, 4.0)
    ((who, moved),) = calls
    assert who is vp and moved is not None and _points_of(moved) == [[(20.0, 24.0)]]


def _points_of(ms: list[Measurement]) -> list[list[tuple[float, float]]]:
    return [m.points for m in ms]


def _vol(n: int, sp: float, level: int) -> Volume:
    import numpy as np

    v = Volume(np.zeros((4, n, n), np.int16), np.zeros(3), (sp, sp, 1.0), np.eye(3))
    v.reduced_level = level
    return v


def _failing(model: ViewportModel):  # type: ignore[no-untyped-def]
    def back(rescale: object) -> None:
        raise RuntimeError("a keeper failed")

    return back


@pytest.mark.parametrize("case", ["failing first", "failing last", "swap fails"])
def test_every_keeper_is_let_go_whatever_raises(case: str) -> None:
    """A keeper that fails, or a swap that fails, never leaves an undo history held: the
    view's steps are dropped and cannot reappear on the next series shown there."""
    import types

    from app.cloud_stream import StreamingLoader
    from viewer.state.workspace import Workspace

    small, full = _vol(16, 4.0, 2), _vol(64, 1.0, 0)
    vp, stack = ViewportModel(), UndoStack()
    vp.set_image(small)
    stack.record(vp, "add", lambda: vp.add_measurement(Measurement("probe", [(2.0, 3.0)])))
    keepers = {
        "failing first": [_failing, stack.carry],
        "failing last": [stack.carry, _failing],
        "swap fails": [stack.carry],
    }[case]
    host = types.SimpleNamespace(
        keepers=keepers, workspace=types.SimpleNamespace(links=Workspace().links)
    )

    def swap() -> None:
        if case == "swap fails":
            raise OSError("the full volume could not be shown")
        vp.set_image(full)
        stack.forget(vp)

    with pytest.raises((RuntimeError, OSError)):
        StreamingLoader._carried(host, [vp], full, swap)  # type: ignore[arg-type]
    vp.set_image(_vol(64, 1.0, 0))  # the viewport moves on to another series
    stack.forget(vp)
    assert not stack.can_undo  # nothing held: its steps went with its series
