"""``yunying [PATH…] [--demo] [--lang zh_CN|en] [--layout 2x2] [--screenshot FILE]``

Opens the workstation. ``--demo`` opens the built-in demo study. ``--screenshot FILE`` waits until
the opened series are on screen, writes a screenshot of the window and quits (headless checks).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

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

    from app.viewport import offscreen_env

    offscreen_env()
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from app import i18n
    from app.launch import LaunchError, instance_name, parse_argument
    from app.mainwindow import MainWindow, open_demo
    from app.single import SingleInstance, hand_over

    requests = []
    for target in args.targets:
        try:
            requests.append(parse_argument(target))
        except LaunchError as exc:
            print(f"yunying: {exc}", file=sys.stderr)
            return 2
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Yunying")
    app.setOrganizationName("Yunying")
    single = not args.screenshot and not args.demo
    if single and hand_over(instance_name(), requests):
        print("yunying: handed over to the running window")
        return 0
    i18n.install(app, args.lang)
    window = MainWindow()
    if args.layout:
        window.set_layout(args.layout)
    elif args.demo:
        window.set_layout("2x2")
    window.show()
    app.processEvents()
    t_shown = time.perf_counter() - T0
    timings: dict[str, float] = {"window_shown_s": t_shown, "shown_at": time.time()}
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

    if args.screenshot:
        loaded: list[str] = []

        def done(key: str) -> None:
            loaded.append(key)
            QTimer.singleShot(300, finish)

        def finish() -> None:
            pending = any(window._waiting.values())
            if pending:
                return
            app.processEvents()
            window.screenshot().save(args.screenshot)
            print(f"screenshot: {os.path.abspath(args.screenshot)}")
            if args.timings:
                import json

                print(json.dumps(timings))
            window.close()
            app.quit()

        window.series_loaded.connect(done)
        if not expected:
            QTimer.singleShot(500, finish)
        QTimer.singleShot(120_000, app.quit)  # never hang a headless run
    rc = app.exec()
    return int(rc)


if __name__ == "__main__":
    raise SystemExit(main())
