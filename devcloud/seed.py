"""Synthetic insured patients with exams in both provincial clouds, indexed with valid codes.

Images come from the project's phantom generator; each exam is uploaded to the Orthanc of the
province whose hospital holds it and indexed under a valid 78-character code (real division codes,
correct check characters). Generated DICOM is cached, so seeding again is quick.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

from cloudclient.indexcode import format_code
from devcloud.cloud import PROVINCES, load_state
from devcloud.orgs import ORGS, Organisation
from devcloud.orthanc import OrthancServer
from devcloud.store import Store
from phantoms import series as S
from phantoms import store as phantom_store


@dataclass(frozen=True)
class SeedPatient:
    """A synthetic insured patient the development cloud is seeded with."""

    psn: str
    name: str
    id_number: str
    phone: str
    pin: str
    birth_date: str
    sex: str


def id_check(first17: str) -> str:
    """GB 11643 check character of a resident identity number."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights, strict=True)) % 11]


def _patient(n: int, name: str, birth: str, sex: str, division: str) -> SeedPatient:
    first17 = f"{division}{birth}{100 + n:03d}"[:17]
    return SeedPatient(
        psn=f"{10000000000000000708463100 + n:026d}",
        name=name,
        id_number=first17 + id_check(first17),
        phone=f"1380013{n:04d}",
        pin=f"{246800 + n}",
        birth_date=birth,
        sex=sex,
    )


PATIENTS = [
    _patient(1, "Zhang^San=张^三", "19620314", "M", "350203"),
    _patient(2, "Li^Si=李^四", "19751102", "F", "320102"),
    _patient(3, "Wang^Wu=王^五", "19880720", "M", "350102"),
    _patient(4, "Zhao^Liu=赵^六", "19550201", "F", "320508"),
    _patient(5, "Chen^Qi=陈^七", "19990909", "M", "350203"),
]

# (patient index, organisation, exam date-time, kind, description)
EXAMS = [
    (0, "xiamen", "202611101430", "petct", "PET/CT 全身 Whole body FDG"),
    (0, "nanjing", "202609180915", "mr", "MR 头颅平扫 Head"),
    (0, "xiamen", "202605061010", "ct", "CT 胸部平扫 Chest"),
    (1, "nanjing", "202611200845", "ct", "CT 胸腹部增强 Chest/Abdomen"),
    (1, "fuzhou", "202503141620", "ct", "CT 胸部平扫 Chest"),
    (2, "fuzhou", "202610081100", "ct", "CT 胸部平扫 Chest"),
    (2, "fuzhou", "202610081100", "mr", "MR 头颅 Head (same minute: same code)"),
    (3, "suzhou", "202611011300", "ct", "CT 胸部 Chest"),
    (4, "xiamen", "202611150800", "mr", "MR 头颅 Head"),
]


def _exam_specs(
    p: SeedPatient, org: Organisation, when: str, kind: str, desc: str, light: bool
) -> list[S.SeriesSpec]:
    patient = S.PatientSpec(
        patient_id=p.psn[-10:],
        name=p.name,
        birth_date=p.birth_date,
        sex=p.sex,
        institution=org.name,
    )
    study = S.StudySpec(
        patient,
        key=f"seed-{p.psn}-{when}-{kind}",
        date=when[:8],
        time=when[8:] + "00",
        description=desc,
        accession=f"A{when[2:]}{org.org_body[-3:]}",
    )
    n = 40 if light else 120
    if kind == "mr":
        return [S.mr_head(study, transfer_syntax="jpegls", n_slices=20 if light else 30)]
    ct = S.ct_chest(
        study,
        n_slices=n,
        spacing=400.0 / n,
        matrix=256,
        pixel=1.4,
        transfer_syntax="rle",
        noise_sd=6.0,
    )
    if kind == "petct":
        pet = S.pet_body(study, transfer_syntax="j2k", n_slices=67, spacing=6.0, z_top=199.0)
        return [ct, pet]
    return [replace(ct, transfer_syntax="explicit")] if kind == "ct" and light else [ct]


#: Where the DICOM files of each seeded study came from (study UID → folder), for tests.
SOURCE_FOLDERS: dict[str, Path] = {}


def _write_exam(specs: list[S.SeriesSpec], out: str) -> None:
    for i, spec in enumerate(specs):
        S.write_series(spec, f"{out}/{i}")


def seed(state_dir: Path, patients: int = 3, light: bool = True) -> list[dict[str, Any]]:
    """Seed the running devcloud at ``state_dir``; returns the index records made."""
    state = load_state(state_dir)
    store = Store(Path(state_dir) / "index.sqlite")
    orthancs = {
        p: OrthancServer(
            f"prov{p}",
            Path(state_dir) / f"orthanc-{p}",
            int(info["url"].rsplit(":", 1)[1]),
            info["user"],
            state["orthanc_passwords"][p],
        )
        for p, info in state["orthancs"].items()
    }
    chosen = PATIENTS[:patients]
    records = []
    for pi, org_key, when, kind, desc in EXAMS:
        if pi >= len(chosen):
            continue
        p = chosen[pi]
        org = ORGS[org_key]
        specs = _exam_specs(p, org, when, kind, desc, light)
        key = "-".join(s.series_uid[-8:] for s in specs)
        folder = phantom_store.ensure(
            f"seed-{kind}", partial(_write_exam, specs), {"key": key, "light": light}
        )
        files = sorted(folder.rglob("*.dcm"))
        orthancs[org.province_code].upload(files)
        code = format_code(p.psn, dt.datetime.strptime(when, "%Y%m%d%H%M"), org.uscc)
        modalities = sorted({s.modality for s in specs})
        record = {
            "code": code.compact,
            "psn": p.psn,
            "exam_datetime": dt.datetime.strptime(when, "%Y%m%d%H%M").isoformat(),
            "modality": "\\".join(modalities),
            "body_part": "HEAD" if kind == "mr" else "CHEST",
            "description": desc,
            "organisation": {
                "name": org.name,
                "uscc": org.uscc,
                "division": org.division,
                "province_code": org.province_code,
                "province": PROVINCES[org.province_code][0],
                "province_en": PROVINCES[org.province_code][1],
            },
            "study_instance_uid": specs[0].study.study_uid,
            "series_count": len(specs),
            "instance_count": len(files),
            "size_bytes": sum(f.stat().st_size for f in files),
        }
        store.add_record(record)
        records.append(record)
        SOURCE_FOLDERS[specs[0].study.study_uid] = folder
    for p in chosen:
        store.add_patient(p.psn, p.name, p.id_number, p.phone, p.pin, p.birth_date, p.sex)
    return records
