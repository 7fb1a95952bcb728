"""The fast header path (viewer.dicom.fastheader) gives exactly what the pydicom path gives.

For every object of the real corpora, the generated demo study, hand-made edge cases (character
sets, multi-valued and empty values, undefined-length sequences, implicit VR, VRs that disagree
with the dictionary), every truncation of a header and a few hundred byte mutations, the scan
result with the fast path equals the scan result with it switched off: the same
:class:`InstanceInfo`, or the same refusal with the same message. The fast path must also be
taken for the common case, or the scan is slow again.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
import pytest
from pydicom.datadict import dictionary_VR, tag_for_keyword
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.tag import BaseTag
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian, generate_uid

from phantoms import series as S
from tests.conftest import corpus_files
from tests.helpers import small_ct
from viewer.dicom import scan as scan_mod
from viewer.dicom.fastheader import read_fast
from viewer.dicom.sources import FileRef


def _read(ref: FileRef, fast: bool) -> tuple[Any, bool]:
    """read_header's answer with the fast path on or off, and whether the fast path answered."""
    orig, orig_member = scan_mod.read_fast, scan_mod._read_fast_member
    used: list[bool] = []

    def spy(fn: Any) -> Any:
        def wrapped(arg: Any) -> Any:
            got = fn(arg) if fast else None
            used.append(got is not None)
            return got

        return wrapped

    scan_mod.read_fast = spy(orig)
    scan_mod._read_fast_member = spy(orig_member)
    try:
        return ("ok", scan_mod.read_header(ref)), any(used)
    except Exception as exc:
        return ("refused", type(exc).__name__, str(exc)), any(used)
    finally:
        scan_mod.read_fast, scan_mod._read_fast_member = orig, orig_member


def _same(path: Path | FileRef) -> bool:
    """Asserts that both paths agree on ``path``; returns whether the fast path answered."""
    ref = path if isinstance(path, FileRef) else FileRef(str(path))
    (fast, taken), (slow, _) = _read(ref, True), _read(ref, False)
    assert fast == slow, f"{ref}:\n fast {fast}\n slow {slow}"
    return taken


def _ct_dataset(**extra: Any) -> Dataset:
    ds = Dataset()
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    ds.SOPInstanceUID = generate_uid()
    ds.StudyInstanceUID = "1.2.3.4"
    ds.SeriesInstanceUID = "1.2.3.4.5"
    ds.PatientName = "Doe^John"
    ds.PatientID = "P1 "
    ds.Modality = "CT"
    ds.SeriesNumber = "3"
    ds.InstanceNumber = "7"
    ds.ImagePositionPatient = ["-10.5", "2", "3e1"]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.PixelSpacing = ["0.5", "0.5"]
    ds.SliceThickness = "1.25"
    ds.RescaleIntercept = "-1024"
    ds.RescaleSlope = "1"
    ds.WindowCenter = ["40", "400"]
    ds.WindowWidth = ["400", "1500"]
    ds.Rows = ds.Columns = 4
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = 16
    ds.BitsStored = 12
    ds.HighBit = 11
    ds.PixelRepresentation = 0
    for k, v in extra.items():
        if isinstance(v, bytes):  # written as is, even when pydicom would refuse the value
            tag = tag_for_keyword(k)
            assert tag is not None
            ds[tag] = RawDataElement(BaseTag(tag), dictionary_VR(tag), len(v), v, 0, False, True)
        else:
            setattr(ds, k, v)
    ds.PixelData = np.arange(16, dtype=np.uint16).tobytes()
    return ds


def _write(ds: Dataset, path: Path, implicit: bool = False) -> Path:
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian if implicit else ExplicitVRLittleEndian
    ds.save_as(path, enforce_file_format=True)
    return path


