"""Build the installable forms of Yunying.

    python -m installer.build dist      # frozen app (PyInstaller, one folder): dist/yunying/
    python -m installer.build appdir    # + AppDir (and an AppImage where appimagetool exists)
    python -m installer.build deb       # + .deb built with dpkg-deb
    python -m installer.build msi-check # the WiX source compiled with wixl (msitools)
    python -m installer.build all

``make dist`` (and ``make appdir``, ``make deb``, ``make msi-check``) call the same. Outputs go
to ``dist/``; intermediate files to ``build/``. The Windows MSI itself is built on Windows by the
hosted CI workflow (``.github/workflows/installers.yml``): a frozen Windows app cannot be made on
Linux. Here ``msi-check`` proves the WiX source is valid by building it with wixl over a stand-in
payload and reading the result's tables back.
"""

from __future__ import annotations

import argparse
import os
import shutil
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"
DIST = ROOT / "dist"
LINUX = ROOT / "installer" / "linux"
WINDOWS = ROOT / "installer" / "windows"
NAME = "yunying"

# Modules found only at run time (plugins, entry points, lazily imported codecs)
HIDDEN = [
    "keyring.backends.SecretService",
    "keyring.backends.kwallet",
    "keyring.backends.chainer",
    "keyring.backends.fail",
    "keyring.backends.null",
    "vtkmodules.util.numpy_support",
]
COLLECT_SUBMODULES = [
    "app",
    "viewer",
    "phantoms",
    "cloudclient",
    "pydicom.pixels",
    "pydicom.encoders",
    "pylibjpeg",
    "openjpeg",
    "libjpeg",
    "rle",
    "jpeg_ls",
    "imagecodecs",
]
# entry points (pylibjpeg's decoder plugins, keyring's backends) live in package metadata
COPY_METADATA = [
    "pydicom",
    "pylibjpeg",
    "pylibjpeg-openjpeg",
    "pylibjpeg-libjpeg",
    "pylibjpeg-rle",
    "keyring",
    "imagecodecs",
]
EXCLUDE = [
    "tkinter",
    "matplotlib",
    "vtkmodules.all",
    "vtkmodules.web",
    "devcloud",
    "bench",
    "tests",
    "fastapi",
    "uvicorn",
    "pytest",
    "hypothesis",
]


def version() -> str:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return str(data["project"]["version"])


def run(cmd: list[str], **kw: object) -> None:
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, **kw)  # type: ignore[call-overload]


