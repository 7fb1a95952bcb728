"""PS3.15 Table E.1-1, row by row: a phantom CT carrying every attribute the table names (with
identifying content, at the top level and again one sequence level down, each sequence attribute
with an item of its own), anonymized under the Basic Profile alone, under the product's options
(full dates, Clean Descriptors, Clean Graphics, Clean Structured Content) and with modified dates;
each row's outcome must be one the standard allows for the row's action under the options used.

The expected actions are read here from the table's columns and the standard's definitions
(PS3.15 E.1.1), not from the anonymizer's own resolution of them.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path

import pydicom
import pytest
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence
from pydicom.uid import generate_uid

from tests.findings_helpers import write_ct
from viewer.dicom.export.anonymize import Anonymizer, Options
from viewer.dicom.export.deid_profile import Rule, profile

#: Rows of Table E.1-1 in PS3.15 2026d (653 attributes and 4 pattern rows).
EDITION_ROWS = 657
#: The phantom patient's identifiers (phantoms.series.PatientSpec) as they could appear in bytes.
IDENTIFIERS = [b"Zhang", "张".encode(), "三".encode(), b"YY20260001", b"19620314"]
ID_TEXT = "Chest Zhang San YY20260001"  # "Chest" is what cleaning must keep
BASIC = Options(
    dates="remove", clean_descriptors=False, clean_graphics=False, clean_structured_content=False
)
PRODUCT = Options()
MODIFIED = Options(dates="modified", shift_days=-30)


def _sample(vr: str, uid: str) -> object:
    """An identifying value of ``vr`` (UIDs: the row's own, to follow it through the UID map)."""
    if vr in ("OB", "OW", "UN", "OD", "OF", "OL", "OV"):
        return b"Zhang^San\0" + b"\0" * 6
    if vr in ("US", "SS", "UL", "SL", "UV", "SV", "FL", "FD"):
        return 1
    return {
        "DA": "20200101",
        "TM": "101010",
        "DT": "20200101101010",
        "PN": "Zhang^San",
        "UI": uid,
        "AS": "064Y",
        "IS": "7",
        "DS": "1.5",
        "CS": "CHEST ZHANG SAN",
        "AE": "CHEST ZHANGSAN",
        "SH": "Chest YY20260001",
        "UR": "https://chest.example/Zhang-San/YY20260001",
    }.get(vr, ID_TEXT)


def _item(uid: str) -> Dataset:
    """The content of every sequence attribute: a name, a reference, coded text, a private tag."""
    item = Dataset()
    item.PatientName = "Zhang^San"
    item.ReferencedSOPInstanceUID = uid
    item.CodeMeaning = ID_TEXT
    item.add_new(0x00090010, "LO", "ACME 1.0")
    item.add_new(0x00091001, "LO", "Zhang private")
    return item


def _fill(ds: Dataset, uids: dict[str, str]) -> None:
    for rule in profile().rows:
        tag = rule.value
        if tag is None or tag >> 16 in (0x0000, 0x0002):
            continue  # pattern rows below; command and file meta elements checked apart
        uid = uids.setdefault(rule.keyword, generate_uid())
        vr = rule.first_vr
        value = Sequence([_item(uid)]) if vr == "SQ" else _sample(vr, uid)
        if rule.full_dates and vr not in ("DA", "DT", "TM"):  # kept with dates: plausible values
            value = "+0800" if vr == "SH" else b"\x30\x82\x01\x0a" * 4
        ds.add(DataElement(tag, vr, value))
    ds.FailedSOPInstanceUIDList = [uids["FailedSOPInstanceUIDList"], uids["SOPInstanceUID"]]
    # identifying attributes with values of their own kind (free text is "Chest Zhang San …")
    ds.PatientName = "Zhang^San"
    ds.PatientBirthDate = "19620314"
    ds.PatientID = "YY20260001"
    ds.OtherPatientIDs = "YY20260001-B"
    ds.AccessionNumber = "A0001"
    ds.InstitutionName = "Yunying Demo Hospital"
    ds.InstitutionAddress = "Gulou Road 1"
    ds.MedicalRecordLocator = "MRL-YY20260001"
    ds.AdmissionID = "AD-YY20260001"
    # the pattern rows: private attributes (a sequence among them), curves, an overlay plane
    ds.add_new(0x00090010, "LO", "ACME 1.0")
    ds.add_new(0x00091002, "LO", "Zhang San")
    ds.add_new(0x00091003, "SQ", Sequence([_item(uids["SOPInstanceUID"])]))
    ds.add_new(0x50000005, "US", 1)
    ds.add_new(0x50003000, "OW", b"\x02\x00" * 8)
    ds.add_new(0x60000010, "US", 4)
    ds.add_new(0x60000011, "US", 4)
    ds.add_new(0x60003000, "OW", b"\x01\x00" * 8)
    ds.add_new(0x60004000, "LT", "Zhang San overlay")


@pytest.fixture(scope="module")
def phantom(tmp_path_factory: pytest.TempPathFactory) -> tuple[Dataset, dict[str, str]]:
    ds = pydicom.dcmread(write_ct(tmp_path_factory.mktemp("deid") / "ct", n_slices=1)[0])
    uids = {"SOPInstanceUID": str(ds.SOPInstanceUID)}
    _fill(ds, uids)
    nested = Dataset()
    _fill(nested, uids)  # the same identifiers and UIDs one level down
    ds.ReferencedSeriesSequence = Sequence([nested])
    ds.add_new(0x00001000, "UI", generate_uid())  # Affected SOP Instance UID (command)
    ds.add_new(0x00001001, "UI", generate_uid())  # Requested SOP Instance UID (command)
    return ds, uids


def _no_identifier(value: object) -> bool:
    text = str(value).lower()
    return not any(s in text for s in ("zhang", "张", "yy20260001", "19620314"))


def _elements(ds: Dataset) -> Iterator[DataElement]:
    for elem in ds:
        yield elem
        if elem.VR == "SQ":
            for item in elem.value:
                yield from _elements(item)


def _expected(rule: Rule, opts: Options) -> set[str]:
    """What the standard allows for ``rule`` under ``opts``: an option's column replaces the
    Basic Profile's; a compound code allows each of its parts (PS3.15 E.1.1)."""
    if rule.full_dates and opts.dates == "full":
        return {"K"}
    if rule.full_dates and opts.dates == "modified":
        return {"SHIFT"}
    allowed = set(rule.basic.split("/"))
    binary = rule.first_vr in ("OB", "OW", "UN")  # cannot be cleaned: the Basic Profile instead
    if rule.clean_desc and opts.clean_descriptors:
        return allowed | {"C"} if binary else {"C"}
    if rule.clean_structured and opts.clean_structured_content:
        return {"C"}
    if rule.clean_graphics and opts.clean_graphics:
        return {"C"}
    if "Z" in allowed:
        allowed.add("D")  # Z: "zero length, or a non-zero length value that may be a dummy"
    return allowed


def _outcome(rule: Rule, src: Dataset, out: Dataset, anon: Anonymizer) -> str:
    """What happened to the row's attribute: X, Z, D, U, K, C, SHIFT, or U* (a sequence kept
    with the UIDs inside replaced)."""
    tag = rule.value
    assert tag is not None
    if tag not in out:
        return "X"
    before, after = src[tag], out[tag]
    where = f"{rule.keyword} {rule.tag}"
    if after.VR == "SQ":
        if len(after.value) == 0:
            return "Z"
        item, orig = after.value[0], before.value[0]
        # whatever is kept of a sequence is de-identified inside, references remapped
        assert item.get("PatientName", "") == "", where
        assert not [e for e in item if e.tag.is_private], where
        assert item.ReferencedSOPInstanceUID == anon.uid_map[orig.ReferencedSOPInstanceUID]
        assert item.ReferencedSOPInstanceUID != orig.ReferencedSOPInstanceUID, where
        meaning = str(item.CodeMeaning)
        assert _no_identifier(meaning), (where, meaning)
        return "C" if meaning == "Chest" else "D"  # cleaned, or the text given a dummy
    value, old = after.value, before.value
    if value in ("", None, b"") or (isinstance(value, (list, MultiValue)) and not value):
        return "Z"
    if value == old:
        return "K"
    if after.VR == "UI":
        olds = list(old) if isinstance(old, (list, MultiValue)) else [old]
        news = list(value) if isinstance(value, (list, MultiValue)) else [value]
        assert news == [anon.uid_map[str(u)] for u in olds], where
        return "U"
    assert _no_identifier(value), (where, value)
    if after.VR in ("DA", "DT") and str(value)[8:] == str(old)[8:]:
        shifted = dt.datetime.strptime(str(old)[:8], "%Y%m%d") + dt.timedelta(days=-30)
        if str(value)[:8] == shifted.strftime("%Y%m%d"):
            return "SHIFT"
    if isinstance(value, str) and "chest" in value.lower():
        return "C"  # the identifying words gone, the rest kept
    return "D"


def _allowed(outcome: str, expected: set[str], rule: Rule, vr: str) -> bool:
    if outcome in expected:
        return True
    if "U*" in expected and vr == "SQ" and outcome in ("C", "D"):
        return True  # X/Z/U*: the sequence kept, the UIDs inside replaced (checked above)
    if "D" in expected and vr == "UI" and outcome == "U":
        return True  # a dummy UID is a new UID
    if expected == {"SHIFT"} and vr not in ("DA", "DT"):
        return outcome == "K"  # Modified Dates: times (and other VRs) kept, dates shifted
    return False


def _check_rows(src: Dataset, out: Dataset, anon: Anonymizer, opts: Options) -> int:
    checked = 0
    for rule in profile().rows:
        tag = rule.value
        if tag is None or tag >> 16 in (0x0000, 0x0002):
            continue
        outcome = _outcome(rule, src, out, anon)
        expected = _expected(rule, opts)
        assert _allowed(outcome, expected, rule, rule.first_vr), (
            f"{rule.keyword} {rule.tag}: {rule.basic} → {outcome}, allowed {sorted(expected)}"
        )
        checked += 1
    # the pattern rows: private attributes, curve data, overlay data and comments all removed
    assert not [e.tag for e in out if e.tag.is_private]
    assert not [e.tag for e in out if e.tag.group & 0xFF00 in (0x5000, 0x6000)]
    return checked


@pytest.mark.parametrize(
    "opts", [BASIC, PRODUCT, MODIFIED], ids=["basic", "product-options", "modified-dates"]
)
def test_every_row_of_table_e11_top_level_and_nested(
    phantom: tuple[Dataset, dict[str, str]], opts: Options
) -> None:
    src, uids = phantom
    rows = profile().rows
    assert len(rows) == EDITION_ROWS
    assert len({r.tag for r in rows}) == EDITION_ROWS
    anon = Anonymizer(opts)
    out = anon.anonymize(src)
    top = _check_rows(src, out, anon, opts)
    nested = _check_rows(
        src.ReferencedSeriesSequence[0], out.ReferencedSeriesSequence[0], anon, opts
    )
    # every attribute row but the 4 patterns and the 3 command / file meta rows, at both levels
    assert top == nested == EDITION_ROWS - 4 - 3
    # command elements cannot be stored (stricter than U for Requested SOP Instance UID);
    # Media Storage SOP Instance UID (U) is the new SOP Instance UID
    assert 0x00001000 not in out and 0x00001001 not in out
    assert out.file_meta.MediaStorageSOPInstanceUID == out.SOPInstanceUID
    assert out.SOPInstanceUID == anon.uid_map[uids["SOPInstanceUID"]] != uids["SOPInstanceUID"]
    # not one identifying byte, private, curve or overlay element anywhere in the file
    assert not [e.tag for e in _elements(out) if e.tag.is_private]
    for e in _elements(out):
        if e.VR not in ("OB", "OW", "UN") and e.keyword != "PixelData":
            assert _no_identifier(e.value), e
    buf = io.BytesIO()
    out.save_as(buf, enforce_file_format=True)
    assert not [s for s in IDENTIFIERS if s in buf.getvalue()]
    assert out.PatientIdentityRemoved == "YES"
    codes = {c.CodeValue for c in out.DeidentificationMethodCodeSequence}
    assert "113100" in codes
    assert ("113105" in codes) == opts.clean_descriptors
    assert ("113106" in codes) == (opts.dates == "full")
    assert ("113107" in codes) == (opts.dates == "modified")
    assert (
        out.LongitudinalTemporalInformationModified
        == {
            "full": "UNMODIFIED",
            "modified": "MODIFIED",
            "remove": "REMOVED",
        }[opts.dates]
    )


def test_the_product_options_keep_dates_and_clean_descriptors(
    phantom: tuple[Dataset, dict[str, str]],
) -> None:
    """The options change what they name, and only that: a spot check of each column."""
    src, _ = phantom
    basic = Anonymizer(BASIC).anonymize(src)
    product = Anonymizer(PRODUCT).anonymize(src)
    assert product.StudyDate == src.StudyDate == "20200101"  # K
    assert basic.StudyDate == "19000101"  # Z: a dummy, which a medium's STUDY record needs
    assert "AcquisitionDate" in product and basic.get("AcquisitionDate", "") == ""  # X/Z / K
    assert product.StudyDescription == "Chest" and "StudyDescription" not in basic  # X / C
    assert product.ProtocolName == "Chest" and basic.ProtocolName == "ANONYMIZED"  # X/D / C
    assert product.ContentSequence[0].CodeMeaning == "Chest"  # Clean Structured Content
    assert basic.ContentSequence[0].CodeMeaning == "ANONYMIZED"  # D: the text dummied
    assert product.InstitutionName == basic.InstitutionName == "ANONYMIZED"  # X/Z/D, no option
    assert "PatientAge" not in product and "PatientAge" not in basic  # X, no option used
    shifted = Anonymizer(MODIFIED).anonymize(src)
    assert shifted.StudyDate == "20191202" and shifted.StudyTime == src.StudyTime


def test_the_table_is_checked_when_loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A row whose keyword does not match PS3.6 (or whose code is not the table's) is refused."""
    import resources
    from viewer.dicom.export import deid_profile

    text = resources.path("deid", "basic-profile.tsv").read_text(encoding="utf-8")
    for bad in (
        text.replace("(0008,0050)\tAccessionNumber", "(0008,0051)\tAccessionNumber"),
        text.replace("(0010,0010)\tPatientName\tPN\tZ", "(0010,0010)\tPatientName\tPN\tY"),
        text.replace("(0010,0012)\tNameToUse\tLT", "(0010,0012)\tPatientID\tLT"),
    ):
        assert bad != text
        (tmp_path / "deid").mkdir(exist_ok=True)
        (tmp_path / "deid" / "basic-profile.tsv").write_text(bad, encoding="utf-8")
        monkeypatch.setattr(resources, "path", lambda *p: tmp_path.joinpath(*p))
        deid_profile.profile.cache_clear()
        try:
            with pytest.raises(ValueError):
                deid_profile.profile()
        finally:
            monkeypatch.undo()
            deid_profile.profile.cache_clear()
    assert len(deid_profile.profile().rows) == EDITION_ROWS


def test_attributes_newer_than_pydicom_read_as_un_are_removed_not_kept(tmp_path: Path) -> None:
    """In an Implicit VR file pydicom reads the table's newest attributes (not yet in its
    dictionary) as UN bytes: they cannot be cleaned, so they are removed, never kept."""
    ds = Dataset()
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    ds.SOPInstanceUID = generate_uid()
    ds.PatientName = "Zhang^San"
    ds.PatientID = "YY20260001"
    ds.add(DataElement(0x00100016, "UT", "Zhang San prefers they/them"))  # Pronoun Comment: X, C
    ds.add(DataElement(0x00100012, "LT", "San"))  # Name to Use: X
    ds.add(DataElement(0x0040A034, "DT", "20200101"))  # Effective Start DateTime: X, K (dates)
    ds.save_as(tmp_path / "implicit.dcm", implicit_vr=True, little_endian=True)
    back = pydicom.dcmread(tmp_path / "implicit.dcm", force=True)
    assert {back[t].VR for t in (0x00100016, 0x00100012, 0x0040A034)} == {"UN"}
    for opts in (BASIC, PRODUCT, MODIFIED):
        out = Anonymizer(opts).anonymize(back)
        assert not [t for t in (0x00100016, 0x00100012, 0x0040A034) if t in out], opts
