"""The 78-character index code: the official example, every error naming its segment, properties."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cloudclient.indexcode import (
    USCC_ALPHABET,
    IndexCodeError,
    format_code,
    make_uscc,
    normalise,
    org_check_char,
    parse,
    uscc_check_char,
)

OFFICIAL = "10000000000000000708463177-202411221430-000000000-0000000000000-123502004266007916"


def test_official_example() -> None:
    code = parse(OFFICIAL)
    assert len(code.compact) == 78
    assert code.hyphenated == OFFICIAL
    assert code.person == "10000000000000000708463177"
    assert code.exam_time == dt.datetime(2024, 11, 22, 14, 30)
    assert code.body_part == "0" * 9 and code.device == "0" * 13
    assert code.organisation == "123502004266007916"
    assert code.division == "350200" and code.province == ("福建省", "Fujian")
    assert parse(code.compact) == code  # without hyphens
    assert uscc_check_char("12350200426600791") == "6"
    assert org_check_char("42660079") == "1"


@pytest.mark.parametrize(
    "text,segment,words",
    [
        (OFFICIAL[:-1] + "7", 5, "check character is '7'; expected '6'"),
        (OFFICIAL.replace("4266007916", "4266007926"), 5, "organisation code check"),
        (OFFICIAL.replace("20241122", "20240230"), 2, "not a real calendar date"),
        (OFFICIAL.replace("1430", "2460"), 2, "not a real calendar date"),
        (OFFICIAL[1:], 1, "25 characters; expected 26"),
        (OFFICIAL.replace("-000000000-", "-00000000-"), 3, "8 characters; expected 9"),
        (OFFICIAL.replace("123502", "129902"), 5, "names no province"),
        (OFFICIAL.replace("123502004266", "1235020042I6"), 5, "not allowed"),
        (OFFICIAL.replace("-", "")[:-2], 0, "76 characters; expected 78"),
        (OFFICIAL.replace("708463177", "70846317!"), 1, "only digits and capital letters"),
    ],
)
def test_errors_name_the_segment(text: str, segment: int, words: str) -> None:
    with pytest.raises(IndexCodeError) as err:
        parse(text)
    assert err.value.segment == segment
    assert words in str(err.value)


def test_lower_case_spaces_and_unicode_dashes_are_accepted() -> None:
    messy = " " + OFFICIAL.replace("-", " – ").lower() + "\n"
    assert parse(messy).compact == normalise(OFFICIAL)


digits = st.text(alphabet="0123456789", min_size=26, max_size=26)
times = st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2099, 12, 31))
divisions = st.sampled_from(["350200", "350102", "320102", "320508", "110105", "440305"])
org_bodies = st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=8, max_size=8)


@given(digits, times, divisions, org_bodies)
def test_any_well_formed_code_round_trips(person, when, division, body) -> None:
    when = when.replace(second=0, microsecond=0)
    code = format_code(person, when, make_uscc(division, body))
    assert parse(code.compact) == code
    assert parse(code.hyphenated) == code
    assert code.division == division


@given(
    digits,
    times,
    divisions,
    org_bodies,
    st.integers(min_value=60, max_value=77),
    st.sampled_from(USCC_ALPHABET),
)
def test_any_single_change_to_the_credit_code_is_caught(
    person, when, division, body, pos, ch
) -> None:
    code = format_code(person, when.replace(second=0, microsecond=0), make_uscc(division, body))
    text = code.compact
    if text[pos] == ch:
        return
    changed = text[:pos] + ch + text[pos + 1 :]
    # weights are non-zero modulo the prime 31: every single substitution changes the checksum
    with pytest.raises(IndexCodeError) as err:
        parse(changed)
    assert err.value.segment == 5
