"""The patient timeline asks the hospital front-end (a real Orthanc) for the patient's studies:
what was prefetched or sent there appears as held on the front-end, and another patient's study
there does not."""

from __future__ import annotations

from pathlib import Path

from cloudclient.frontend import FrontEnd
from phantoms import series as S
from viewer.dicom.scan import scan
from viewer.state.origin import Origin
from viewer.state.timeline import build, from_qido, subject_of


def _study(tmp: Path, pid: str, name: str, key: str) -> list[Path]:
    patient = S.PatientSpec(patient_id=pid, name=name, birth_date="19620314", sex="M")
    study = S.StudySpec(patient, key=key, date="20250301", time="101500", description="CT Chest")
    spec = S.ct_chest(study, n_slices=4, spacing=5.0, matrix=64, pixel=6.0)
    return [Path(p) for p in S.write_series(spec, str(tmp / key), workers=1)]


def test_the_front_ends_studies_of_the_patient_join_the_timeline(devcloud, tmp_path) -> None:
    fe = devcloud.frontend
    front = FrontEnd(fe.dicomweb, fe.user, fe.password)
    mine = _study(tmp_path, "TL-0001", "Zhang^San", "timeline-mine")
    other = _study(tmp_path, "TL-0002", "Zhang^San", "timeline-other")  # same name
    front.stow(mine + other)

    answers = front.studies("TL-0001")
    assert len(answers) == 1
    (patient,) = scan(str(mine[0].parent)).patients
    tl = build(subject_of(patient), from_qido(answers))
    (entry,) = tl.entries  # (no Issuer of Patient ID on either side: a probable match)
    assert entry.study_uid == patient.studies[0].study_uid
    assert entry.where is Origin.FRONTEND and entry.instances == 4
    assert "CT" in entry.modality and entry.description == "CT Chest"
    assert front.studies("") == []  # no Patient ID: nothing is asked
