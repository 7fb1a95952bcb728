"""Installers: desktop integration files, the WiX source (built with wixl), and — marked
``packaging``, run by ``make packaging-test`` — the frozen app and the .deb started on the demo
study from a clean directory with an empty environment, every Python installation of the machine
hidden (a mount namespace covers them) so that only what the package carries can run.
"""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QImage

from installer import build

ROOT = Path(__file__).resolve().parent.parent


def test_desktop_entry_registers_the_url_scheme_and_dicom() -> None:
    path = ROOT / "installer" / "linux" / "yunying.desktop"
    if shutil.which("desktop-file-validate"):
        run = subprocess.run(["desktop-file-validate", str(path)], capture_output=True, text=True)
        assert run.returncode == 0, run.stdout + run.stderr
    cp = configparser.ConfigParser(interpolation=None)
    cp.optionxform = str  # type: ignore[assignment,method-assign]
    cp.read(path, encoding="utf-8")
    entry = cp["Desktop Entry"]
    assert entry["Exec"] == "yunying %U"  # %U: a yunying:// link arrives as an argument
    assert "x-scheme-handler/yunying" in entry["MimeType"].split(";")
    assert "application/dicom" in entry["MimeType"].split(";")
    assert entry["Name[zh_CN]"] == "云影" and entry["Icon"] == "yunying"
    mime = ET.parse(ROOT / "installer" / "linux" / "yunying-mime.xml").getroot()
    ns = "{http://www.freedesktop.org/standards/shared-mime-info}"
    (mt,) = mime.findall(f"{ns}mime-type")
    assert mt.get("type") == "application/dicom"
    assert mt.find(f"{ns}magic/{ns}match").get("offset") == "128"  # "DICM" after the preamble


def test_icon_renders(tmp_path: Path) -> None:
    out = build.icon_png(64, tmp_path / "icon.png")
    img = QImage(str(out))
    assert img.width() == 64 and not img.isNull()
    assert img.pixelColor(32, 32).alpha() == 255 and img.pixelColor(0, 0).alpha() == 0


def _msi_table(msi: Path, table: str) -> list[list[str]]:
    text = subprocess.run(
        ["msiinfo", "export", str(msi), table], capture_output=True, text=True, check=True
    ).stdout
    return [line.split("\t") for line in text.splitlines()[3:]]


@pytest.mark.skipif(not shutil.which("wixl"), reason="wixl (Debian msitools) is not installed")
def test_wix_source_builds_an_msi_with_url_scheme_shortcut_and_upgrade_code() -> None:
    msi = build.msi_check()
    assert msi.stat().st_size > 4096
    registry = {(r[2], r[3]): r[4] for r in _msi_table(msi, "Registry")}
    assert registry[("Software\\Classes\\yunying", "URL Protocol")] == ""
    assert (
        registry[("Software\\Classes\\yunying\\shell\\open\\command", "")]
        == '"[INSTALLDIR]yunying.exe" "%1"'
    )
    (shortcut,) = _msi_table(msi, "Shortcut")
    assert shortcut[1] == "AppMenuFolder" and shortcut[4] == "[INSTALLDIR]yunying.exe"
    props = dict(r[:2] for r in _msi_table(msi, "Property"))
    assert props["ALLUSERS"] == "1"  # per machine
    upgrade = props["UpgradeCode"]
    assert upgrade == "{6A1F3C52-7B0E-4C55-9D3A-2F8E1B7C4D90}"
    rows = _msi_table(msi, "Upgrade")
    assert {r[0] for r in rows} == {upgrade} and len(rows) == 2  # upgrade + downgrade guard
    files = {r[2].split("|")[-1] for r in _msi_table(msi, "File")}
    assert "yunying.exe" in files
    dirs = {r[0]: r for r in _msi_table(msi, "Directory")}
    assert dirs["INSTALLDIR"][1] == "ProgramFiles64Folder"


# --------------------------------------------------------------------------- slow: real builds


def _clean_env(home: Path) -> dict[str, str]:
    """Nothing from this environment but the display: no PATH to Python, no virtualenv."""
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    for key in ("DISPLAY", "XAUTHORITY"):
        if key in os.environ:
            env[key] = os.environ[key]
    return env


def _python_installs() -> tuple[list[str], list[str]]:
    """Folders and files that make up the Python installations on this machine."""
    dirs = {sys.prefix, sys.base_prefix, str(Path.home() / ".pyenv")}
    for pattern in ("/usr/lib/python3*", "/usr/local/lib/python3*", "/opt/python*"):
        dirs.update(str(p) for p in Path("/").glob(pattern.lstrip("/")))
    files: set[str] = set()
    for pattern in (
        "usr/bin/python*",
        "usr/local/bin/python*",
        "usr/lib/x86_64-linux-gnu/libpython3*",
        "usr/local/lib/libpython3*",
    ):
        files.update(str(p.resolve()) for p in Path("/").glob(pattern) if p.is_file())
    found = sorted(d for d in dirs if Path(d).is_dir())
    outer = [d for d in found if not any(d != o and d.startswith(o + "/") for o in found)]
    files = {f for f in files if not any(f.startswith(o + "/") for o in outer)}
    return outer, sorted(files)


