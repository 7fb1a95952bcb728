"""PS3.15 Table E.1-1 (Application Level Confidentiality Profile Attributes) as data, and the one
rule that turns a row and the chosen options into the action to apply.

The rows live in ``resources/deid/basic-profile.tsv`` (every row of the 2026d table, with the Basic
Profile column and the columns of the options this product uses). :func:`profile` reads and checks
them once: each tag and keyword against pydicom's data dictionary (PS3.6), each action code
against the codes the table uses. A bad table fails loudly at the first export, never silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from pydicom.datadict import dictionary_VR, keyword_for_tag, tag_for_keyword
from pydicom.tag import BaseTag

import resources

#: The action codes of Table E.1-1's Basic Profile column (PS3.15 E.1.1, Table E.1-1 legend).
BASIC_CODES = frozenset({"D", "Z", "X", "K", "C", "U", "Z/D", "X/Z", "X/D", "X/Z/D", "X/Z/U*"})
#: The table's pattern rows, which stand for many tags.
PATTERNS = {
    "(50xx,xxxx)": "CurveData",
    "(60xx,3000)": "OverlayData",
    "(60xx,4000)": "OverlayComments",
    "(gggg,eeee)": "PrivateAttributes",
}
_VRS = frozenset(
    {"AE", "AS", "AT", "CS", "DA", "DS", "DT", "FD", "FL", "IS", "LO", "LT", "OB", "OD", "OF"}
    | {"OL", "OV", "OW", "PN", "SH", "SL", "SQ", "SS", "ST", "SV", "TM", "UC", "UI", "UL", "UN"}
    | {"UR", "US", "UT", "UV"}
)
#: What cleaning can work on: text (identifying words removed), UIDs (remapped), sequences.
CLEANABLE_VRS = frozenset({"LO", "SH", "ST", "LT", "UT", "UC", "PN", "CS", "AE", "UR", "UI", "SQ"})
_TAG = re.compile(r"^\(([0-9A-F]{4}),([0-9A-F]{4})\)$")
_COLUMNS = ["tag", "keyword", "vr", "basic", "rtn_long_full", "clean_desc", "clean_graph"]
_COLUMNS += ["clean_sc", "name"]


@dataclass(frozen=True, slots=True)
class Rule:
    """One row of Table E.1-1."""

    tag: str  # "(gggg,eeee)", or one of PATTERNS
    keyword: str
    vr: str  # PS3.6 VR ("US or SS" where either); "-" for pattern rows
    basic: str  # Basic Profile action code
    full_dates: bool  # "K" under Retain Longitudinal Temporal Information with Full Dates
    clean_desc: bool  # "C" under Clean Descriptors
    clean_graphics: bool  # "C" under Clean Graphics
    clean_structured: bool  # "C" under Clean Structured Content
    name: str

    @property
    def value(self) -> int | None:
        """The tag as an int (None for pattern rows)."""
        m = _TAG.match(self.tag)
        return int(m[1] + m[2], 16) if m else None

    @property
    def first_vr(self) -> str:
        return self.vr.split(" or ")[0]


@dataclass(frozen=True)
class Profile:
    """Every row of the table, in file order, and the lookup from an element's tag to its row."""

    rows: tuple[Rule, ...]
    by_tag: dict[int, Rule]
    patterns: dict[str, Rule]

    def rule_for(self, tag: BaseTag | int) -> Rule | None:
        tag = BaseTag(tag)
        if tag.is_private:
            return self.patterns["(gggg,eeee)"]
        if tag.group & 0xFF00 == 0x5000:
            return self.patterns["(50xx,xxxx)"]
        if tag.group & 0xFF00 == 0x6000 and tag.element in (0x3000, 0x4000):
            return self.patterns[f"(60xx,{tag.element:04X})"]
        return self.by_tag.get(int(tag))