EDGE_CASES: dict[str, dict[str, Any]] = {
    "plain": {},
    "utf8-name": {"SpecificCharacterSet": "ISO_IR 192", "PatientName": "Zhang^San=张^三"},
    "gb18030": {
        "SpecificCharacterSet": "GB18030",
        "PatientName": "王^小东",
        "StudyDescription": "胸部CT",
    },
    "latin1-no-charset": {"InstitutionName": "Hôpital Café"},
    "latin1": {"SpecificCharacterSet": "ISO_IR 100", "InstitutionName": "Hôpital Café "},
    "charset-misspelt": {
        "SpecificCharacterSet": b"ISO IR 192",
        "PatientName": "张^三".encode(),
    },
    "iso2022": {"SpecificCharacterSet": ["", "ISO 2022 IR 87"], "PatientName": "Yamada^Tarou"},
    "multi-text": {"PatientID": "A\\B ", "BodyPartExamined": "CHEST\\ABDOMEN"},
    "empty": {"PatientName": "", "SliceThickness": None, "SeriesNumber": None},
    "is-float": {"InstanceNumber": b"1.0 "},
    "ds-odd": {"SliceThickness": " +1.5E+00 ", "RescaleSlope": ".5"},
    "ds-bad": {"RescaleSlope": b"abc "},
    "ds-nan": {"RescaleIntercept": b"NaN "},
    "ipp-short": {"ImagePositionPatient": ["1", "2"]},
    "frames": {"NumberOfFrames": "1"},
    "imager-one": {"ImagerPixelSpacing": "0.2"},
    "imager-two": {"ImagerPixelSpacing": ["0.2", "0.3"]},
    "uid-trailing": {"StudyInstanceUID": "1.2.3.4\0"},
    "sequence": {
        "ReferencedImageSequence": Sequence(
            [Dataset(), Dataset()]  # filled below with nested sequences
        )
    },
    "functional-groups": {"SharedFunctionalGroupsSequence": Sequence([Dataset()])},
    "no-rows": {"Rows": None},
}


def _edge_file(name: str, folder: Path, implicit: bool) -> Path:
    ds = _ct_dataset(**EDGE_CASES[name])
    if name == "sequence":
        inner = Dataset()
        inner.ReferencedSOPClassUID = "1.2.3"
        inner.ReferencedSOPInstanceUID = "1.2.3.4"
        inner.PurposeOfReferenceCodeSequence = Sequence([Dataset()])
        ds.ReferencedImageSequence[0].update(inner)
    for kw in ("Rows",):
        if getattr(ds, kw, 0) is None:
            del ds[kw]
    return _write(ds, folder / f"{name}-{'i' if implicit else 'e'}.dcm", implicit)


@pytest.mark.parametrize("implicit", [False, True], ids=["explicit", "implicit"])
def test_edge_cases_agree(tmp_path: Path, implicit: bool) -> None:
    taken = {name: _same(_edge_file(name, tmp_path, implicit)) for name in EDGE_CASES}
    # the common cases take the fast path; the unusual ones leave it to pydicom
    for name in ("plain", "utf8-name", "gb18030", "latin1", "multi-text", "empty", "sequence"):
        assert taken[name], name
    for name in (
        "iso2022",
        "charset-misspelt",
        "is-float",
        "ds-bad",
        "ds-nan",
        "functional-groups",
    ):
        assert not taken[name], name


def test_corpora_agree() -> None:
    files = corpus_files()
    assert files
    taken = sum(_same(f) for f in files)
    assert taken > len(files) // 2  # most real files are simple ones


def test_demo_study_agrees(light_dir: Path) -> None:
    files = sorted(p for p in light_dir.rglob("*") if p.is_file() and p.suffix == ".dcm")
    assert len(files) > 100
    taken = [_same(f) for f in files[::3]]
    assert all(taken)  # generated data is always simple


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    folder = tmp_path_factory.mktemp("fastseed")
    spec = small_ct("fastheader", matrix=16, pixel=20.0, n_slices=3)
    return Path(S.write_slice(spec, 1, str(folder / "seed.dcm"))).read_bytes()


def test_every_truncation_agrees(seed: bytes, tmp_path: Path) -> None:
    ds = pydicom.dcmread(io.BytesIO(seed), stop_before_pixels=True)
    assert ds  # the seed is valid
    header_end = seed.index(b"\xe0\x7f\x10\x00") + 16
    f = tmp_path / "cut.dcm"
    for n in [*range(header_end), len(seed) - 1, len(seed)]:
        f.write_bytes(seed[:n])
        _same(f)


def test_byte_mutations_agree(seed: bytes, tmp_path: Path) -> None:
    rng = np.random.default_rng(20)
    header_end = seed.index(b"\xe0\x7f\x10\x00") + 12
    f = tmp_path / "mut.dcm"
    for _ in range(300):
        data = bytearray(seed)
        for _ in range(int(rng.integers(1, 4))):
            at = int(rng.integers(128, header_end))
            data[at] = int(rng.choice([0x00, 0xFF, 0x20, 0x5C, int(rng.integers(0, 256))]))
        f.write_bytes(bytes(data))
        _same(f)


