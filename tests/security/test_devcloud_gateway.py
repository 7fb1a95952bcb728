"""Finding 9 (server side): the gateway never passes the archive's own error answers through."""

from __future__ import annotations

import requests

from tests.test_devcloud import ANY_TS, bearer, token_for_code


def test_archive_errors_are_the_gateways_own(devcloud) -> None:
    rec = next(r for r in devcloud.records if r["organisation"]["province_code"] == "35")
    tok = token_for_code(devcloud, rec["code"])
    root = devcloud.dicomweb_roots()["35"]
    study = f"{root}/studies/{rec['study_instance_uid']}"
    # the archive itself answers these with its own diagnostics
    orthanc = devcloud.orthancs["35"]
    raw = requests.get(
        f"{orthanc.dicomweb}/studies/{rec['study_instance_uid']}/series/1.2.3/metadata",
        auth=orthanc.auth,
    )
    assert raw.status_code == 404 and raw.content
    assert b"HttpError" in raw.content or b"Orthanc" in raw.content
    cases = (
        ("/series/1.2.3/metadata", "application/dicom+json", 404),
        ("/series/1.2.3", ANY_TS, 404),
        ("/series/1.2.3/metadata", "text/x-bogus", 502),  # the archive refuses the media type
    )
    for path, accept, want in cases:
        r = requests.get(study + path, headers=bearer(tok, Accept=accept))
        assert r.status_code == want, (path, r.status_code, r.headers.get("X-Archive-Status"))
        assert set(r.json()) == {"error"} and "provincial archive" in r.json()["error"]
        for leak in ("Orthanc", "HttpError", "OrthancError", "Method", "Uri", "1.2.3"):
            assert leak not in r.text