def icon_png(size: int, out: Path) -> Path:
    """Render the SVG icon to a PNG (Qt's SVG renderer; no display needed)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([])
    img = QImage(size, size, QImage.Format.Format_ARGB32)
    img.fill(Qt.GlobalColor.transparent)
    painter = QPainter(img)
    QSvgRenderer(str(ROOT / "resources" / "icons" / "yunying.svg")).render(painter)
    painter.end()
    out.parent.mkdir(parents=True, exist_ok=True)
    if not img.save(str(out)):
        raise OSError(f"could not write {out}")
    return out


# --------------------------------------------------------------------------- frozen app


def frozen() -> Path:
    """dist/yunying/: the application with its own Python, started by dist/yunying/yunying."""
    args = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--clean",
        "--log-level=WARN",
        "--onedir",
        "--name",
        NAME,
        "--distpath",
        str(DIST),
        "--workpath",
        str(BUILD / "pyinstaller"),
        "--specpath",
        str(BUILD),
        "--paths",
        str(ROOT),
        "--add-data",
        f"{ROOT / 'resources'}{os.pathsep}resources",
    ]
    for m in HIDDEN:
        args += ["--hidden-import", m]
    for m in COLLECT_SUBMODULES:
        args += ["--collect-submodules", m]
    for m in COPY_METADATA:
        args += ["--copy-metadata", m]
    for m in EXCLUDE:
        args += ["--exclude-module", m]
    args.append(str(ROOT / "installer" / "yunying_entry.py"))
    run(args, cwd=ROOT)
    app = DIST / NAME
    # the resources are found next to the packages (viewer/… → ../resources), as in a checkout
    if not (app / "_internal" / "resources" / "presets").is_dir():
        raise RuntimeError("resources were not bundled")
    return app


# --------------------------------------------------------------------------- Linux


def _install_tree(app: Path, root: Path, prefix: str) -> None:
    """Lay the frozen app, desktop file, icon and MIME type out under ``root``."""
    lib = root / prefix.lstrip("/")
    if lib.exists():
        shutil.rmtree(lib)
    shutil.copytree(app, lib, symlinks=True)
    share = root / "usr" / "share"
    (share / "applications").mkdir(parents=True, exist_ok=True)
    shutil.copy(LINUX / "yunying.desktop", share / "applications" / "yunying.desktop")
    (share / "mime" / "packages").mkdir(parents=True, exist_ok=True)
    shutil.copy(LINUX / "yunying-mime.xml", share / "mime" / "packages" / "yunying.xml")
    for size in (64, 256):
        icon_png(size, share / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "yunying.png")
    svg = share / "icons" / "hicolor" / "scalable" / "apps"
    svg.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "resources" / "icons" / "yunying.svg", svg / "yunying.svg")


def _executable(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def appdir(app: Path) -> Path:
    """build/Yunying.AppDir (AppRun, desktop file, icon, MIME) and, with appimagetool, the
    AppImage in dist/."""
    root = BUILD / "Yunying.AppDir"
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    _install_tree(app, root, "/usr/lib/yunying")
    _executable(
        root / "AppRun",
        '#!/bin/sh\nHERE="$(dirname "$(readlink -f "$0")")"\n'
        'exec "$HERE/usr/lib/yunying/yunying" "$@"\n',
    )
    shutil.copy(LINUX / "yunying.desktop", root / "yunying.desktop")
    icon_png(256, root / "yunying.png")
    (root / ".DirIcon").symlink_to("yunying.png")
    tool = shutil.which("appimagetool")
    if tool:
        out = DIST / f"Yunying-{version()}-x86_64.AppImage"
        run([tool, str(root), str(out)], env={**os.environ, "ARCH": "x86_64"})
    else:
        print("appimagetool is not installed here: AppDir built, AppImage skipped", flush=True)
    return root


DEB_DEPENDS = (
    "libc6 (>= 2.36), libgl1, libegl1, libglu1-mesa, libfontconfig1, libxkbcommon0, "
    "libxkbcommon-x11-0, libxcb-cursor0, libxcb-icccm4, libxcb-keysyms1, libxcb-shape0, "
    "libxcb-xinerama0, libxrender1, libxi6, libdbus-1-3"
)


def deb(app: Path) -> Path:
    """dist/yunying_VERSION_amd64.deb: the app in /opt/yunying, `yunying` on the PATH, the
    desktop entry (yunying:// links, DICOM files), icons and the DICOM MIME type."""
    root = BUILD / "deb"
    if root.exists():
        shutil.rmtree(root)
    _install_tree(app, root, "/opt/yunying")
    (root / "usr" / "bin").mkdir(parents=True, exist_ok=True)
    (root / "usr" / "bin" / "yunying").symlink_to("/opt/yunying/yunying")
    meta = root / "DEBIAN"
    meta.mkdir()
    size_kb = sum(f.stat().st_size for f in root.rglob("*") if f.is_file()) // 1024
    (meta / "control").write_text(
        f"Package: yunying\nVersion: {version()}\nSection: science\nPriority: optional\n"
        f"Architecture: amd64\nInstalled-Size: {size_kb}\nDepends: {DEB_DEPENDS}\n"
        "Maintainer: Yunying developers <dev@yunying.invalid>\n"
        "Description: Yunying (云影) diagnostic DICOM workstation\n"
        " Views DICOM studies from disk and from the medical-insurance imaging cloud:\n"
        " window/level, MPR, thick-slab MIP, 3D volume rendering, measurements.\n",
        encoding="utf-8",
    )
    refresh = (
        "#!/bin/sh\nset -e\n"
        "if command -v update-desktop-database >/dev/null; then "
        "update-desktop-database -q /usr/share/applications || true; fi\n"
        "if command -v update-mime-database >/dev/null; then "
        "update-mime-database /usr/share/mime || true; fi\n"
        "if command -v gtk-update-icon-cache >/dev/null; then "
        "gtk-update-icon-cache -q -t /usr/share/icons/hicolor || true; fi\n"
    )
    _executable(meta / "postinst", refresh)
    _executable(meta / "postrm", refresh)
    DIST.mkdir(exist_ok=True)
    out = DIST / f"yunying_{version()}_amd64.deb"
    run(["dpkg-deb", "--root-owner-group", "-Zxz", "-z1", "--build", str(root), str(out)])
    return out


# --------------------------------------------------------------------------- Windows (check)


def _top_level_files(fragment: str) -> str:
    """wixl-heat puts files of the harvested folder's top in a Directory named "."; move them
    into the referenced directory itself."""
    lines = fragment.splitlines()
    out: list[str] = []
    skip_close: str | None = None
    for line in lines:
        if 'Name="."' in line and line.lstrip().startswith("<Directory "):
            skip_close = line[: len(line) - len(line.lstrip())] + "</Directory>"
            continue
        if skip_close is not None and line == skip_close:
            skip_close = None
            continue
        out.append(line)
    return "\n".join(out) + "\n"


def msi_check(payload: Path | None = None) -> Path:
    """Build installer/windows/yunying.wxs with wixl over ``payload`` (a stand-in folder with
    the names the Windows build has, unless given) to prove the WiX source is valid."""
    wixl = shutil.which("wixl")
    heat = shutil.which("wixl-heat")
    if not wixl or not heat:
        raise RuntimeError("wixl is not installed (Debian package msitools)")
    work = BUILD / "msi"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    if payload is None:
        payload = work / "payload"
        (payload / "_internal" / "resources").mkdir(parents=True)
        (payload / "yunying.exe").write_bytes(b"MZ stand-in for the PyInstaller Windows build\n")
        (payload / "_internal" / "python311.dll").write_bytes(b"stand-in\n")
        (payload / "_internal" / "resources" / "README.txt").write_text("stand-in\n")
    files = sorted(
        str(p.relative_to(payload)).replace(os.sep, "/") for p in payload.rglob("*") if p.is_file()
    )
    # harvest the payload into a component group (on Windows, WiX's heat does the same)
    fragment = subprocess.run(
        [
            heat,
            "--prefix",
            f"{payload.as_posix()}/",
            "--directory-ref",
            "INSTALLDIR",
            "--component-group",
            "AppFiles",
            "--var",
            "var.SourceDir",
            "--win64",
        ],
        input="\n".join(f"{payload.as_posix()}/{f}" for f in files),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    (work / "files.wxs").write_text(_top_level_files(fragment), encoding="utf-8")
    out = work / f"Yunying-{version()}-x64.msi"
    run(
        [
            wixl,
            "--arch",
            "x64",
            "-D",
            f"SourceDir={os.path.relpath(payload, work)}",  # wixl wants relative paths
            "-D",
            f"Version={version()}",
            "-D",
            "Win64=yes",
            "-o",
            str(out),
            str(WINDOWS / "yunying.wxs"),
            str(work / "files.wxs"),
        ],
        cwd=work,
    )
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m installer.build", description=__doc__)
    ap.add_argument("target", choices=["dist", "appdir", "deb", "msi-check", "all"])
    ap.add_argument("--reuse", action="store_true", help="reuse dist/yunying if it exists")
    args = ap.parse_args(argv)
    if args.target == "msi-check":
        print(msi_check())
        return 0
    app = DIST / NAME
    if not (args.reuse and (app / NAME).exists()):
        app = frozen()
    print(app)
    if args.target in ("appdir", "all"):
        print(appdir(app))
    if args.target in ("deb", "all"):
        print(deb(app))
    if args.target == "all" and shutil.which("wixl"):
        print(msi_check())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
