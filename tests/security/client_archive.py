"""A hostile DICOMweb archive for the client's security tests: a real HTTP server on 127.0.0.1
(plain http is allowed on loopback) that answers QIDO honestly and WADO-RS in one of several
hostile ways, chosen per test with :attr:`HostileArchive.mode`."""

from __future__ import annotations

import contextlib
import http.server
import io
import json
import threading
import time
from dataclasses import dataclass, field

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

from cloudclient.national import ExamRecord

BOUNDARY = "hostile-boundary"
MODES = ("good", "huge", "endless", "slowloris", "retry_after", "redirect", "other_study")


def make_instance(study: str, series: str, sop: str, number: int, size: int = 32) -> bytes:
    """A small, valid CT instance (Part 10, explicit VR little endian)."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = CTImageStorage
    ds.file_meta.MediaStorageSOPInstanceUID = sop
    ds.SOPClassUID = CTImageStorage
    ds.SOPInstanceUID, ds.StudyInstanceUID, ds.SeriesInstanceUID = sop, study, series
    ds.Modality, ds.InstanceNumber = "CT", number
    ds.ImagePositionPatient = [0.0, 0.0, float(number)]
    ds.Rows = ds.Columns = size
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.PixelData = bytes(size * size * 2)
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return buf.getvalue()


@dataclass
class HostileArchive:
    """One study of ``count`` instances, served from ``url``; ``mode`` picks the misbehaviour of
    every WADO-RS answer; ``hits`` counts requests by path kind."""

    count: int = 4
    mode: str = "good"
    study: str = field(default_factory=generate_uid)
    series: str = field(default_factory=generate_uid)
    instances: dict[str, bytes] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)
    stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        for n in range(1, self.count + 1):
            sop = generate_uid()
            self.instances[sop] = make_instance(self.study, self.series, sop, n)
        self.foreign = make_instance(generate_uid(), self.series, generate_uid(), 1)
        archive = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"  # bodies end when the connection closes

            def log_message(self, *a: object) -> None:
                pass

            def do_GET(self) -> None:
                with contextlib.suppress(OSError):  # the client hung up (as it should)
                    archive.answer(self)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.elsewhere: list[str | None] = []  # Authorization headers the redirect target saw

        class Elsewhere(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a: object) -> None:
                pass

            def do_GET(self) -> None:
                archive.elsewhere.append(self.headers.get("Authorization"))
                self.send_response(200)
                self.end_headers()

        self.other = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Elsewhere)
        threading.Thread(target=self.other.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/dicom-web"

    def record(self) -> ExamRecord:
        return ExamRecord(
            code="",
            exam_datetime="2026-11-20T08:00:00",
            modality="CT",
            body_part="CHEST",
            description="hostile",
            organisation="",
            province="",
            province_code="35",
            study_uid=self.study,
            series_count=1,
            instance_count=self.count,
            size_bytes=sum(len(b) for b in self.instances.values()),
            dicomweb_root=self.url,
        )

    def close(self) -> None:
        self.stop.set()
        for srv in (self.server, self.other):
            srv.shutdown()
            srv.server_close()

    # ------------------------------------------------------------------ answers

    def _json(self, h: http.server.BaseHTTPRequestHandler, items: list[dict]) -> None:
        body = json.dumps(items).encode()
        h.send_response(200)
        h.send_header("Content-Type", "application/dicom+json")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    def answer(self, h: http.server.BaseHTTPRequestHandler) -> None:
        path = h.path.split("?")[0].rstrip("/")
        prefix = f"/dicom-web/studies/{self.study}/series"
        if path == prefix:
            self.hits["qido"] = self.hits.get("qido", 0) + 1
            self._json(
                h,
                [
                    {
                        "0020000E": {"vr": "UI", "Value": [self.series]},
                        "00201209": {"vr": "IS", "Value": [self.count]},
                    }
                ],
            )
            return
        if path == f"{prefix}/{self.series}/instances":
            self._json(
                h,
                [
                    {
                        "00080018": {"vr": "UI", "Value": [sop]},
                        "00200013": {"vr": "IS", "Value": [n]},
                        "00200032": {"vr": "DS", "Value": [0.0, 0.0, float(n)]},
                    }
                    for n, sop in enumerate(self.instances, start=1)
                ],
            )
            return
        if not path.startswith(f"{prefix}/{self.series}"):
            h.send_response(404)
            h.end_headers()
            return
        self.hits["wado"] = self.hits.get("wado", 0) + 1
        sop = path.rsplit("/", 1)[-1]
        parts = [self.instances[sop]] if sop in self.instances else list(self.instances.values())
        getattr(self, f"_{self.mode}")(h, parts)

    def _start(self, h: http.server.BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header(
            "Content-Type", f'multipart/related; type="application/dicom"; boundary={BOUNDARY}'
        )
        h.end_headers()

    def _part(self, data: bytes, length: int | None = None) -> bytes:
        head = f"--{BOUNDARY}\r\nContent-Type: application/dicom\r\n"
        if length is not None:
            head += f"Content-Length: {length}\r\n"
        return head.encode() + b"\r\n" + data + b"\r\n"

    def _good(self, h: http.server.BaseHTTPRequestHandler, parts: list[bytes]) -> None:
        self._start(h)
        for p in parts:
            h.wfile.write(self._part(p, len(p)))
        h.wfile.write(f"--{BOUNDARY}--\r\n".encode())

    def _huge(self, h: http.server.BaseHTTPRequestHandler, parts: list[bytes]) -> None:
        """A part that declares 1 GiB, its first 128 KiB at once, then a trickle of bytes. (The
        client reads part headers through a 64 KiB buffer it fills before it looks: with only
        a trickle after the header, the header was read when the request's deadline cut the
        connection, and which error came first was a race. A stall right after a header is
        the slowloris case.)"""
        self._start(h)
        h.wfile.write(self._part(b"\x00" * (128 << 10), 1 << 30)[:-2])
        self._trickle(h, 20.0)

    def _endless(self, h: http.server.BaseHTTPRequestHandler, parts: list[bytes]) -> None:
        """A part without a length whose body never ends (up to 400 MB, fast)."""
        self._start(h)
        h.wfile.write(f"--{BOUNDARY}\r\nContent-Type: application/dicom\r\n\r\n".encode())
        chunk = b"\x00" * (1 << 20)
        for _ in range(400):
            if self.stop.is_set():
                return
            h.wfile.write(chunk)

    def _slowloris(self, h: http.server.BaseHTTPRequestHandler, parts: list[bytes]) -> None:
        """A valid answer sent one byte every 0.2 s: under every read timeout, for ever."""
        self._start(h)
        self._trickle(h, 60.0, self._part(parts[0], len(parts[0])))

    def _trickle(
        self, h: http.server.BaseHTTPRequestHandler, seconds: float, data: bytes = b""
    ) -> None:
        data = data or b"\x00" * 10_000
        end = time.monotonic() + seconds
        for i in range(len(data)):
            if self.stop.is_set() or time.monotonic() > end:
                return
            h.wfile.write(data[i : i + 1])
            h.wfile.flush()
            time.sleep(0.2)

    def _retry_after(self, h: http.server.BaseHTTPRequestHandler, parts: list[bytes]) -> None:
        h.send_response(503)
        h.send_header("Retry-After", "100000")
        h.send_header("Content-Length", "0")
        h.end_headers()

    def _redirect(self, h: http.server.BaseHTTPRequestHandler, parts: list[bytes]) -> None:
        h.send_response(302)
        h.send_header("Location", f"http://127.0.0.1:{self.other.server_address[1]}/steal")
        h.send_header("Content-Length", "0")
        h.end_headers()

    def _other_study(self, h: http.server.BaseHTTPRequestHandler, parts: list[bytes]) -> None:
        """A well-formed answer carrying an instance of another study."""
        self._good(h, [self.foreign])