def _check(line_no: int, cols: list[str]) -> Rule:
    where = f"basic-profile.tsv line {line_no}"
    tag, keyword, vr, basic, full, desc, graph, sc, name = cols
    if basic not in BASIC_CODES:
        raise ValueError(f"{where}: {basic!r} is not a Table E.1-1 action code")
    for value, allowed, column in ((full, "K", "rtn_long_full"), (desc, "C", "clean_desc")):
        if value not in ("", allowed):
            raise ValueError(f"{where}: {column} must be empty or {allowed}, not {value!r}")
    for value, column in ((graph, "clean_graph"), (sc, "clean_sc")):
        if value not in ("", "C"):
            raise ValueError(f"{where}: {column} must be empty or C, not {value!r}")
    if not name:
        raise ValueError(f"{where}: the attribute has no name")
    if tag in PATTERNS:
        if keyword != PATTERNS[tag] or vr != "-":
            raise ValueError(f"{where}: pattern row {tag} must read {PATTERNS[tag]} with VR '-'")
    else:
        m = _TAG.match(tag)
        if m is None:
            raise ValueError(f"{where}: {tag!r} is not a tag (gggg,eeee)")
        number = int(m[1] + m[2], 16)
        known = keyword_for_tag(number)
        if known:  # pydicom's data dictionary (PS3.6) knows it: the row must agree
            if known != keyword:
                raise ValueError(f"{where}: {tag} is {known} in PS3.6, not {keyword}")
            if vr != dictionary_VR(number):
                raise ValueError(f"{where}: {keyword} has VR {dictionary_VR(number)}, not {vr}")
        else:  # newer than pydicom's dictionary: a fresh keyword and a real VR
            if not keyword.isidentifier() or tag_for_keyword(keyword) is not None:
                raise ValueError(f"{where}: {keyword!r} is not a new PS3.6 keyword for {tag}")
            if vr not in _VRS:
                raise ValueError(f"{where}: {vr!r} is not a VR")
    return Rule(tag, keyword, vr, basic, full == "K", desc == "C", graph == "C", sc == "C", name)


@cache
def profile() -> Profile:
    """Table E.1-1 from ``resources/deid/basic-profile.tsv``, checked."""
    text = resources.path("deid", "basic-profile.tsv").read_text(encoding="utf-8")
    rows: list[Rule] = []
    header_seen = False
    for line_no, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        if not header_seen:
            if cols != _COLUMNS:
                raise ValueError(f"basic-profile.tsv: header must be {_COLUMNS}, not {cols}")
            header_seen = True
            continue
        if len(cols) != len(_COLUMNS):
            raise ValueError(f"basic-profile.tsv line {line_no}: {len(cols)} columns, not 9")
        rows.append(_check(line_no, cols))
    by_tag: dict[int, Rule] = {}
    patterns: dict[str, Rule] = {}
    for rule in rows:
        value = rule.value
        key: object = value if value is not None else rule.tag
        if key in by_tag or key in patterns:
            raise ValueError(f"basic-profile.tsv: {rule.tag} appears twice")
        if value is None:
            patterns[rule.tag] = rule
        else:
            by_tag[value] = rule
    if set(patterns) != set(PATTERNS):
        raise ValueError(f"basic-profile.tsv: pattern rows {sorted(PATTERNS)} are all needed")
    return Profile(tuple(rows), by_tag, patterns)


def action_for(
    rule: Rule,
    *,
    dates: str,
    clean_descriptors: bool,
    clean_graphics: bool,
    clean_structured_content: bool,
    vr: str,
) -> str:
    """The action applied to an element of ``rule``: the column of an option in use when it has
    one (an option's column replaces the Basic Profile's), else the Basic Profile's code with a
    compound code resolved.

    Returns one of X, Z, D, U, K, C, SHIFT (Modified Dates: dates shifted, times kept) and UREF
    (X/Z/U*: the sequence kept with the instance UIDs inside replaced). A compound code leaves
    the choice to IOD conformance, which a walk over any object cannot know; the choice made
    keeps every object valid and carries no identifying content: X/Z → Z (zero length), X/D and
    Z/D → D (dummy), X/Z/D → D, or Z for a sequence (an empty sequence, not dummy items),
    X/Z/U* → UREF (references kept so that presentation states, SRs and key objects still point
    at their images). Overlays and curves are removed even under Clean Graphics (their bitmaps
    are not cleaned); graphic annotations are cleaned. A value that cannot be cleaned (bytes,
    numbers: Device Setting Description is OB) gets the Basic Profile's action instead: fail closed.
    """
    is_sequence = vr == "SQ"
    if rule.full_dates and dates == "full":
        return "K"
    if rule.full_dates and dates == "modified":
        return "SHIFT"
    cleanable = vr in CLEANABLE_VRS
    if rule.clean_desc and clean_descriptors and cleanable:
        return "C"
    if rule.clean_structured and clean_structured_content and cleanable:
        return "C"
    if rule.clean_graphics and clean_graphics and rule.value is not None and cleanable:
        return "C"
    code = rule.basic
    if code == "X/Z":
        return "Z"
    if code in ("X/D", "Z/D"):
        return "D"
    if code == "X/Z/D":
        return "Z" if is_sequence else "D"
    if code == "X/Z/U*":
        return "UREF"
    return code
