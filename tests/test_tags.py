"""The tag browser: the header tree (Qt-free) and the dialog that shows it."""

from __future__ import annotations

from pathlib import Path

import pydicom
import pytest

from phantoms.pet import PetCase, write_case
from viewer.dicom.tags import build_tree, read_header, search


@pytest.fixture(scope="module")
def pet_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tags")
    case = PetCase(
        "tags",
        ge_scan_datetime="20261120142000",
        philips_suv=(2e-4,) * 4,
        extra={"PatientName": "Zhang^San=张^三", "SpecificCharacterSet": "ISO_IR 192"},
    )
    return Path(write_case(case, str(folder))[0])


def test_tree_has_meta_sequences_and_private_creators(pet_file: Path) -> None:
    tree = build_tree(read_header(pet_file))
    assert tree.nodes[0].tag.startswith("(0002,")  # file meta first
    rp = tree.find("(0054,0016)")
    assert rp is not None and rp.vr == "SQ" and rp.value == "1 item"
    (item,) = rp.children
    assert item.name == "Item 1"
    dose = next(c for c in item.children if c.keyword == "RadionuclideTotalDose")
    assert dose.value == "370000000" and dose.tag == "(0018,1074)"
    ge = tree.find("(0009,100D)")
    assert ge is not None and ge.private_creator == "GEMS_PETD_01"
    assert ge.value == "20261120142000"
    ph = tree.find("(7053,1000)")
    assert ph is not None and ph.private_creator == "Philips PET Private Group"
    assert ph.name == "SUV Scale Factor"
    creator = tree.find("(0009,0010)")
    assert creator is not None and creator.name == "Private Creator"
    name = tree.find("(0010,0010)")
    assert name is not None and "张^三" in name.value


def test_search_keeps_the_path_to_a_match_inside_a_sequence(pet_file: Path) -> None:
    tree = build_tree(read_header(pet_file))
    hits = search(tree.nodes, "half life")
    assert [n.tag for n in hits] == ["(0054,0016)"]
    leaf = hits[0].children[0].children
    assert [n.keyword for n in leaf] == ["RadionuclideHalfLife"]
    assert search(tree.nodes, "0010,1030")[0].keyword == "PatientWeight"
    assert search(tree.nodes, "GEMS_PETD")  # private elements are found by their creator
    assert search(tree.nodes, "no such thing anywhere") == []
    assert search(tree.nodes, "  ") == tree.nodes


def test_binary_values_and_huge_headers_stay_bounded(pet_file: Path) -> None:
    ds = pydicom.dcmread(pet_file)  # pixel data included
    tree = build_tree(ds)
    px = tree.find("(7FE0,0010)")
    assert px is not None and px.value == f"<{8 * 8 * 2} bytes>"
    small = build_tree(ds, max_nodes=10)
    assert small.truncated and sum(1 for _ in small.walk()) == 10


def test_browser_widget_shows_searches_and_reports_errors(
    qtbot, pet_file: Path, tmp_path: Path
) -> None:
    from app.tags import show_tags

    dlg = show_tags(None, str(pet_file))
    qtbot.addWidget(dlg)
    rows = {it.text(0): it for it in dlg.items()}
    assert "(0009,100D) [GEMS_PETD_01]" in rows
    seq = rows["(0054,0016)"]
    assert seq.childCount() == 1 and seq.child(0).text(1) == "Item 1"
    assert seq.child(0).childCount() >= 4
    # typing in the search box filters and opens the path to the match
    qtbot.keyClicks(dlg.search_box, "HalfLife")
    shown = dlg.items()
    assert [it.text(0) for it in shown] == ["(0054,0016)", "", "(0018,1075)"]
    assert shown[0].isExpanded() and shown[2].text(3) == "6586.2"
    assert "of" in dlg.status.text()
    dlg.set_filter("")
    assert len(dlg.items()) == len(rows)
    # a Dataset works as well as a path; an unreadable file is said, not raised
    dlg.set_source(read_header(pet_file))
    assert len(dlg.items()) == len(rows)
    bad = tmp_path / "missing.dcm"
    dlg.set_source(str(bad))
    assert dlg.items() == [] and "missing.dcm" in dlg.status.text()