def _hidden_python_prefix() -> list[str]:
    """A command prefix that runs its command in a mount namespace where every Python of this
    machine is covered by an empty folder or /dev/null: "a machine with no Python". Empty
    where namespaces are not allowed (the test then relies on the empty environment alone)."""
    if not shutil.which("unshare"):
        return []
    probe = subprocess.run(
        ["unshare", "-m", "--propagation", "private", "true"], capture_output=True
    )
    if probe.returncode != 0:
        return []
    dirs, files = _python_installs()
    script = "set -e; " + " ".join(
        [f"mount -t tmpfs none '{d}';" for d in dirs]
        + [f"mount --bind /dev/null '{f}';" for f in files]
    )
    script += " if command -v python3 >/dev/null 2>&1 && python3 -c 1 2>/dev/null; then"
    script += ' echo "python is still there" >&2; exit 97; fi; exec "$@"'
    return ["unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh"]


def _start_on_demo(exe: Path, tmp: Path) -> np.ndarray:
    home = tmp / "home"
    home.mkdir()
    work = tmp / "cwd"
    work.mkdir()
    shot = work / "shot.png"
    run = subprocess.run(
        [
            *_hidden_python_prefix(),
            str(exe),
            "--demo",
            "--light",
            "--layout",
            "1x1",
            "--screenshot",
            str(shot),
        ],
        cwd=work,
        env=_clean_env(home),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-4000:]
    img = QImage(str(shot))
    assert not img.isNull()
    img = img.convertToFormat(QImage.Format.Format_RGB888)
    arr = np.frombuffer(img.constBits(), np.uint8, img.bytesPerLine() * img.height())
    rows = arr.reshape(img.height(), img.bytesPerLine())[:, : img.width() * 3]
    return rows.reshape(img.height(), img.width(), 3).copy()  # own memory: the QImage goes


def _assert_demo_screenshot(img: np.ndarray) -> None:
    h, w = img.shape[:2]
    assert h > 300 and w > 400
    grey = img.mean(axis=2)
    centre = grey[h // 4 : 3 * h // 4, w // 3 : 5 * w // 6]  # the viewport, right of the browser
    assert grey.std() > 20 and (centre > 60).mean() > 0.1, "no image in the viewport"
    assert (centre < 10).mean() > 0.05, "no black background around the body"


@pytest.fixture(scope="module")
def frozen_app() -> Path:
    app = build.DIST / build.NAME
    if os.environ.get("YUNYING_REUSE_DIST") != "1" or not (app / build.NAME).exists():
        app = build.frozen()
    return app


@pytest.mark.packaging
def test_frozen_app_starts_on_the_demo_without_python(frozen_app: Path, tmp_path: Path) -> None:
    # copy it away from the checkout: nothing may come from the source tree
    copy = tmp_path / "app"
    shutil.copytree(frozen_app, copy, symlinks=True)
    # compiled into the archive
    assert not (copy / "_internal" / "viewer" / "state" / "mpr.py").exists()
    _assert_demo_screenshot(_start_on_demo(copy / build.NAME, tmp_path))


@pytest.mark.packaging
def test_deb_installs_into_a_throwaway_root_and_starts(frozen_app: Path, tmp_path: Path) -> None:
    deb = build.deb(frozen_app)
    info = subprocess.run(["dpkg-deb", "--info", str(deb)], capture_output=True, text=True)
    assert "Package: yunying" in info.stdout and "Architecture: amd64" in info.stdout
    contents = subprocess.run(
        ["dpkg-deb", "--contents", str(deb)], capture_output=True, text=True
    ).stdout
    for path in (
        "./opt/yunying/yunying",
        "./usr/bin/yunying -> /opt/yunying/yunying",
        "./usr/share/applications/yunying.desktop",
        "./usr/share/icons/hicolor/256x256/apps/yunying.png",
        "./usr/share/mime/packages/yunying.xml",
    ):
        assert path in contents, path
    root = tmp_path / "root"
    admin = root / "var" / "lib" / "dpkg"
    for d in ("info", "updates", "triggers"):
        (admin / d).mkdir(parents=True)
    (admin / "status").touch()
    run = subprocess.run(
        [
            "dpkg",
            f"--instdir={root}",
            f"--admindir={admin}",
            "--force-not-root",
            "--force-depends",
            "--force-script-chrootless",
            "--no-triggers",
            "-i",
            str(deb),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "DPKG_ROOT": str(root)},
    )
    assert run.returncode == 0, run.stdout + run.stderr
    status = (admin / "status").read_text()
    assert "Package: yunying" in status and "Status: install ok installed" in status
    _assert_demo_screenshot(_start_on_demo(root / "opt" / "yunying" / "yunying", tmp_path))


@pytest.mark.packaging
def test_appdir_layout(frozen_app: Path) -> None:
    root = build.appdir(frozen_app)
    assert os.access(root / "AppRun", os.X_OK)
    assert (root / "yunying.desktop").is_file() and (root / "yunying.png").is_file()
    run = subprocess.run(
        [str(root / "AppRun"), "--help"], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0 and "yunying" in run.stdout, run.stderr


@pytest.mark.packaging
def test_startup_benchmark_compares_frozen_and_unfrozen(frozen_app: Path) -> None:
    from tests.test_bench import run_bench

    last = run_bench("startup", "--repeat", "1")
    assert last["frozen_size_mb"] > 50 and len(last["frozen_start_s"]) == 1
    assert last["ours_s"] > 0 and last["anchor_s"] > 0
