"""De-identification after DICOM PS3.15 Annex E: the Basic Application Level Confidentiality
Profile with the Retain Longitudinal Temporal Information (full or modified dates) and Clean
Descriptors options; presentation states and structured reports are cleaned (Clean Graphics and
Clean Structured Content options) rather than replaced, so that they still show the findings.

Every row of Table E.1-1 (``resources/deid/basic-profile.tsv``, read by
:mod:`viewer.dicom.export.deid_profile`) is applied wherever its attribute occurs, nested
sequences included. Beyond the table, and stricter than the profile: command elements (group
0000) and file meta elements found in a dataset are removed (the file meta is rebuilt, its Media
Storage SOP Instance UID the new SOP Instance UID); a whole overlay group (60xx) goes with its
overlay data; every UID that is not a registered standard UID is replaced, consistently across
one :class:`Anonymizer` (a study, its presentation states, SRs and key objects); every person name
the table does not name is emptied; and the patient's own identifiers are scrubbed from any text
kept.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import os
import re
from dataclasses import dataclass, field

from pydicom.dataelem import DataElement, empty_value_for_VR
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence
from pydicom.uid import (
    PYDICOM_IMPLEMENTATION_UID,
    UID,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
)

from viewer.dicom.export.deid_profile import Rule, action_for, profile

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
#: Attributes Table E.1-1 removes (X) that are Type 1 in the presentation state IODs (Presentation
#: State Identification Module): a presentation state gets a dummy value, so that it stays valid.
TYPE1_IN_PR = ("PresentationCreationDate", "PresentationCreationTime")
METHOD_CODES = {
    "basic": ("113100", "Basic Application Confidentiality Profile"),
    "graphics": ("113103", "Clean Graphics Option"),
    "structured": ("113104", "Clean Structured Content Option"),
    "descriptors": ("113105", "Clean Descriptors Option"),
    "full": ("113106", "Retain Longitudinal Temporal Information Full Dates Option"),
    "modified": ("113107", "Retain Longitudinal Temporal Information Modified Dates Option"),
}
_SHORT = {
    "basic": "Basic",
    "graphics": "CleanGraph",
    "structured": "CleanSC",
    "descriptors": "CleanDesc",
    "full": "RtnLongFull",
    "modified": "RtnLongModif",
}
_TEXT_VRS = {"LO", "SH", "ST", "LT", "UT", "UC", "PN", "CS", "AE", "UR"}
#: Free text replaced by a dummy inside a sequence that gets a dummy value (D).
_DUMMY_TEXT_VRS = {"LO", "SH", "ST", "LT", "UT", "UC", "PN", "UR"}
_BINARY_VRS = {"OB", "OW", "OD", "OF", "OL", "OV", "UN"}
_NUMBER_VRS = {"US", "SS", "UL", "SL", "UV", "SV", "FL", "FD", "AT"}
_DUMMY = {
    "PN": "ANONYMOUS",
    "DA": "19000101",
    "TM": "000000",
    "DT": "19000101000000",
    "AS": "000Y",
    "IS": "0",
    "DS": "0",
    "UR": "urn:x-anonymized",
}


@dataclass(slots=True)
class Options:
    #: "full" keeps dates and times, "modified" shifts dates by ``shift_days``, "remove" applies
    #: the Basic Profile to them.
    dates: str = "full"
    shift_days: int = 0
    clean_descriptors: bool = True
    #: Clean Graphics and Clean Structured Content: graphic annotations and SR content are kept,
    #: cleaned (off: they get the Basic Profile's dummy value, their free text replaced).
    clean_graphics: bool = True
    clean_structured_content: bool = True

    def __post_init__(self) -> None:
        if self.dates not in ("full", "modified", "remove"):
            raise ValueError(f"dates must be full, modified or remove, not {self.dates!r}")

    def used(self) -> list[str]:
        """The profile and options applied, as keys of :data:`METHOD_CODES`."""
        used = ["basic"]
        if self.clean_graphics:
            used.append("graphics")
        if self.clean_structured_content:
            used.append("structured")
        if self.clean_descriptors:
            used.append("descriptors")
        if self.dates in ("full", "modified"):
            used.append(self.dates)
        return used


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
        self._walk(out, ids, dummy_text=False)
        # Z allows a dummy, Z/D asks for one: a name and an ID a medium's PATIENT record can use
        out.PatientName = "ANONYMOUS"
        out.PatientID = self.pseudonym(orig_id)
        if "StudyID" in out:  # Z allows a dummy; a medium's STUDY record needs one
            digest = hashlib.sha256(self.salt + str(ds.get("StudyID", "")).encode()).hexdigest()
            out.StudyID = f"S{digest[:8].upper()}"
        for kw in ("StudyDate", "StudyTime"):  # Z allows a dummy; a STUDY record needs one
            if kw in out and not out[kw].value:
                out[kw].value = _dummy(out[kw].VR)
        for kw in TYPE1_IN_PR:  # removed (X) but Type 1 in a presentation state: a dummy instead
            if out.get("Modality") == "PR" and kw in ds and kw not in out:
                setattr(out, kw, _dummy(ds[kw].VR))
        out.PatientIdentityRemoved = "YES"
        used = self.options.used()
        if self.options.dates in ("full", "modified"):
            out.LongitudinalTemporalInformationModified = (
                "MODIFIED" if self.options.dates == "modified" else "UNMODIFIED"
            )
        else:
            out.LongitudinalTemporalInformationModified = "REMOVED"
        out.DeidentificationMethod = ("PS3.15 E.1-1 " + "+".join(_SHORT[k] for k in used))[:64]
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
            new_meta.MediaStorageSOPInstanceUID = out.SOPInstanceUID  # U, as the table says
            new_meta.TransferSyntaxUID = meta.get("TransferSyntaxUID") or _syntax_read(ds)
            new_meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
            out.file_meta = new_meta
        return out

    # ------------------------------------------------------------------ the walk

    def _walk(self, ds: Dataset, ids: list[str], *, dummy_text: bool) -> None:
        prof = profile()
        for elem in list(ds):
            tag = elem.tag
            if tag.group in (0x0000, 0x0002):
                del ds[tag]  # command and file meta elements do not belong in a stored dataset
                continue
            rule = prof.rule_for(tag)
            if rule is None:
                self._default(ds, elem, ids, dummy_text)
            else:
                self._apply(ds, elem, rule, ids, dummy_text)
        _drop_orphan_overlays(ds)

    def _items(self, elem: DataElement, ids: list[str], *, dummy_text: bool) -> None:
        for item in elem.value:
            self._walk(item, ids, dummy_text=dummy_text)

    def _default(self, ds: Dataset, elem: DataElement, ids: list[str], dummy_text: bool) -> None:
        """An attribute the table does not name."""
        if elem.VR == "SQ":
            self._items(elem, ids, dummy_text=dummy_text)
        elif elem.VR == "UI":
            if elem.keyword not in KEEP_UIDS:
                elem.value = self._uids(elem.value)
        elif elem.VR == "PN":
            elem.value = ""  # stricter than the profile: no person's name survives
        elif dummy_text and elem.VR in _DUMMY_TEXT_VRS and elem.value:
            elem.value = _dummy(elem.VR)
        elif elem.VR in _TEXT_VRS and elem.value:
            elem.value = _scrub(elem.value, ids)

    def _apply(
        self, ds: Dataset, elem: DataElement, rule: Rule, ids: list[str], dummy_text: bool
    ) -> None:
        opts = self.options
        is_seq = elem.VR == "SQ"
        action = action_for(
            rule,
            dates=opts.dates,
            clean_descriptors=opts.clean_descriptors,
            clean_graphics=opts.clean_graphics,
            clean_structured_content=opts.clean_structured_content,
            vr=elem.VR if elem.VR != "UN" else rule.first_vr,
        )
        if elem.VR == "UN" and rule.vr not in ("-", "UN") and not is_seq:
            if action in ("C", "SHIFT", "K"):
                action = "X"  # undecoded bytes cannot be cleaned, shifted or known safe
            elif action in ("Z", "D"):  # give the element its VR so that it can take a value
                elem = DataElement(elem.tag, rule.first_vr, None)
                ds[elem.tag] = elem
        if action == "X":
            del ds[elem.tag]
        elif action == "K":
            if is_seq:
                self._items(elem, ids, dummy_text=dummy_text)
        elif action == "SHIFT":
            if elem.VR in ("DA", "DT") and elem.value:
                elem.value = _shift(elem.value, opts.shift_days)
        elif action == "C":
            if is_seq:
                self._items(elem, ids, dummy_text=False)
            elif elem.VR == "UI":
                elem.value = self._uids(elem.value)
            elif elem.VR in _TEXT_VRS and elem.value:
                elem.value = _scrub(elem.value, ids)
        elif action == "U":
            elem.value = self._uids(elem.value)
        elif action == "UREF":
            self._items(elem, ids, dummy_text=dummy_text)
        elif action == "Z":
            elem.value = Sequence() if is_seq else empty_value_for_VR(elem.VR)
        elif action == "D":
            if is_seq:  # the items kept, every attribute inside de-identified, free text dummied
                self._items(elem, ids, dummy_text=True)
            elif elem.VR == "UI":
                elem.value = self._uids(elem.value)
            else:
                elem.value = _dummy(elem.VR)
        else:  # pragma: no cover - deid_profile checks the codes
            raise ValueError(f"{rule.keyword}: unknown action {action!r}")

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


def _syntax_read(ds: Dataset) -> UID:
    """The transfer syntax a dataset read without file meta was encoded in."""
    implicit, little = ds.original_encoding
    if implicit:
        return ImplicitVRLittleEndian
    return ExplicitVRBigEndian if little is False else ExplicitVRLittleEndian


def _drop_orphan_overlays(ds: Dataset) -> None:
    """An overlay plane whose data was removed is removed whole (its module would be invalid)."""
    groups = {e.tag.group for e in ds if e.tag.group & 0xFF00 == 0x6000 and not e.tag.is_private}
    for group in groups:
        if (group << 16 | 0x3000) not in ds:
            for tag in [e.tag for e in ds if e.tag.group == group]:
                del ds[tag]


def _dummy(vr: str) -> object:
    if vr in _BINARY_VRS:
        return b"\0" * 8
    if vr in _NUMBER_VRS:
        return 0
    return _DUMMY.get(vr, "ANONYMIZED")


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
        return ""  # not a date we can shift: nothing rather than the original
    return d.strftime("%Y%m%d") + s[8:]