def test_fast_path_is_taken_for_ordinary_files(seed: bytes, tmp_path: Path) -> None:
    f = tmp_path / "ok.dcm"
    f.write_bytes(seed)
    got = read_fast(str(f))
    assert got is not None
    assert got.pixel_tell == seed.index(b"\xe0\x7f\x10\x00")
    # a header longer than the first read is read in a second one
    ds = pydicom.dcmread(io.BytesIO(seed))
    ds.add_new(0x00091010, "OB", b"\0" * 100_000)
    ds.add_new(0x00090010, "LO", "PRIVATE")
    big = tmp_path / "big.dcm"
    ds.save_as(big)
    assert read_fast(str(big)) is not None
    _same(big)


def test_zip_members_agree(seed: bytes, light_dir: Path, tmp_path: Path) -> None:
    files = sorted(p for p in light_dir.rglob("*.dcm"))[::40]
    archive = tmp_path / "study.zip"
    header_end = seed.index(b"\xe0\x7f\x10\x00") + 16
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, f in enumerate(files):
            zf.write(f, f"DICOM/{n:04d}.dcm")
        for n in range(0, header_end, 37):
            zf.writestr(f"cut/{n:05d}.dcm", seed[:n])
    names = zipfile.ZipFile(archive).namelist()
    taken = {name: _same(FileRef(str(archive), name)) for name in names}
    assert all(v for k, v in taken.items() if k.startswith("DICOM/"))


def test_an_element_it_does_not_read_is_an_error_not_absent(seed: bytes, tmp_path: Path) -> None:
    """A keyword the scan starts reading must be added to NEEDED, or every scan fails loudly."""
    f = tmp_path / "ok.dcm"
    f.write_bytes(seed)
    got = read_fast(str(f))
    assert got is not None
    assert got.header.get("Rows") == 16
    with pytest.raises(LookupError):
        got.header.get("Manufacturer")
    with pytest.raises(LookupError):
        _ = "Manufacturer" in got.header


def test_hostile_corpus_agrees(tmp_path: Path) -> None:
    """Every object of the hostile corpus (bombs, lies, truncations, zip members...) gets the
    same answer, or the same refusal, with the fast path as without it."""
    from tests.hostile_corpus import build
    from viewer.dicom.walk import iter_refs

    _good, cases = build(tmp_path / "hostile", bomb_bytes=64 * 1024**2)
    refs = {ref for case in cases for ref in iter_refs([case.target], [])}
    assert len(refs) > 100
    taken = sum(_same(ref) for ref in sorted(refs, key=str))
    assert taken > len(refs) // 2  # the good series beside each case


def test_more_elements_than_the_careful_path_allows_agree(tmp_path: Path) -> None:
    """A header of 60,000 tiny elements fits in the fast path's megabyte: it must be refused as
    the careful path refuses it (more than header.MAX_TOP_ELEMENTS), not read."""
    ds = _ct_dataset()
    for i in range(60_000):
        ds.add_new((0x0009 << 16) | (0x1000 + i), "LO", "")
    path = _write(ds, tmp_path / "many.dcm")
    _same(path)
    assert _read(FileRef(str(path)), True)[0][0] == "refused"


@pytest.mark.parametrize("implicit", [False, True], ids=["explicit", "implicit"])
def test_an_element_running_past_its_item_agrees(tmp_path: Path, implicit: bool) -> None:
    """In an undefined-length sequence, an item of defined length whose element declares more
    than the item holds: pydicom reads inside the item and refuses; so must the fast path."""
    import struct

    data = _write(_ct_dataset(), tmp_path / "base.dcm", implicit).read_bytes()
    at = data.index(b"\x08\x00\x16\x00", 132 + 12)  # before SOP Class UID
    if implicit:
        inner = struct.pack("<HHI", 0x0010, 0x0010, 100)
        head = struct.pack("<HHI", 0x0008, 0x1140, 0xFFFFFFFF)
    else:
        inner = struct.pack("<HH2sH", 0x0010, 0x0010, b"PN", 100)
        head = struct.pack("<HH2sHI", 0x0008, 0x1140, b"SQ", 0, 0xFFFFFFFF)
    item = struct.pack("<HHI", 0xFFFE, 0xE000, len(inner)) + inner
    seq = head + item + struct.pack("<HHI", 0xFFFE, 0xE0DD, 0)
    path = tmp_path / "overrun.dcm"
    path.write_bytes(data[:at] + seq + data[at:])
    _same(path)
