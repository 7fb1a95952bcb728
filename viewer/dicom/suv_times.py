"""What a PET header says about the dose and its timing, read for SUV (see :mod:`viewer.dicom.suv`).

Injected dose, half-life, the reference time of START decay correction (vendor private times
included) and the injection time, each after QIBA's pseudo-code and the IBSI SUV manual; any
guess is appended to ``notes``, anything missing or inconsistent raises :class:`SuvError`
naming the attribute.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta

from pydicom.dataset import Dataset

from viewer.dicom.i18n import translate
from viewer.dicom.values import date_time, float_of, parse_datetime, parse_time, private_text

GE_CREATOR = "GEMS_PETD_01"
SIEMENS_CREATOR = "SIEMENS MED PT"


class SuvError(ValueError):
    """SUV cannot be computed; the message names the missing or inconsistent attribute."""


def radiopharm(ds: Dataset) -> Dataset:
    seq = ds.get("RadiopharmaceuticalInformationSequence")
    if not seq:
        raise SuvError("Radiopharmaceutical Information Sequence (0054,0016) is missing")
    return seq[0]


def injected_dose_bq(ds: Dataset, notes: list[str], in_mbq: bool = False) -> float:
    """Radionuclide Total Dose (0018,1074) in Bq, read in the unit its IOD gives it (Bq; MBq in
    the Enhanced PET Isotope Module: ``in_mbq``), or in the other when only that is plausible
    (no PET dose is below 10 kBq, nor a TBq), which is said in ``notes``."""
    dose = float_of(radiopharm(ds), "RadionuclideTotalDose")
    if dose is None:
        raise SuvError(translate("SUV", "Radionuclide Total Dose (0018,1074) is missing"))
    if dose <= 0:
        raise SuvError(
            translate(
                "SUV", "Radionuclide Total Dose (0018,1074) of {0} is not a positive dose"
            ).format(f"{dose:g}")
        )
    if 1e4 <= dose < 1e6:
        raise SuvError(
            (
                translate(
                    "SUV", "Radionuclide Total Dose (0018,1074) of {0} is implausible in MBq or Bq"
                )
                if in_mbq
                else translate(
                    "SUV", "Radionuclide Total Dose (0018,1074) of {0} is implausible in Bq or MBq"
                )
            ).format(f"{dose:g}")
        )
    if dose < 1e4:  # MBq
        if not in_mbq:
            notes.append(
                translate("SUV", "Radionuclide Total Dose {0} read as MBq").format(f"{dose:g}")
            )
        return dose * 1e6
    if in_mbq:
        notes.append(
            translate(
                "SUV", "Radionuclide Total Dose {0} read as Bq (Enhanced PET says MBq)"
            ).format(f"{dose:g}")
        )
    return dose


def half_life_s(ds: Dataset) -> float:
    t = float_of(radiopharm(ds), "RadionuclideHalfLife")
    if t is None:
        raise SuvError(translate("SUV", "Radionuclide Half Life (0018,1075) is missing"))
    if t <= 0:
        raise SuvError(
            translate(
                "SUV", "Radionuclide Half Life (0018,1075) of {0} s is not a half-life"
            ).format(f"{t:g}")
        )
    return t


def scan_datetime(datasets: Sequence[Dataset], notes: list[str]) -> datetime:
    """The time START decay correction refers to (the rules: :mod:`viewer.dicom.suv`)."""
    siemens = private_text(datasets[0], 0x0071, SIEMENS_CREATOR, 0x22)
    if siemens:  # Siemens writes the decay correction reference itself (IBSI)
        t = parse_datetime(siemens)
        if t is None:
            raise SuvError(
                translate(
                    "SUV", "Siemens Decay Correction DateTime (0071,1022) {0} is not valid"
                ).format(repr(siemens))
            )
        notes.append(
            translate("SUV", "decay corrected to Siemens Decay Correction DateTime (0071,1022)")
        )
        return t
    acq = [date_time(ds, "AcquisitionDate", "AcquisitionTime") for ds in datasets]
    known = [a for a in acq if a is not None]
    series = date_time(datasets[0], "SeriesDate", "SeriesTime")
    earliest = min(known) if known else None
    if series is not None and (earliest is None or series <= earliest):
        return series
    ge = private_text(datasets[0], 0x0009, GE_CREATOR, 0x0D)
    if ge:
        t = parse_datetime(ge)
        if t is not None:
            notes.append(
                translate(
                    "SUV", "Series Time after Acquisition Time: GE scan date-time (0009,100D) used"
                )
            )
            return t
    if earliest is not None:
        notes.append(
            translate(
                "SUV", "Series Time after Acquisition Time: the earliest Acquisition Time used"
            )
        )
        return earliest
    raise SuvError(
        translate("SUV", "Series Date/Time (0008,0021/0031) and Acquisition Date/Time are missing")
    )


#: IBSI: a Start DateTime more than an hour after, or two half-lives or more before, the reference
#: time has an unreliable date (e.g. de-identified); only its time of day is used.
DATETIME_WINDOW_S = (-3600.0, 2.0)  # (seconds, half-lives)
#: IBSI: a time of day places the injection only for half-lives below 11.5 h (uptake < 1 day).
TIME_ONLY_MAX_HALF_LIFE_S = 41400.0
START_DT = "Radiopharmaceutical Start DateTime (0018,1078)"
START_TM = "Radiopharmaceutical Start Time (0018,1072)"


def injection_datetime(
    ds: Dataset, ref: datetime, half_life: float, notes: list[str]
) -> tuple[datetime, str]:
    """When the radiopharmaceutical was given, and the attribute that says so (IBSI's rules).

    A Start DateTime within [−1 h, 2 half-lives) before ``ref`` is taken as it is. Otherwise,
    or without one, a time of day is placed on ``ref``'s day, or the day before when it is
    more than an hour after ``ref``'s time of day (injected before midnight) — only for
    half-lives below 11.5 h, where the uptake is surely shorter than a day.
    """
    rp = radiopharm(ds)
    dt = str(rp.get("RadiopharmaceuticalStartDateTime", "") or "").strip()
    tod: timedelta | None
    if dt:
        t = parse_datetime(dt)
        if t is None:
            raise SuvError(translate("SUV", "{0} {1} is not valid").format(START_DT, repr(dt)))
        delta = (ref - t).total_seconds()
        lo, hi = DATETIME_WINDOW_S
        if lo <= delta < hi * half_life:
            return t, START_DT
        tod = t - datetime(t.year, t.month, t.day)
        source = translate("SUV", "the time of day of {0}").format(START_DT)
        guess = (
            translate(
                "SUV", "{0} {1} lies {2} h before the scan: its time of day used, on the scan's day"
            )
            if delta >= 0
            else translate(
                "SUV", "{0} {1} lies {2} h after the scan: its time of day used, on the scan's day"
            )
        ).format(START_DT, dt, f"{abs(delta) / 3600:.1f}")
    else:
        tod = parse_time(str(rp.get("RadiopharmaceuticalStartTime", "") or ""))
        if tod is None:
            raise SuvError(
                translate("SUV", "{0} and Start Time (0018,1072) are missing").format(START_DT)
            )
        source, guess = START_TM, ""
    if half_life >= TIME_ONLY_MAX_HALF_LIFE_S:
        raise SuvError(
            translate(
                "SUV",
                "{0} is missing or disagrees with the scan date, and with a half-life of "
                "{1} h a time of day cannot date the injection",
            ).format(START_DT, f"{half_life / 3600:.1f}")
        )
    day = datetime(ref.year, ref.month, ref.day)
    start = day + tod
    if (ref - start).total_seconds() < DATETIME_WINDOW_S[0]:  # injected before midnight
        start -= timedelta(days=1)
    if guess:
        notes.append(guess)
    return start, source


#: More half-lives than this between injection and scan means the dates are wrong.
MAX_HALF_LIVES = 10.0


def check_decay_time(seconds: float, half_life: float, source: str) -> None:
    if seconds < 0:
        raise SuvError(
            translate("SUV", "{0} is {1} min after the scan").format(source, f"{-seconds / 60:.0f}")
        )
    if seconds > MAX_HALF_LIVES * half_life:
        raise SuvError(
            translate(
                "SUV", "{0} is {1} h before the scan ({2} half-lives): the dates are inconsistent"
            ).format(source, f"{seconds / 3600:.1f}", f"{seconds / half_life:.0f}")
        )


def decayed(dose: float, seconds: float, half_life: float) -> float:
    return dose * 2.0 ** (-seconds / half_life)


def seconds_since_injection(
    injection_ds: Dataset, at: datetime, half_life: float, notes: list[str]
) -> float:
    """Seconds from the injection (``injection_ds``'s radiopharmaceutical item) to ``at``,
    checked against the half-life (:func:`check_decay_time`)."""
    inj, source = injection_datetime(injection_ds, at, half_life, notes)
    dt = (at - inj).total_seconds()
    check_decay_time(dt, half_life, source)
    return dt


def decayed_over_frame(dose: float, seconds: float, duration_s: float, half_life: float) -> float:
    """The dose's mean activity over a frame that starts ``seconds`` after the injection and
    lasts ``duration_s`` (images not decay corrected: the decay during the frame counts)."""
    x = math.log(2) / half_life * duration_s
    return decayed(dose, seconds, half_life) * (1.0 - math.exp(-x)) / x
