"""Launch by code, path or yunying:// link; hostile links refused; one instance per user."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from app.launch import LaunchError, LaunchRequest, parse_argument, parse_url

HYPHENATED = "10000000000000000708463177-202411221430-000000000-0000000000000-123502004266007916"
CODE = HYPHENATED.replace("-", "")


def test_codes_paths_and_links(tmp_path: Path) -> None:
    assert parse_argument(HYPHENATED) == LaunchRequest("code", CODE)
    assert parse_argument(str(tmp_path)) == LaunchRequest("path", str(tmp_path.resolve()))
    assert parse_url(f"yunying://open?code={HYPHENATED}") == LaunchRequest("code", CODE)
    assert parse_url(
        "yunying://open?study=1.2.840.113619.2.55&server=https://pacs.example/dw"
    ) == LaunchRequest("study", "1.2.840.113619.2.55", "https://pacs.example/dw")
    assert parse_argument(f"yunying:open?code={CODE}").kind == "code"
    link = "yunying://consult?session=Ab_cd-1234&invite=BCDF2345"
    assert parse_url(link) == LaunchRequest("consult", link)


@pytest.mark.parametrize(
    "url, reason",
    [
        ("http://open?code=" + CODE, "not a yunying"),
        ("yunying://delete?code=" + CODE, "only yunying://open"),
        ("yunying://consult?session=abcdefgh12&invite=BCDF2345&x=1", "exactly a session"),
        ("yunying://consult?session=../../etc&invite=BCDF2345", "malformed"),
        ("yunying://consult?session=abcdefgh12&invite=bcdf;rm", "malformed"),
        ("yunying://open?code=" + CODE[:-1] + "0", "invalid index code"),
        ("yunying://open?code=" + CODE + "&path=/etc/passwd", "unknown parameter"),
        ("yunying://open?code=" + CODE + "&code=" + CODE, "more than once"),
        ("yunying://open?study=1.2.3;rm%20-rf&server=https://x.example", "Study Instance UID"),
        ("yunying://open?study=1.2.3&server=http://evil.example", "https"),
        ("yunying://open?study=1.2.3&server=https://user:pw@evil.example", "not acceptable"),
        ("yunying://open?study=1.2.3&server=javascript:alert(1)", "https"),
        ("yunying://open?code=" + CODE + "\n", "not allowed"),
        ("yunying://open?code=" + "1" * 5000, "too long"),
        ("yunying://open?", "neither a code nor a study"),
    ],
)
def test_hostile_links_are_refused_with_a_message(url: str, reason: str) -> None:
    with pytest.raises(LaunchError) as err:
        parse_url(url)
    assert reason in str(err.value)


def test_missing_path_is_refused() -> None:
    with pytest.raises(LaunchError, match="no such file"):
        parse_argument("/no/such/folder/anywhere")


def test_second_launch_hands_its_request_to_the_running_window(
    qtbot, tmp_path: Path, monkeypatch
) -> None:
    from app.single import SingleInstance

    name = f"yunying-test-{os.getpid()}"
    monkeypatch.setenv("YUNYING_INSTANCE_NAME", name)
    got: list[object] = []
    listener = SingleInstance(name)
    assert listener.listen()
    listener.received.connect(got.append)
    env = dict(os.environ, YUNYING_INSTANCE_NAME=name)
    run = subprocess.Popen(
        [sys.executable, "-m", "app", str(tmp_path), f"yunying://open?code={HYPHENATED}"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    qtbot.waitUntil(lambda: run.poll() is not None, timeout=60000)
    out, err = run.communicate()
    assert run.returncode == 0, err
    assert "handed over" in out
    qtbot.waitUntil(lambda: len(got) == 2, timeout=10000)
    assert got == [LaunchRequest("path", str(tmp_path.resolve())), LaunchRequest("code", CODE)]
    # a hostile link never reaches the running window: the second launch refuses it itself
    bad = subprocess.run(
        [sys.executable, "-m", "app", "yunying://open?path=/etc/passwd"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and "unknown parameter" in bad.stderr
    QApplication.processEvents()
    assert len(got) == 2


def test_running_window_opens_handed_over_paths(qtbot, light_dir: Path) -> None:
    from app.mainwindow import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.open_request(LaunchRequest("path", str(light_dir / "mr")))
    qtbot.waitUntil(lambda: any(s.modality == "MR" for s in w.series.values()), timeout=20000)
    w.close()


def test_the_frame_is_painted_before_the_viewer_is_imported(tmp_path: Path) -> None:
    """Fast start: the window's frame is on screen before VTK, pydicom, SimpleITK or requests
    are imported; the viewer is built after it."""
    env = dict(os.environ, XDG_CONFIG_HOME=str(tmp_path))
    env.pop("QT_QPA_PLATFORM", None)
    run = subprocess.run(
        [sys.executable, "-m", "app", "--timings", "--screenshot", str(tmp_path / "w.png")],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    timings = json.loads(next(x for x in reversed(run.stdout.splitlines()) if x.startswith("{")))
    assert timings["frame_painted"] is True
    assert timings["viewer_imported_at_paint"] == []
    assert 0 < timings["window_shown_s"] < timings["viewer_ready_s"]


def test_a_staged_window_paints_its_frame_then_builds_the_viewer(qtbot) -> None:
    from app.mainwindow import MainWindow

    QApplication.instance().setStyleSheet("")  # type: ignore[union-attr]
    window = MainWindow(staged=True)
    qtbot.addWidget(window)
    window.show()
    assert window.wait_first_paint() is not None
    assert not window.built and not hasattr(window, "workspace")
    frame = window.grab().toImage()
    # the saved (default: dark) theme is on from the first paint
    assert frame.pixelColor(frame.width() // 2, frame.height() // 3).lightness() < 80
    window.build()
    assert window.built and window.starting is None
    assert window.viewports and window.menus["file"].actions()
    window.close()


def test_a_frame_closed_while_starting_takes_no_drops_and_builds_nothing(qtbot) -> None:
    from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
    from PySide6.QtGui import QDragEnterEvent

    from app.mainwindow import MainWindow

    window = MainWindow(staged=True)
    qtbot.addWidget(window)
    window.show()
    window.wait_first_paint()
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile("/tmp")])
    ev = QDragEnterEvent(
        QPoint(5, 5),
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dragEnterEvent(ev)
    assert not ev.isAccepted()  # nothing to open it with yet
    window.close()
    assert not window.isVisible() and not window.built
