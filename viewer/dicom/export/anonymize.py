"""De-identification after DICOM PS3.15 Annex E: the Basic Application Level Confidentiality
Profile with the Retain Longitudinal Temporal Information (full or modified dates) and Clean
Descriptors options; presentation states and structured reports are cleaned (Clean Graphics and
Clean Structured Content options) rather than emptied, so that they still show the findings.

The actions come from ``resources/deid/basic-profile.tsv`` (Table E.1-1). Beyond it, and stricter
than the profile: every private attribute, curve and overlay is removed; every UID that is not a
registered standard UID is replaced, consistently across one :class:`Anonymizer` (a study, its
presentation states, SRs and key objects); every person name not in the table is emptied; and the
patient's own identifiers are scrubbed from any remaining text. Compound actions take the safer
value that keeps the object valid (X/Z → Z, X/D and Z/D → D).
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import os
import re
from dataclasses import dataclass, field
from functools import cache

from pydicom.datadict import tag_for_keyword
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence
from pydicom.uid import PYDICOM_IMPLEMENTATION_UID, UID

import resources

#: UIDs that name things rather than identify instances: never replaced.
KEEP_UIDS = frozenset(
    {
        "SOPClassUID",
        "ReferencedSOPClassUID",
        "MediaStorageSOPClassUID",
        "TransferSyntaxUID",
        "ImplementationClassUID",
        "ReferencedSOPClassUIDInFile",
        "ReferencedTransferSyntaxUIDInFile",
        "CodingSchemeUID",
        "RelatedGeneralSOPClassUID",
        "OriginalSpecializedSOPClassUID",
        "SOPClassesInStudy",
        "MappingResourceUID",
        "ContextUID",
    }
)
METHOD_CODES = {
    "basic": ("113100", "Basic Application Confidentiality Profile"),
    "graphics": ("113103", "Clean Graphics Option"),
    "structured": ("113104", "Clean Structured Content Option"),
    "descriptors": ("113105", "Clean Descriptors Option"),
    "full": ("113106", "Retain Longitudinal Temporal Information Full Dates Option"),
    "modified": ("113107", "Retain Longitudinal Temporal Information Modified Dates Option"),
}
_TEXT_VRS = {"LO", "SH", "ST", "LT", "UT", "UC", "PN", "CS", "AE"}


@dataclass(frozen=True, slots=True)
class Rule:
    keyword: str
    basic: str
    longitudinal: bool  # kept (or shifted) by Retain Longitudinal Temporal Information
    descriptor: bool  # cleaned by Clean Descriptors
    clean: bool  # cleaned by Clean Graphics / Clean Structured Content


@cache
def profile() -> dict[int, Rule]:
    """Table E.1-1 as this product applies it, by tag."""
    rules: dict[int, Rule] = {}
    text = resources.path("deid", "basic-profile.tsv").read_text(encoding="utf-8")
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cols = [*line.split("\t"), "", "", "", ""][:5]
        tag = tag_for_keyword(cols[0])
        if tag is None:
            raise ValueError(f"basic-profile.tsv: {cols[0]!r} is not a DICOM keyword")
        rules[tag] = Rule(cols[0], cols[1], cols[2] == "K", cols[3] == "C", cols[4] == "C")
    return rules


@dataclass(slots=True)
class Options:
    #: "full" keeps dates and times, "modified" shifts dates by ``shift_days``, "remove" applies
    #: the Basic Profile alone.
    dates: str = "full"
    shift_days: int = 0
    clean_descriptors: bool = True


@dataclass
class Anonymizer:
    """De-identifies the objects of one export with one UID map and one set of pseudonyms."""

    options: Options = field(default_factory=Options)
    salt: bytes = field(default_factory=lambda: os.urandom(16))
    uid_map: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def new_uid(self, old: str) -> str:
        old = str(old).strip()
        if old not in self.uid_map:
            digest = hashlib.sha256(self.salt + old.encode()).digest()[:16]
            self.uid_map[old] = f"2.25.{int.from_bytes(digest, 'big')}"
        return self.uid_map[old]

    def pseudonym(self, patient_id: str) -> str:
        digest = hashlib.sha256(self.salt + b"patient" + patient_id.encode()).hexdigest()
        return f"ANON{digest[:10].upper()}"

    def anonymize(self, ds: Dataset) -> Dataset:
        """A de-identified copy of ``ds`` (file meta included when it has one)."""
        out = copy.deepcopy(ds)
        sop = str(out.get("SOPInstanceUID", "?"))
        if str(out.get("BurnedInAnnotation", "")).upper() == "YES":
            self.warnings.append(
                f"{sop}: Burned In Annotation is YES — the pixels may show identifying text "
                "that de-identification of the header cannot remove"
            )
        ids = _identifiers(out)
        orig_id = str(out.get("PatientID", ""))
        self._walk(out, ids)
        out.PatientName = "ANONYMOUS"
        out.PatientID = self.pseudonym(orig_id)
        if "StudyID" in out:  # Z allows a dummy; a medium's STUDY record needs one
            digest = hashlib.sha256(self.salt + str(ds.get("StudyID", "")).encode()).hexdigest()
            out.StudyID = f"S{digest[:8].upper()}"
        out.PatientIdentityRemoved = "YES"
        # the same options for every object of the export (they are Patient-level attributes)
        used = ["basic", "graphics", "structured"]
        if self.options.clean_descriptors:
            used.append("descriptors")
        if self.options.dates in ("full", "modified"):
            used.append(self.options.dates)
            out.LongitudinalTemporalInformationModified = (
                "MODIFIED" if self.options.dates == "modified" else "UNMODIFIED"
            )
        short = {
            "basic": "Basic",
            "graphics": "CleanGraph",
            "structured": "CleanSC",
            "descriptors": "CleanDesc",
            "full": "RtnLongFull",
            "modified": "RtnLongModif",
        }
        out.DeidentificationMethod = ("PS3.15 E.1-1 " + "+".join(short[k] for k in used))[:64]
        seq = []
        for key in used:
            code = Dataset()
            code.CodeValue, code.CodingSchemeDesignator = METHOD_CODES[key][0], "DCM"
            code.CodeMeaning = METHOD_CODES[key][1]
            seq.append(code)
        out.DeidentificationMethodCodeSequence = Sequence(seq)
        meta = getattr(out, "file_meta", None)
        if meta is not None and "SOPInstanceUID" in out:
            new_meta = FileMetaDataset()
            new_meta.MediaStorageSOPClassUID = out.SOPClassUID
            new_meta.MediaStorageSOPInstanceUID = out.SOPInstanceUID
            new_meta.TransferSyntaxUID = meta.TransferSyntaxUID
            new_meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
            out.file_meta = new_meta
        return out

    # ------------------------------------------------------------------ the walk

    def _walk(self, ds: Dataset, ids: list[str]) -> None:
        rules = profile()
        for elem in list(ds):
            tag = elem.tag
            if tag.is_private or tag.group & 0xFF00 == 0x5000 or tag.group == 0:
                del ds[tag]
                continue
            if tag.group & 0xFF00 == 0x6000 and tag.element in (0x3000, 0x4000, 0x1500):
                del ds[tag]
                continue
            rule = rules.get(int(tag))
            if rule is None:
                self._default(ds, elem, ids)
            else:
                self._apply(ds, elem, rule, ids)

    def _default(self, ds: Dataset, elem: DataElement, ids: list[str]) -> None:
        if elem.VR == "SQ":
            for item in elem.value:
                self._walk(item, ids)
        elif elem.VR == "UI":
            if elem.keyword not in KEEP_UIDS:
                elem.value = self._uids(elem.value)
        elif elem.VR == "PN":
            elem.value = ""  # stricter than the profile: no person's name survives
        elif elem.VR in _TEXT_VRS and elem.value:
            elem.value = _scrub(elem.value, ids)

    def _apply(self, ds: Dataset, elem: DataElement, rule: Rule, ids: list[str]) -> None:
        opts = self.options
        if rule.longitudinal and opts.dates in ("full", "modified"):
            if opts.dates == "modified" and elem.VR in ("DA", "DT") and elem.value:
                elem.value = _shift(elem.value, opts.shift_days)
            return
        if rule.descriptor and opts.clean_descriptors:
            if elem.VR == "SQ":
                for item in elem.value:
                    self._walk(item, ids)
            elif elem.value:
                elem.value = _scrub(elem.value, ids)
            return
        if rule.clean:
            if elem.VR == "SQ":
                for item in elem.value:
                    self._walk(item, ids)
            elif elem.value:
                elem.value = _scrub(elem.value, ids)
            return
        action = rule.basic
        if action == "X":
            del ds[elem.tag]
        elif action == "U":
            elem.value = self._uids(elem.value)
        elif action == "X/Z/U*":
            for item in elem.value:
                self._walk(item, ids)
        elif action in ("Z", "X/Z"):
            elem.value = Sequence() if elem.VR == "SQ" else ("" if elem.VR != "UI" else None)
        elif action in ("D", "X/D", "Z/D", "X/Z/D"):
            if elem.VR == "SQ":
                if action == "D":
                    for item in elem.value:
                        self._walk(item, ids)
                else:
                    elem.value = Sequence()
            else:
                elem.value = _dummy(elem.VR)
        else:  # K and anything unexpected: keep, but still walk into sequences
            self._default(ds, elem, ids)

    def _uids(self, value: object) -> object:
        if value is None or value == "":
            return value
        if isinstance(value, (list, tuple, MultiValue)):
            return [self._one_uid(str(v)) for v in value]
        return self._one_uid(str(value))

    def _one_uid(self, v: str) -> str:
        if not v or (UID(v).is_valid and UID(v).name != v):
            return v  # a registered standard UID (a class, a syntax, a well-known instance)
        return self.new_uid(v)


def _dummy(vr: str) -> object:
    return {
        "PN": "ANONYMOUS",
        "DA": "19000101",
        "TM": "000000",
        "DT": "19000101000000",
        "AS": "000Y",
        "IS": "0",
        "DS": "0",
        "CS": "ANONYMIZED",
        "SH": "ANONYMIZED",
        "LO": "ANONYMIZED",
        "AE": "ANONYMIZED",
    }.get(vr, "ANONYMIZED")


def _identifiers(ds: Dataset) -> list[str]:
    """The patient's identifying strings, longest first, for scrubbing free text."""
    found: set[str] = set()
    for kw in (
        "PatientName",
        "OtherPatientNames",
        "PatientBirthName",
        "PatientMotherBirthName",
        "ReferringPhysicianName",
    ):
        v = ds.get(kw)
        if v is None:
            continue
        for name in v if isinstance(v, (list, tuple)) else [v]:
            for part in re.split(r"[\^=\s]+", str(name)):
                if len(part) >= 2:
                    found.add(part)
            if str(name):
                found.add(str(name))
    for kw in (
        "PatientID",
        "OtherPatientIDs",
        "AccessionNumber",
        "InstitutionName",
        "InstitutionAddress",
        "MedicalRecordLocator",
        "AdmissionID",
    ):
        v = ds.get(kw)
        for s in v if isinstance(v, (list, tuple)) else [v]:
            if s and len(str(s)) >= 2:
                found.add(str(s))
    bd = str(ds.get("PatientBirthDate", "") or "")
    if len(bd) == 8:
        found |= {
            bd,
            f"{bd[:4]}-{bd[4:6]}-{bd[6:]}",
            f"{bd[:4]}/{bd[4:6]}/{bd[6:]}",
            f"{bd[:4]}.{bd[4:6]}.{bd[6:]}",
        }
    return sorted(found, key=len, reverse=True)


def _scrub(value: object, ids: list[str]) -> object:
    if isinstance(value, (list, tuple, MultiValue)):
        return [_scrub(v, ids) for v in value]
    if isinstance(value, bytes):
        return value
    text = str(value)
    for s in ids:
        text = re.sub(re.escape(s), "", text, flags=re.IGNORECASE)
    return text.strip()


def _shift(value: object, days: int) -> object:
    if isinstance(value, (list, tuple, MultiValue)):
        return [_shift(v, days) for v in value]
    s = str(value)
    try:
        d = dt.datetime.strptime(s[:8], "%Y%m%d") + dt.timedelta(days=days)
    except ValueError:
        return ""
    return d.strftime("%Y%m%d") + s[8:]
