"""The main window's actions as data: id, label, shortcut, handler, menu, toolbar, when enabled.

:data:`ACTIONS` lists them in menu order; :func:`build` turns them into ``QAction`` objects,
menus and the toolbar of a window, :func:`retranslate` relabels them in the current language and
:func:`update_enabled` greys out those whose condition does not hold. A handler is the name of a
method of the window; ``args`` are passed to it, and a ``toggle`` also passes its checked state.
Commands on the active viewport go through the window's ``on_active(name, *args)`` to
:data:`VIEWPORT_COMMANDS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QAction, QActionGroup, QIcon, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QToolBar

import resources
from viewer.dicom.presets import robust_window
from viewer.state.workspace import LAYOUTS

CONTEXT = "MainWindow"


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:  # (the name lupdate looks for)
    """Marks ``text`` for translation in ``context`` (translated when shown)."""
    return text


def translated(text: str) -> str:
    """A source text of the MainWindow context in the current language."""
    return QCoreApplication.translate(CONTEXT, text)


@dataclass(frozen=True)
class ActionSpec:
    id: str
    menu: str  # key of :data:`MENUS`
    label: str = ""  # source text (context MainWindow), or ``label_fn`` for made-up labels
    shortcut: str = ""
    handler: str = ""  # a method of the window
    args: tuple[Any, ...] = ()
    toggle: bool = False  # checkable on its own; the handler gets the checked state
    group: str = ""  # checkable, one of a group (layout, tool, language)
    toolbar: bool = False
    #: "" always; "image": the active viewport shows an image; "cloud_study": a study from the
    #: cloud is open (a consultation shares one)
    enabled_when: str = ""
    icon: str = ""  # resources/icons/actions/<icon>.svg
    label_fn: Callable[[], str] | None = None

    def text(self) -> str:
        return self.label_fn() if self.label_fn is not None else translated(self.label)


MENUS: dict[str, str] = {
    "file": QT_TRANSLATE_NOOP("MainWindow", "&File"),
    "edit": QT_TRANSLATE_NOOP("MainWindow", "&Edit"),
    "view": QT_TRANSLATE_NOOP("MainWindow", "&View"),
    "tools": QT_TRANSLATE_NOOP("MainWindow", "&Tools"),
    "window": QT_TRANSLATE_NOOP("MainWindow", "W&indow/Level"),
    "settings": QT_TRANSLATE_NOOP("MainWindow", "&Settings"),
    "help": QT_TRANSLATE_NOOP("MainWindow", "&Help"),
}

TOOLS: tuple[tuple[str, str, str], ...] = (
    ("wl", QT_TRANSLATE_NOOP("MainWindow", "&Window/Level"), "W"),
    ("zoom", QT_TRANSLATE_NOOP("MainWindow", "&Zoom"), "Z"),
    ("pan", QT_TRANSLATE_NOOP("MainWindow", "&Pan"), "P"),
    ("scroll", QT_TRANSLATE_NOOP("MainWindow", "Scroll (Drag)"), "Shift+S"),
    ("select", QT_TRANSLATE_NOOP("MainWindow", "Select/&Edit"), "Shift+Q"),
    ("length", QT_TRANSLATE_NOOP("MainWindow", "&Length"), "L"),
    ("angle", QT_TRANSLATE_NOOP("MainWindow", "&Angle"), "A"),
    ("ellipse", QT_TRANSLATE_NOOP("MainWindow", "&Ellipse ROI"), "E"),
    ("rectangle", QT_TRANSLATE_NOOP("MainWindow", "Rectangle ROI"), "Shift+E"),
    ("probe", QT_TRANSLATE_NOOP("MainWindow", "Pixel &Probe"), "X"),
    ("arrow", QT_TRANSLATE_NOOP("MainWindow", "Arro&w"), "Shift+A"),
    ("text", QT_TRANSLATE_NOOP("MainWindow", "&Text"), "T"),
)


def _layout_label(name: str) -> Callable[[], str]:
    return lambda: QCoreApplication.translate("MainWindow", "Layout {0}").format(
        name.replace("x", "×")
    )


def _specs() -> list[ActionSpec]:
    A = ActionSpec
    img = "image"
    return [
        A("open_folder", "file", QT_TRANSLATE_NOOP("MainWindow", "Open &Folder…"), "Ctrl+O",
          "ask_folder", toolbar=True, icon="open_folder"),
        A("open_file", "file", QT_TRANSLATE_NOOP("MainWindow", "Open &File, DICOMDIR or Zip…"),
          "Ctrl+Shift+O", "ask_file"),
        A("cloud", "file", QT_TRANSLATE_NOOP("MainWindow", "&Cloud…"), "Ctrl+K", "open_cloud",
          toolbar=True, icon="cloud"),
        A("consult_start", "file", QT_TRANSLATE_NOOP("MainWindow", "Start &Consultation…"), "",
          "start_consultation", enabled_when="cloud_study"),
        A("consult_join", "file", QT_TRANSLATE_NOOP("MainWindow", "&Join Consultation…"), "",
          "ask_join_consultation"),
        # findings (app.findings_link): save, reopen, send, opinion, export
        A("save_findings", "file", QT_TRANSLATE_NOOP("MainWindow", "Save F&indings"), "Ctrl+S",
          "findings.save", enabled_when="image"),
        A("open_findings", "file", QT_TRANSLATE_NOOP("MainWindow", "Open Fi&ndings…"), "",
          "findings.show_dialog"),
        A("send_findings", "file", QT_TRANSLATE_NOOP("MainWindow", "Send Findings to &Hospital"),
          "", "findings.send_to_hospital"),
        A("write_opinion", "file",
          QT_TRANSLATE_NOOP("MainWindow", "Write Consultation &Opinion…"), "",
          "findings.write_opinion", enabled_when="image"),
        A("export", "file", QT_TRANSLATE_NOOP("MainWindow", "&Export…"), "Ctrl+E",
          "findings.export"),
        A("screenshot", "file", QT_TRANSLATE_NOOP("MainWindow", "Save &Screenshot…"),
          "Ctrl+Shift+S", "ask_screenshot"),
        A("quit", "file", QT_TRANSLATE_NOOP("MainWindow", "&Quit"), "Ctrl+Q", "close"),
        *[
            A(f"layout_{n}", "view", shortcut=f"Alt+{i + 1}", handler="set_layout", args=(n,),
              group="layout", toolbar=True, icon=f"layout_{n}", label_fn=_layout_label(n))
            for i, n in enumerate(LAYOUTS)
        ],
        A("fit", "view", QT_TRANSLATE_NOOP("MainWindow", "&Fit to Window"), "F", "on_active",
          ("fit",), enabled_when=img),
        A("one_to_one", "view", QT_TRANSLATE_NOOP("MainWindow", "Actual Pixels (1:1)"), "Ctrl+1",
          "on_active", ("one_to_one",), enabled_when=img),
        A("rotate_cw", "view", QT_TRANSLATE_NOOP("MainWindow", "Rotate &Right"), "R",
          "on_active", ("rotate", 90), enabled_when=img),
        A("rotate_ccw", "view", QT_TRANSLATE_NOOP("MainWindow", "Rotate &Left"), "Shift+R",
          "on_active", ("rotate", 270), enabled_when=img),
        A("flip_h", "view", QT_TRANSLATE_NOOP("MainWindow", "Flip &Horizontal"), "H",
          "on_active", ("flip", True), enabled_when=img),
        A("flip_v", "view", QT_TRANSLATE_NOOP("MainWindow", "Flip &Vertical"), "V",
          "on_active", ("flip", False), enabled_when=img),
        A("invert", "view", QT_TRANSLATE_NOOP("MainWindow", "&Invert"), "I", "reading.invert",
          (), toolbar=True, enabled_when=img, icon="invert"),
        A("sync", "view", QT_TRANSLATE_NOOP("MainWindow", "&Synchronize Scrolling"), "S",
          "set_link", ("scroll",), toggle=True, toolbar=True, icon="sync"),
        A("link_zoom", "view", QT_TRANSLATE_NOOP("MainWindow", "Link &Zoom and Pan"), "",
          "set_link", ("zoom_pan",), toggle=True),
        A("link_window", "view", QT_TRANSLATE_NOOP("MainWindow", "Link &Window/Level"), "",
          "set_link", ("window",), toggle=True),
        A("reflines", "view", QT_TRANSLATE_NOOP("MainWindow", "&Reference Lines"), "Shift+L",
          "set_link", ("reference_lines",), toggle=True),
        A("timeline", "view", QT_TRANSLATE_NOOP("MainWindow", "Patient &Timeline"), "Ctrl+T",
          "priors.timeline.show_timeline"),
        A("compare_prior", "view", QT_TRANSLATE_NOOP("MainWindow", "Compare with &Prior"),
          "Ctrl+Shift+P", "priors.timeline.compare_with_prior", enabled_when=img),
        A("stage_next", "view", QT_TRANSLATE_NOOP("MainWindow", "Next Hanging Stage"), "Ctrl+]",
          "priors.next_stage", enabled_when=img),
        A("stage_prev", "view", QT_TRANSLATE_NOOP("MainWindow", "Previous Hanging Stage"),
          "Ctrl+[", "priors.previous_stage", enabled_when=img),
        A("save_protocol", "view",
          QT_TRANSLATE_NOOP("MainWindow", "Save Arrangement as Protocol…"), "",
          "priors.save_arrangement", enabled_when=img),
        A("align_points", "tools", QT_TRANSLATE_NOOP("MainWindow", "Align Prior by Point Pair"),
          "", "priors.align_points", enabled_when=img),
        A("problems", "view", QT_TRANSLATE_NOOP("MainWindow", "&Problems…"), "", "show_problems",
          icon="problems"),
        A("mpr", "view", QT_TRANSLATE_NOOP("MainWindow", "&MPR / 3D"), "Ctrl+M", "toggle_mpr",
          toggle=True, toolbar=True, icon="mpr"),
        A("cine", "view", QT_TRANSLATE_NOOP("MainWindow", "Play/Pause &Cine"), "Space",
          "on_active", ("cine",), toolbar=True, enabled_when=img, icon="cine"),
        A("cine_faster", "view", QT_TRANSLATE_NOOP("MainWindow", "Cine Faster"), "]",
          "on_active", ("cine_rate", 1.5), enabled_when=img),
        A("cine_slower", "view", QT_TRANSLATE_NOOP("MainWindow", "Cine Slower"), "[",
          "on_active", ("cine_rate", 1 / 1.5), enabled_when=img),
        *[
            A(f"tool_{k}", "tools", label, sc, "set_tool", (k,), group="tool", toolbar=True,
              icon=k)
            for k, label, sc in TOOLS
        ],
        A("delete", "tools", QT_TRANSLATE_NOOP("MainWindow", "&Delete Measurement"), "Del",
          "reading.delete", enabled_when=img),
        A("clear", "tools", QT_TRANSLATE_NOOP("MainWindow", "Clear All Measurements"),
          "Ctrl+Del", "reading.clear", enabled_when=img),
        # reading (app.reading): undo, colour, fusion, sub-volumes, tags, preferences
        A("undo", "tools", QT_TRANSLATE_NOOP("MainWindow", "&Undo"), "Ctrl+Z",
          "reading.undo.undo", toolbar=True, icon="undo"),
        A("redo", "tools", QT_TRANSLATE_NOOP("MainWindow", "&Redo"), "Ctrl+Shift+Z",
          "reading.undo.redo", toolbar=True, icon="redo"),
        A("fuse", "view", QT_TRANSLATE_NOOP("MainWindow", "F&use With…"), "Ctrl+U",
          "reading.fusion.ask", toolbar=True, enabled_when=img, icon="fusion"),
        A("interp_nearest", "view", QT_TRANSLATE_NOOP("MainWindow", "&Nearest-Neighbour Display"),
          "", "reading.set_nearest", toggle=True),
        A("subvol_next", "view", QT_TRANSLATE_NOOP("MainWindow", "Next Sub-volume"), "Ctrl+Down",
          "reading.step_subvolume", (1,), enabled_when=img),
        A("subvol_prev", "view", QT_TRANSLATE_NOOP("MainWindow", "Previous Sub-volume"),
          "Ctrl+Up", "reading.step_subvolume", (-1,), enabled_when=img),
        A("tags", "view", QT_TRANSLATE_NOOP("MainWindow", "DICOM &Tags…"), "Ctrl+I",
          "reading.show_tags", enabled_when=img, icon="tags"),
        A("wl_auto", "window", QT_TRANSLATE_NOOP("MainWindow", "Auto (File or Histogram)"), "0",
          "reading.auto_window", enabled_when=img),
        A("theme_dark", "settings", QT_TRANSLATE_NOOP("MainWindow", "Theme: Dark"), "",
          "reading.prefs.set_theme", ("dark",), group="theme"),
        A("theme_light", "settings", QT_TRANSLATE_NOOP("MainWindow", "Theme: Light"), "",
          "reading.prefs.set_theme", ("light",), group="theme"),
        A("text_size", "settings", QT_TRANSLATE_NOOP("MainWindow", "Text &Size…"), "",
          "reading.prefs.ask_text_size"),
        A("mouse_map", "settings", QT_TRANSLATE_NOOP("MainWindow", "&Mouse Buttons…"), "",
          "reading.prefs.edit_mouse"),
        A("edit_presets", "settings", QT_TRANSLATE_NOOP("MainWindow", "Window &Presets…"), "",
          "reading.prefs.edit_presets"),
        A("copy_image", "edit", QT_TRANSLATE_NOOP("MainWindow", "&Copy Image"), "Ctrl+Shift+C",
          "findings.copy_image", enabled_when="image"),
        A("key_image", "edit", QT_TRANSLATE_NOOP("MainWindow", "Mark/Unmark &Key Image"), "K",
          "findings.toggle_key", enabled_when="image"),
        A("reader_name", "settings", QT_TRANSLATE_NOOP("MainWindow", "&Reader Name…"), "",
          "findings.ask_reader"),
        A("key_title", "settings", QT_TRANSLATE_NOOP("MainWindow", "Key Image &Title…"), "",
          "findings.ask_key_title"),
        A("lang_system", "settings", QT_TRANSLATE_NOOP("MainWindow", "Language: System"), "",
          "set_language", ("system",), group="lang"),
        A("lang_en", "settings", "", "", "set_language", ("en",), group="lang",
          label_fn=lambda: "English"),
        A("lang_zh_CN", "settings", "", "", "set_language", ("zh_CN",), group="lang",
          label_fn=lambda: "中文（简体）"),
        A("shortcuts", "help", QT_TRANSLATE_NOOP("MainWindow", "&Keyboard Shortcuts"), "F1",
          "show_shortcuts"),
        A("about", "help", QT_TRANSLATE_NOOP("MainWindow", "&About Yunying"), "", "show_about"),
    ]  # fmt: skip


ACTIONS: list[ActionSpec] = _specs()


# ---------------------------------------------------------------------- viewport commands


def _auto_window(w: Any) -> None:
    img = w.model.image
    if img is not None and img.window is not None:
        w.model.set_window(*img.window)
    else:
        w.model.set_window(*robust_window(w.model.pixels()))


def _clear(w: Any) -> None:
    for m in list(w.model.measurements):
        w.model.remove_measurement(m)


#: What an action does to the active viewport widget (an ``app.viewport.ViewportWidget``).
VIEWPORT_COMMANDS: dict[str, Callable[..., None]] = {
    "fit": lambda w: w.model.fit(),
    "one_to_one": lambda w: w.renderer.set_one_to_one(),
    "rotate": lambda w, deg: w.model.rotate(deg),
    "flip": lambda w, horizontal: w.model.flip(horizontal),
    "invert": lambda w: w.model.set_invert(not w.model.invert),
    "cine": lambda w: w.model.set_cine(not w.model.playing),
    "cine_rate": lambda w, f: w.model.set_cine(w.model.playing, w.model.cine_fps * f),
    "delete": lambda w: w.delete_selected(),
    "clear": _clear,
    "auto_window": _auto_window,
    "preset": lambda w, c, wd: w.model.set_window(c, wd),
}


# ---------------------------------------------------------------------- building


def _slot(window: Any, spec: ActionSpec) -> Callable[..., None]:
    def slot(checked: bool = False) -> None:
        fn = window  # a dotted handler names a link's method: "reading.invert"
        for part in spec.handler.split("."):
            fn = getattr(fn, part)
        fn(*spec.args, bool(checked)) if spec.toggle else fn(*spec.args)

    return slot


def build(window: QMainWindow, specs: list[ActionSpec] = ACTIONS) -> tuple[
    dict[str, QAction], dict[str, QMenu], QToolBar
]:  # fmt: skip
    """The window's actions, menus (in :data:`MENUS` order) and toolbar."""
    acts: dict[str, QAction] = {}
    menus = {key: window.menuBar().addMenu("") for key in MENUS}
    toolbar = window.addToolBar("main")
    toolbar.setObjectName("mainToolbar")
    groups: dict[str, QActionGroup] = {}
    for spec in specs:
        act = QAction(window)
        act.setObjectName(f"action_{spec.id}")
        if spec.shortcut:
            act.setShortcut(QKeySequence(spec.shortcut))
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        act.setCheckable(spec.toggle or bool(spec.group))
        if spec.group:
            groups.setdefault(spec.group, QActionGroup(window)).addAction(act)
        if spec.icon:
            icon = resources.path("icons", "actions", f"{spec.icon}.svg")
            if icon.is_file():
                act.setIcon(QIcon(str(icon)))
        act.triggered.connect(_slot(window, spec))
        menus[spec.menu].addAction(act)
        if spec.toolbar:
            toolbar.addAction(act)
        acts[spec.id] = act
    return acts, menus, toolbar


def retranslate(acts: dict[str, QAction], menus: dict[str, QMenu]) -> None:
    for key, menu in menus.items():
        menu.setTitle(translated(MENUS[key]))
    for spec in ACTIONS:
        if spec.id not in acts:
            continue
        text = spec.text()
        plain = text.replace("&", "")
        acts[spec.id].setText(text)
        acts[spec.id].setToolTip(f"{plain} ({spec.shortcut})" if spec.shortcut else plain)


def update_enabled(acts: dict[str, QAction], conditions: dict[str, bool]) -> None:
    """Enable each action whose ``enabled_when`` holds (conditions by name)."""
    for spec in ACTIONS:
        if spec.enabled_when and spec.id in acts:
            acts[spec.id].setEnabled(conditions.get(spec.enabled_when, False))


def shortcut_rows() -> list[tuple[str, str]]:
    """(action, shortcut) of every action with a shortcut, in the current language."""
    return [(spec.text().replace("&", ""), spec.shortcut) for spec in ACTIONS if spec.shortcut]
