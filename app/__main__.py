"""``yunying [PATH…] [--demo] [--lang zh_CN|en] [--layout 2x2] [--screenshot FILE]``

Opens the workstation. ``--demo`` opens the built-in demo study. ``--screenshot FILE`` waits until
the opened series are on screen, writes a screenshot of the window and quits (headless checks).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

T0 = time.perf_counter()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="yunying", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "targets",
        nargs="*",
        metavar="PATH|CODE|URL",
        help="folders, DICOMDIR, zip or DICOM files, 78-character index codes, or "
        "yunying://open?… links",
    )
    ap.add_argument("--demo", action="store_true", help="open the built-in demo study")
    ap.add_argument("--light", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--lang", choices=["system", "en", "zh_CN"], default=None)
    ap.add_argument("--layout", default=None, help="1x1, 1x2, 2x1, 2x2 or 1x3")
    ap.add_argument("--screenshot", default=None, help="write a screenshot when shown, then quit")
    ap.add_argument("--timings", action="store_true", help="print start-up timings (JSON)")
    args = ap.parse_args(argv)

    _offscreen_env()
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from app import i18n
    from app.launch import LaunchError, instance_name, parse_argument
    from app.mainwindow import MainWindow, open_demo
    from app.single import SingleInstance, hand_over

    requests = []
    for target in args.targets:
        too_long = path_too_long(target)
        if too_long:
            print(f"yunying: {too_long}", file=sys.stderr)
            return 2
        try:
            requests.append(parse_argument(target))
        except LaunchError as exc:
            print(f"yunying: {exc}", file=sys.stderr)
            return 2
        except OSError as exc:
            print(f"yunying: cannot open {_shown(target)}: {exc.strerror or exc}", file=sys.stderr)
            return 2
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Yunying")
    app.setOrganizationName("Yunying")
    single = not args.screenshot and not args.demo
    if single and hand_over(instance_name(), requests):
        print("yunying: handed over to the running window")
        return 0
    i18n.install(app, args.lang)
    window = MainWindow(staged=True)  # its frame first: painted before the viewer is imported
    window.show()
    painted = window.wait_first_paint()
    if not window.isVisible():  # closed while starting: nothing to build, nothing to wait for
        return 0
    t_shown = (painted or time.perf_counter()) - T0
    timings: dict[str, Any] = {
        "window_shown_s": t_shown,
        "shown_at": time.time() - (time.perf_counter() - T0 - t_shown),
        "frame_painted": painted is not None,
        # what the first paint did not have to wait for
        "viewer_imported_at_paint": sorted(
            m for m in ("vtkmodules", "pydicom", "SimpleITK", "requests") if m in sys.modules
        ),
    }
    window.build()  # then the viewports come alive
    timings["viewer_ready_s"] = time.perf_counter() - T0
    if args.layout:
        window.set_layout(args.layout)
    elif args.demo:
        window.set_layout("2x2")
    expected = 0
    if args.demo:
        t_open = time.perf_counter()
        window.image_shown.connect(
            lambda _k: timings.setdefault("first_image_s", time.perf_counter() - t_open)
        )
        open_demo(window, light=args.light)
        expected = 1

    def dispatch(req: object) -> None:
        window.raise_()
        window.activateWindow()
        if req is not None:
            window.open_request(req)

    if single:
        listener = SingleInstance(instance_name())
        listener.received.connect(dispatch)
        listener.refused.connect(lambda msg: window.statusBar().showMessage(msg, 15000))
        listener.listen()
        window.single_instance = listener
    for req in requests:
        window.open_request(req)
        expected = 1

    outcome = {"rc": 0, "done": False}
    if args.screenshot:
        from viewer.state.workspace import LoadFailed, Scanned

        loaded: list[str] = []
        reasons: list[str] = []

        def done(key: str) -> None:
            loaded.append(key)
            QTimer.singleShot(300, finish)

        def on_event(ev: object) -> None:
            if isinstance(ev, Scanned) and not any(s.frames for s in ev.result.all_series()):
                reasons.append(f"no image could be opened in {', '.join(ev.request.paths)}")
                errors = ev.result.unreadable or ev.result.problems
                reasons.extend(str(p) for p in errors[:50])
                if len(errors) > 50:
                    reasons.append(f"… and {len(errors) - 50} more")
                QTimer.singleShot(300, finish)
            elif isinstance(ev, LoadFailed):
                reasons.append(ev.message)
                QTimer.singleShot(300, finish)

        def finish(timed_out: bool = False) -> None:
            if outcome["done"] or (any(window._waiting.values()) and not timed_out):
                return
            outcome["done"] = True
            app.processEvents()
            window.screenshot().save(args.screenshot)
            print(f"screenshot: {os.path.abspath(args.screenshot)}")
            if expected and not loaded:
                why = reasons or ["the series did not finish loading"]
                if timed_out:
                    why.append("timed out after 120 s")
                print("yunying: nothing could be opened:", file=sys.stderr)
                for r in why:
                    print(f"  {r}", file=sys.stderr)
                outcome["rc"] = 1
            if args.timings:
                import json

                print(json.dumps(timings))
            window.close()
            app.quit()

        window.series_loaded.connect(done)
        window.workspace.events.subscribe(on_event)
        if not expected:
            QTimer.singleShot(500, finish)
        QTimer.singleShot(120_000, lambda: finish(timed_out=True))  # never hang a headless run
    rc = app.exec()
    return int(outcome["rc"] or rc)


#: Longest file name component and whole path accepted on the command line (bytes).
NAME_MAX = 255
PATH_MAX = 4096


def _shown(text: str, n: int = 80) -> str:
    return text if len(text) <= n else f"{text[: n // 2]}…{text[-n // 2 :]}"


def _offscreen_env() -> None:
    """Qt offscreen needs VTK's OSMesa window (other combinations crash or give garbage)."""
    if os.environ.get("QT_QPA_PLATFORM") == "offscreen":
        os.environ.setdefault("VTK_DEFAULT_OPENGL_WINDOW", "vtkOSOpenGLRenderWindow")


def path_too_long(target: str) -> str | None:
    """Why a command-line path cannot be a file name here (None when it can)."""
    text = target.strip()
    if text.lower().startswith("yunying:"):
        return None
    raw = os.fsencode(text)
    if len(raw) > PATH_MAX:
        return f"the path is too long ({len(raw)} bytes, at most {PATH_MAX}): {_shown(text)}"
    for part in raw.split(b"/"):
        if len(part) > NAME_MAX:
            return (
                f"a name in the path is too long ({len(part)} bytes, at most {NAME_MAX}): "
                f"{_shown(text)}"
            )
    return None


if __name__ == "__main__":
    raise SystemExit(main())
