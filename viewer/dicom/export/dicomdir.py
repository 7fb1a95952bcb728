"""A DICOMDIR at the root of a medium (PS3.10/PS3.11, as IHE PDI asks), via pydicom's FileSet."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pydicom import fileset
from pydicom.dataset import Dataset
from pydicom.fileset import FileSet
from pydicom.sequence import Sequence

Recorder = Callable[[Dataset], Dataset]


def _concept_modifiers_only(make: Recorder) -> Recorder:
    """PS3.3 F.5: an SR or key object record's Content Sequence holds only the root's HAS CONCEPT
    MOD items (pydicom copies the whole document, which validators reject)."""
    if getattr(make, "_yunying", False):
        return make

    def record(ds: Dataset) -> Dataset:
        rec = make(ds)
        if "ContentSequence" in rec:
            keep = [
                it for it in rec.ContentSequence if it.get("RelationshipType") == "HAS CONCEPT MOD"
            ]
            if keep:
                rec.ContentSequence = Sequence(keep)
            else:
                del rec.ContentSequence
        return rec

    record._yunying = True  # type: ignore[attr-defined]
    return record


for _kind in ("SR DOCUMENT", "KEY OBJECT DOC"):
    fileset.DIRECTORY_RECORDERS[_kind] = _concept_modifiers_only(  # type: ignore[assignment]
        fileset.DIRECTORY_RECORDERS[_kind]
    )


class MediumBuilder:
    """Collects objects for one file-set and writes them with their DICOMDIR under a root."""

    def __init__(self, file_set_id: str = "YUNYING") -> None:
        self.fs = FileSet()
        self.fs.ID = file_set_id[:16].upper()

    def add(self, ds: Dataset) -> None:
        """Stage one object (pydicom writes it to its own staging folder, not kept in memory)."""
        self.fs.add(ds)

    def write(self, root: Path) -> Path:
        """Write the staged objects and ``root/DICOMDIR``; returns the DICOMDIR's path."""
        root.mkdir(parents=True, exist_ok=True)
        self.fs.write(str(root))
        return root / "DICOMDIR"

    def __len__(self) -> int:
        return len(self.fs)
