"""The national 78-character imaging index code (NHSA notice of 2025-02-10).

Five segments, digits and capital letters:

====  ===============================  ======  ==========================================
 #    segment                          length  content
====  ===============================  ======  ==========================================
 1    person management code           26      the insured person's national ID (psn_mgtcode)
 2    exam date-time                   12      ``YYYYMMDDhhmm``
 3    body part / technique            9       WS/T 364.8—2023; all ``0`` for now
 4    medical device                   13      all ``0`` for now
 5    storing organisation             18      unified social credit code (GB 32100-2015)
====  ===============================  ======  ==========================================

Input may carry hyphens (or spaces) between segments, and lower-case letters; :func:`parse`
normalises and validates, and every error names the segment that is wrong and why.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass

SEGMENTS: tuple[tuple[str, int], ...] = (
    ("person management code", 26),
    ("exam date-time", 12),
    ("body part / technique code", 9),
    ("medical device code", 13),
    ("storing organisation code", 18),
)
LENGTH = sum(n for _, n in SEGMENTS)  # 78

#: GB 32100-2015 alphabet (31 symbols: no I, O, S, V, Z) and weights of the first 17 characters.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
#: GB 11714 organisation code: weights of the first 8 characters.
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

#: GB/T 2260 province-level divisions (first two digits of a division code).
PROVINCES: dict[str, tuple[str, str]] = {
    "11": ("北京市", "Beijing"),
    "12": ("天津市", "Tianjin"),
    "13": ("河北省", "Hebei"),
    "14": ("山西省", "Shanxi"),
    "15": ("内蒙古自治区", "Inner Mongolia"),
    "21": ("辽宁省", "Liaoning"),
    "22": ("吉林省", "Jilin"),
    "23": ("黑龙江省", "Heilongjiang"),
    "31": ("上海市", "Shanghai"),
    "32": ("江苏省", "Jiangsu"),
    "33": ("浙江省", "Zhejiang"),
    "34": ("安徽省", "Anhui"),
    "35": ("福建省", "Fujian"),
    "36": ("江西省", "Jiangxi"),
    "37": ("山东省", "Shandong"),
    "41": ("河南省", "Henan"),
    "42": ("湖北省", "Hubei"),
    "43": ("湖南省", "Hunan"),
    "44": ("广东省", "Guangdong"),
    "45": ("广西壮族自治区", "Guangxi"),
    "46": ("海南省", "Hainan"),
    "50": ("重庆市", "Chongqing"),
    "51": ("四川省", "Sichuan"),
    "52": ("贵州省", "Guizhou"),
    "53": ("云南省", "Yunnan"),
    "54": ("西藏自治区", "Tibet"),
    "61": ("陕西省", "Shaanxi"),
    "62": ("甘肃省", "Gansu"),
    "63": ("青海省", "Qinghai"),
    "64": ("宁夏回族自治区", "Ningxia"),
    "65": ("新疆维吾尔自治区", "Xinjiang"),
}

_SEPARATORS = re.compile(r"[\s\-‐‑‒–—－]+")
_UPPER_DIGITS = re.compile(r"^[0-9A-Z]*$")


class IndexCodeError(ValueError):
    """A code that is not a valid index code. ``segment`` is 1–5, or 0 for the whole code."""

    def __init__(self, segment: int, message: str) -> None:
        self.segment = segment
        where = f"segment {segment} ({SEGMENTS[segment - 1][0]})" if segment else "index code"
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True, slots=True)
class IndexCode:
    """A parsed, validated index code and what its segments say."""

    person: str
    exam_time: _dt.datetime
    body_part: str
    device: str
    organisation: str

    def __str__(self) -> str:
        return self.compact

    @property
    def compact(self) -> str:
        """The 78 characters, no separators."""
        return "".join(self.segments)

    @property
    def hyphenated(self) -> str:
        return "-".join(self.segments)

    @property
    def segments(self) -> tuple[str, str, str, str, str]:
        return (
            self.person,
            self.exam_time.strftime("%Y%m%d%H%M"),
            self.body_part,
            self.device,
            self.organisation,
        )

    @property
    def division(self) -> str:
        """GB/T 2260 division code of the storing organisation (characters 3–8 of segment 5)."""
        return self.organisation[2:8]

    @property
    def province_code(self) -> str:
        return self.division[:2]

    @property
    def province(self) -> tuple[str, str]:
        """(Chinese, English) name of the province whose cloud holds the images."""
        return PROVINCES[self.province_code]


def uscc_check_char(first17: str) -> str:
    """The GB 32100-2015 check character for the first 17 characters of a credit code."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def org_check_char(first8: str) -> str:
    """The GB 11714 check character of an organisation code (``X`` for 10, ``0`` for 11)."""
    total = sum(_org_value(c) * w for c, w in zip(first8, ORG_WEIGHTS, strict=True))
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def _org_value(c: str) -> int:
    return int(c) if c.isdigit() else ord(c) - ord("A") + 10


