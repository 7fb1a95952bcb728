"""A DICOM header as a searchable tree (Qt-free): the model behind the tag browser.

:func:`build_tree` turns a pydicom ``Dataset`` (file meta first) into :class:`TagNode` objects:
one per element, sequences with one child per item and the item's elements below it, private
elements named by their creator (``(0009,100D) [GEMS_PETD_01]``), long binary values shortened
to their size. :func:`search` keeps the nodes that match a text (tag, keyword, name or value)
together with their ancestors, so a match inside a sequence is shown where it lives.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field

import pydicom
from pydicom.datadict import private_dictionary_description
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset

#: Longest value text kept for display.
MAX_VALUE_CHARS = 200
#: At most this many nodes are built (a header with huge sequences stays responsive).
MAX_NODES = 200_000
_BINARY_VRS = {"OB", "OW", "OF", "OD", "OL", "OV", "UN"}


@dataclass(slots=True)
class TagNode:
    """One element (or a sequence item, ``tag == ""``) with its children."""

    tag: str  # "(0010,0010)"
    keyword: str
    name: str
    vr: str
    value: str
    private_creator: str = ""
    children: list[TagNode] = field(default_factory=list)

    @property
    def is_private(self) -> bool:
        return bool(self.private_creator) or self.name == "Private Creator"

    def text(self) -> str:
        """Everything a search looks at, lower case."""
        return f"{self.tag} {self.keyword} {self.name} {self.vr} {self.value}".lower()

    def walk(self) -> Iterator[TagNode]:
        yield self
        for c in self.children:
            yield from c.walk()


def read_header(path: str | os.PathLike[str]) -> Dataset:
    """A file's header (pixel data left out), read leniently."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pydicom.dcmread(os.fspath(path), stop_before_pixels=True, force=True)


def _tag_text(tag: int) -> str:
    return f"({tag >> 16:04X},{tag & 0xFFFF:04X})"


def _creator_of(ds: Dataset, tag: int) -> str:
    group, elem = tag >> 16, tag & 0xFFFF
    if group % 2 == 0 or elem < 0x1000:
        return ""
    creator_tag = (group << 16) | (elem >> 8)
    if creator_tag in ds:
        v = ds[creator_tag].value
        if isinstance(v, bytes):
            v = v.decode("latin-1", "replace")
        return str(v).strip()
    return "?"


def _value_text(elem: DataElement) -> str:
    v = elem.value
    if v is None or v == "":
        return ""
    if elem.VR in _BINARY_VRS or isinstance(v, (bytes, bytearray)):
        raw = bytes(v) if isinstance(v, (bytes, bytearray)) else b""
        if raw and len(raw) <= 16:
            try:
                text = raw.decode("ascii").strip("\x00 ")
                if text.isprintable():
                    return text
            except UnicodeDecodeError:
                pass
            return raw.hex(" ")
        return f"<{len(raw) if raw else '?'} bytes>"
    multi = isinstance(v, (list, tuple)) or elem.VM > 1
    text = "\\".join(str(x) for x in v) if multi else str(v)
    text = text.replace("\r", " ").replace("\n", " ")
    if len(text) > MAX_VALUE_CHARS:
        text = text[:MAX_VALUE_CHARS] + f"… ({len(text)} characters)"
    return text


def _name(elem: DataElement, creator: str) -> str:
    if creator and creator != "?":
        try:
            return private_dictionary_description(elem.tag, creator)
        except KeyError:
            return "Private tag"
    if creator == "?":
        return "Private tag (no creator)"
    if elem.tag.is_private and (elem.tag & 0xFFFF) in range(0x10, 0x100):
        return "Private Creator"
    return elem.name


class _Budget:
    def __init__(self, n: int) -> None:
        self.left = n
        self.truncated = False

    def take(self) -> bool:
        if self.left <= 0:
            self.truncated = True
            return False
        self.left -= 1
        return True


def _nodes(ds: Dataset, budget: _Budget) -> list[TagNode]:
    out: list[TagNode] = []
    for tag in sorted(ds.keys()):
        if not budget.take():
            break
        try:
            elem = ds[tag]
        except Exception as exc:  # a value that cannot be decoded still gets a row
            out.append(TagNode(_tag_text(int(tag)), "", "(unreadable)", "", str(exc)[:100]))
            continue
        creator = _creator_of(ds, int(tag))
        node = TagNode(
            tag=_tag_text(int(tag)),
            keyword=elem.keyword or "",
            name=_name(elem, creator),
            vr=str(elem.VR),
            value="",
            private_creator="" if creator == "?" else creator,
        )
        if elem.VR == "SQ":
            items = elem.value or []
            node.value = f"{len(items)} item{'s' if len(items) != 1 else ''}"
            for n, item in enumerate(items, start=1):
                if not budget.take():
                    break
                node.children.append(
                    TagNode("", "", f"Item {n}", "", "", children=_nodes(item, budget))
                )
        else:
            try:
                node.value = _value_text(elem)
            except Exception as exc:
                node.value = f"(unreadable: {type(exc).__name__})"
        out.append(node)
    return out


@dataclass(slots=True)
class TagTree:
    """The header as nodes; ``truncated`` when :data:`MAX_NODES` cut it short."""

    nodes: list[TagNode]
    truncated: bool = False

    def walk(self) -> Iterator[TagNode]:
        for n in self.nodes:
            yield from n.walk()

    def find(self, tag: str) -> TagNode | None:
        """The first node (depth first) with this tag text, e.g. ``"(0010,0010)"``."""
        want = tag.upper().replace(" ", "")
        return next((n for n in self.walk() if n.tag == want), None)


def build_tree(ds: Dataset, max_nodes: int = MAX_NODES) -> TagTree:
    """The tree of ``ds``: its File Meta Information first, then the data set."""
    budget = _Budget(max_nodes)
    nodes: list[TagNode] = []
    meta = getattr(ds, "file_meta", None)
    if meta is not None and len(meta):
        nodes += _nodes(meta, budget)
    nodes += _nodes(ds, budget)
    return TagTree(nodes, budget.truncated)


def search(nodes: list[TagNode], text: str) -> list[TagNode]:
    """Copies of the nodes that match ``text`` (case-insensitive), with their ancestors.

    A matching node keeps all its children (a matching sequence can still be opened)."""
    needle = text.strip().lower()
    if not needle:
        return nodes
    out = []
    for n in nodes:
        if needle in n.text():
            out.append(n)
            continue
        kids = search(n.children, needle)
        if kids:
            out.append(TagNode(n.tag, n.keyword, n.name, n.vr, n.value, n.private_creator, kids))
    return out
