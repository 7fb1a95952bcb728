"""No English in the Chinese interface (issue 15, item 6).

The main window in zh_CN on the phantom study: every menu and action, every dialog that opens
without a network (shortcuts, about, problems, tag browser, the settings dialogs, the export and
findings dialogs where present, the Cloud panel not configured, Join Consultation), the
viewports' overlays read back from the renderers' text actors, and the MPR layout with its 3D
view. No visible text may hold an English word, except what is legitimately Latin: units, DICOM
codes and keywords, keyboard shortcuts, the product's names, and what comes from the data
(patient names, descriptions, UIDs, file paths).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pydicom
import pytest
import shiboken6
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QDockWidget,
    QGroupBox,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QTableWidget,
    QTabWidget,
    QTextEdit,
    QTreeWidget,
    QWidget,
)

from app import i18n
from app.mainwindow import MainWindow
from tests.test_gui import wait_loaded

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "out" / "screenshots"

#: Latin words that belong in a Chinese interface: units, DICOM codes, names, key names
ALLOWED = {
    w
    for line in """
    # units and quantities
        mm cm ml g kg s ms min Bq kBq MBq HU SUV SUVbw SUVlbm SUVbsa SUVibw SUVmax SUVpeak
        SUVmean cps CNTS BQML GML px Hz fps T b W L WL WW WC x y z mSv mGy ROI MB GB KB cm² mm²
        mm³ cm³ kV mA mAs TE TR TI
    # DICOM and imaging codes
        DICOM DICOMDIR DICOMweb UID CT MR PT PET NM US CR DX MG XA RF OT SC SEG SR KOS RTSTRUCT
        REG PR VOI LUT MPR MIP MinIP 3D 2D R A P H F I S LPS RAS STL PNG JPEG JPG TIFF AVI MP4
        GIF ZIP Zip PDF HTML QR SMS ID IHE HL7 FHIR URL https http TLS VR
    # product, keys
        Yunying Ctrl Shift Alt Del Delete Space Up Down Left Right PgUp PgDown PageUp PageDown
        Home End Esc Tab Enter Return Backspace Wheel Meta Ins
    # radiopharmaceuticals and nuclides
        FDG Ga Tc PSMA Fluorodeoxyglucose
    # authors of formulas (SUVlbm after James or Janmahasatian)
        James Janmahasatian
    # a language's own name (the language menu)
        English
    """.splitlines()
    for w in line.split()
    if not line.strip().startswith("#")
}
WORD = re.compile(r"[A-Za-z][A-Za-z0-9²³]*")


def english(text: str, data_words: set[str]) -> list[str]:
    """The English words in ``text`` (after removing paths, UIDs, tags and allowed words)."""
    text = re.sub(r"<[^>]+>", " ", text).replace("&", "")  # rich text markup, mnemonics
    text = re.sub(r"\byunying-[a-z]+(?: [a-z]+)?", " ", text)  # the product's commands
    text = re.sub(r"\S*[/\\]\S*", " ", text)  # paths and URLs
    text = re.sub(r"\b\d+(\.\d+){2,}\b", " ", text)  # UIDs
    text = re.sub(r"\([0-9A-Fa-f]{4},[0-9A-Fa-f]{4}\)", " ", text)  # (gggg,eeee)
    text = re.sub(r"\bF\d+\b", " ", text)  # F1 …
    out = []
    for w in WORD.findall(text):
        if w in ALLOWED or w.upper() in ALLOWED or w in data_words or w.lower() in data_words:
            continue
        if len(w) <= 1:
            continue
        if re.fullmatch(r"[A-Z]{1,3}\d*", w):  # codes such as T1, L5, HU …
            continue
        out.append(w)
    return out


def widget_texts(top: QWidget) -> Iterator[tuple[str, str]]:
    """Every visible text of a window: its title, labels, buttons, boxes, tabs, lists, tips."""
    yield "title", top.windowTitle()
    for c in [top, *top.findChildren(QWidget)]:
        if not c.isVisible():
            continue
        name = type(c).__name__
        if c.toolTip():
            yield f"{name} tooltip", c.toolTip()
        if isinstance(c, (QLabel, QAbstractButton)):
            yield name, c.text()
        elif isinstance(c, (QGroupBox, QDockWidget)):
            yield name, c.title() if isinstance(c, QGroupBox) else c.windowTitle()
        elif isinstance(c, QLineEdit):
            yield f"{name} placeholder", c.placeholderText()
        elif isinstance(c, QComboBox):
            for i in range(c.count()):
                yield name, c.itemText(i)
        elif isinstance(c, QTabWidget):
            for i in range(c.count()):
                yield name, c.tabText(i)
        elif isinstance(c, QTextEdit):
            yield name, c.toPlainText()
        elif isinstance(c, QTreeWidget):
            h = c.headerItem()
            for i in range(h.columnCount()):
                yield f"{name} header", h.text(i)
        elif isinstance(c, QTableWidget):
            for i in range(c.columnCount()):
                item = c.horizontalHeaderItem(i)
                if item is not None:
                    yield f"{name} header", item.text()
            for r in range(min(c.rowCount(), 50)):  # the cells (origins, states …)
                for i in range(c.columnCount()):
                    cell = c.item(r, i)
                    if cell is not None:
                        yield f"{name} cell", cell.text()
        elif isinstance(c, QHeaderView) and c.model() is not None:
            m = c.model()
            for i in range(m.columnCount()):
                yield f"{name} header", str(m.headerData(i, c.orientation()) or "")


def menu_texts(w: MainWindow) -> Iterator[tuple[str, str]]:
    for menu in w.findChildren(QMenu):  # (QAction.menu() would hand Python the C++ menu)
        yield "menu title", menu.title()
        for a in menu.actions():
            if not a.isSeparator():
                yield f"menu {menu.title()}", a.text()
    for bar in w.findChildren(QWidget):
        if type(bar).__name__ == "QToolBar" and bar.isVisible():
            for a in bar.actions():
                yield "toolbar", a.text()
                yield "toolbar tooltip", a.toolTip()


def vtk_texts(top: QWidget) -> Iterator[tuple[str, str]]:
    """The text the renderers draw: text actors and corner annotations of every render window."""
    for c in top.findChildren(QWidget):
        if not hasattr(c, "GetRenderWindow") or not c.isVisible():
            continue
        rens = c.GetRenderWindow().GetRenderers()
        rens.InitTraversal()
        for _ in range(rens.GetNumberOfItems()):
            ren = rens.GetNextItem()
            props = ren.GetViewProps()
            props.InitTraversal()
            for _ in range(props.GetNumberOfItems()):
                p = props.GetNextProp()
                if not p.GetVisibility():
                    continue
                cls = p.GetClassName()
                if cls == "vtkCornerAnnotation":
                    for i in range(8):
                        yield "overlay", p.GetText(i) or ""
                elif hasattr(p, "GetInput") and isinstance(p.GetInput(), str):
                    yield f"overlay {cls}", p.GetInput()
                elif cls == "vtkScalarBarActor":
                    yield "colour bar", p.GetTitle() or ""
                elif hasattr(p, "GetMapper") and hasattr(p.GetMapper(), "GetInput"):
                    t = p.GetMapper().GetInput()
                    if isinstance(t, str):
                        yield f"overlay {cls}", t


def data_words(w: MainWindow, folder: Path) -> set[str]:
    """Words that come from the files (names, descriptions, institutions …): every text value
    of every header of the study, and what the study browser shows of them."""
    words: set[str] = set()
    for f in folder.rglob("*"):
        if not f.is_file():
            continue
        try:
            ds = pydicom.dcmread(f, stop_before_pixels=True)
        except Exception:
            continue
        for el in ds.iterall():
            if el.VR in ("PN", "LO", "SH", "ST", "LT", "CS", "UT", "AE") and el.value:
                words |= set(WORD.findall(str(el.value)))
    top = w.browser
    stack = [top.topLevelItem(i) for i in range(top.topLevelItemCount())]
    while stack:
        it = stack.pop()
        for col in range(it.columnCount()):
            words |= set(WORD.findall(it.text(col)))
        stack.extend(it.child(i) for i in range(it.childCount()))
    return words | {x.lower() for x in words}


class Found:
    """English found: each text once, with the places it was seen."""

    def __init__(self, words: set[str]) -> None:
        self.words = words
        self.bad: dict[str, tuple[set[str], list[str]]] = {}

    def check(self, where: str, pairs: Iterator[tuple[str, str]]) -> None:
        for kind, text in pairs:
            eng = english(text, self.words) if text else []
            if eng:
                words, places = self.bad.setdefault(f"{kind}: {text[:160]!r}", (set(), []))
                words.update(eng)
                places.append(where)

    def report(self) -> str:
        return "\n".join(
            f"{k} {sorted(w)} (in {', '.join(sorted(set(p))[:3])})"
            for k, (w, p) in sorted(self.bad.items())
        )


def catch_modal(found: Found, where: str) -> Callable[[], None]:
    """Close any modal dialog that a handler runs (``exec``), after reading its text."""

    def tick() -> None:
        m = QApplication.activeModalWidget()
        if m is not None:
            found.check(where, widget_texts(m))
            m.close()

    timer = QTimer()
    timer.setInterval(100)
    timer.timeout.connect(tick)
    timer.start()
    return timer.stop


def ptr(x: QWidget) -> int:
    return int(shiboken6.getCppPointer(x)[0])


OPENS_PANEL = {"about", "shortcuts", "timeline"}  # actions without "…" that show a window
SKIP = {  # file dialogs (Qt's own), leaving, language switches, actions that need a network
    "open_folder",
    "open_file",
    "screenshot",
    "quit",
    "lang_system",
    "lang_en",
    "lang_zh_CN",
    "consult_start",
}


@pytest.fixture
def zh_window(qtbot, light_dir: Path) -> Iterator[MainWindow]:
    i18n.install(QApplication.instance(), "zh_CN")
    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1400, 900)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    w.open_paths([str(light_dir)])
    qtbot.waitUntil(lambda: len(w.series) >= 5, timeout=30000)
    wait_loaded(qtbot, w)
    yield w
    w.close()
    i18n.install(QApplication.instance(), "en")


def test_no_english_in_the_chinese_interface(qtbot, zh_window: MainWindow, light_dir: Path) -> None:
    w = zh_window
    found = Found(data_words(w, light_dir))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    # the main window, its menus and the overlays of every series shown in turn
    found.check("menus", menu_texts(w))
    found.check("main window", widget_texts(w))
    keys = list(w.series)
    for key in keys:
        w.open_in_active(key)
        qtbot.wait(150)
        wait_loaded(qtbot, w)
        found.check(f"viewport {w.series[key].modality}", vtk_texts(w))
    vp = w.active
    assert vp is not None
    from viewer.dicom.measure import Measurement

    if vp.model.image is not None:  # a region and a length: their labels
        vp.model.add_measurement(Measurement("ellipse", [(20.0, 20.0), (60.0, 50.0)]))
        vp.model.add_measurement(Measurement("length", [(10.0, 10.0), (70.0, 40.0)]))
        qtbot.wait(200)
        found.check("measurement labels", vtk_texts(w))
    w.grab().save(str(SCREENSHOTS / "zh_main.png"))

    # every dialog an action opens without a network
    before = {ptr(x) for x in QApplication.topLevelWidgets() if x.isVisible()}
    for aid, act in w.acts.items():
        if aid in SKIP or not act.isEnabled():
            continue
        text = act.text()
        if not (text.endswith("…") or text.endswith("...") or aid in OPENS_PANEL):
            continue
        stop = catch_modal(found, f"dialog {aid}")
        act.trigger()
        qtbot.wait(300)
        stop()
        for top in QApplication.topLevelWidgets():
            if top.isVisible() and ptr(top) not in before and not isinstance(top, QMenu):
                found.check(f"dialog {aid}", widget_texts(top))
                found.check(f"dialog {aid}", vtk_texts(top))
                top.grab().save(str(SCREENSHOTS / f"zh_dialog_{aid}.png"))
                top.hide()  # (closing some dialogs here ends their owner's objects)
        found.check(f"after {aid}", widget_texts(w))
        found.check(f"status after {aid}", iter([("status bar", w.statusBar().currentMessage())]))
    w.show_problems()
    qtbot.wait(200)
    found.check("problems", widget_texts(w))

    # MPR and 3D
    ct = next((k for k in keys if w.series[k].modality == "CT"), keys[0])
    w.open_in_active(ct)
    wait_loaded(qtbot, w)
    panel = w.toggle_mpr(True)
    assert panel is not None
    qtbot.wait(1500)
    found.check("MPR", widget_texts(panel))
    found.check("MPR", vtk_texts(w))
    w.grab().save(str(SCREENSHOTS / "zh_mpr.png"))
    w.toggle_mpr(False)

    assert not found.bad, "English in the Chinese interface:\n" + found.report()


def test_key_image_titles_show_in_chinese_and_save_the_standard_meaning(
    qtbot, zh_window: MainWindow
) -> None:
    """CID 7010's titles are listed in Chinese (each name once); the one picked is kept under
    its standard English code meaning, as the saved Key Object Selection must carry it."""
    from app.key_titles import display_names
    from viewer.dicom.findings.kos import TITLES

    names = display_names(TITLES, "zh_CN")
    assert len(set(names.values())) == len(TITLES) == len(names)
    assert all(re.search(r"[\u4e00-\u9fff]", n) for n in names.values())
    assert display_names(TITLES, "en") == {t: t for t in TITLES}

    seen: list[str] = []

    def pick() -> None:
        m = QApplication.activeModalWidget()
        if isinstance(m, QInputDialog):
            seen.extend(m.comboBoxItems())
            m.setTextValue(names["For Teaching"])
            m.accept()
        else:
            QTimer.singleShot(50, pick)

    QTimer.singleShot(50, pick)
    zh_window.findings.ask_key_title()
    assert seen == [names[t] for t in TITLES]
    assert zh_window.findings.key_title == "For Teaching"