def normalise(text: str) -> str:
    """Upper-case, without the separators people and scanners put between segments."""
    return _SEPARATORS.sub("", text.strip()).upper()


def parse(text: str) -> IndexCode:
    """Parse and validate an index code, with or without hyphens between segments."""
    raw = text.strip()
    parts = [p for p in _SEPARATORS.split(raw) if p]
    if len(parts) > 1:
        # with separators, each segment's own length can be checked and named
        if len(parts) != len(SEGMENTS):
            raise IndexCodeError(0, f"has {len(parts)} parts between separators; expected 5")
        for i, (part, (_, n)) in enumerate(zip(parts, SEGMENTS, strict=True), start=1):
            if len(part) != n:
                raise IndexCodeError(i, f"has {len(part)} characters; expected {n}")
    code = normalise(raw)
    if len(code) != LENGTH:
        raise IndexCodeError(0, f"has {len(code)} characters; expected {LENGTH}")
    if not _UPPER_DIGITS.match(code):
        bad = next(c for c in code if not ("0" <= c <= "9" or "A" <= c <= "Z"))
        seg = _segment_of(code.index(bad))
        raise IndexCodeError(seg, f"contains {bad!r}; only digits and capital letters are allowed")
    segs, pos = [], 0
    for _, n in SEGMENTS:
        segs.append(code[pos : pos + n])
        pos += n
    person, when, body, device, org = segs
    if not when.isdigit():
        raise IndexCodeError(2, f"{when!r} is not YYYYMMDDhhmm digits")
    try:
        exam_time = _dt.datetime.strptime(when, "%Y%m%d%H%M")
    except ValueError:
        raise IndexCodeError(2, f"{when!r} is not a real calendar date and time") from None
    if exam_time.year < 1970:
        raise IndexCodeError(2, f"{when!r} is before 1970")
    # segments 3 and 4 are all zeros today; WS/T 364.8 codes will fill them, so any digits and
    # capital letters are accepted there
    _check_organisation(org)
    return IndexCode(person, exam_time, body, device, org)


def _segment_of(index: int) -> int:
    pos = 0
    for i, (_, n) in enumerate(SEGMENTS, start=1):
        pos += n
        if index < pos:
            return i
    return 0


def _check_organisation(org: str) -> None:
    bad = [c for c in org if c not in USCC_ALPHABET]
    if bad:
        raise IndexCodeError(5, f"contains {bad[0]!r}, not allowed in a unified social credit code")
    division = org[2:8]
    if not division.isdigit():
        raise IndexCodeError(5, f"characters 3–8 ({division!r}) are not a 6-digit division code")
    if division[:2] not in PROVINCES:
        raise IndexCodeError(5, f"division {division} names no province (GB/T 2260)")
    org_code = org[8:17]
    body8 = org_code[:8]
    if any(c not in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ" for c in body8):
        raise IndexCodeError(5, f"organisation code {org_code!r} is malformed")
    want_org = org_check_char(body8)
    if org_code[8] != want_org:
        raise IndexCodeError(
            5, f"organisation code check character is {org_code[8]!r}; expected {want_org!r}"
        )
    want = uscc_check_char(org[:17])
    if org[17] != want:
        raise IndexCodeError(5, f"check character is {org[17]!r}; expected {want!r}")


def make_uscc(division: str, org_body8: str, registration: str = "12") -> str:
    """A valid 18-character credit code from its parts (check characters computed)."""
    first17 = registration + division + org_body8 + org_check_char(org_body8)
    return first17 + uscc_check_char(first17)


def format_code(
    person: str,
    exam_time: _dt.datetime,
    organisation: str,
    body_part: str = "0" * 9,
    device: str = "0" * 13,
) -> IndexCode:
    """Build an index code from its parts, validating the result."""
    compact = person + exam_time.strftime("%Y%m%d%H%M") + body_part + device + organisation
    return parse(compact)


def code_hash(code: str) -> str:
    """What stands for an index code on disk (audit log, catalog, manifests): a keyed hash (the
    key lives in the OS keyring), so the code — a credential for the exam — is never stored.
    Hyphens, spaces and case do not change it."""
    from cloudclient.tokens import keyed_digest

    return keyed_digest("index-code", normalise(code))


def person_hash(code: str) -> str:
    """A keyed hash of the code's person segment (which exams belong to one person), '' for a
    code that does not parse."""
    from cloudclient.tokens import keyed_digest

    try:
        return keyed_digest("person", parse(code).person)
    except IndexCodeError:
        return ""
