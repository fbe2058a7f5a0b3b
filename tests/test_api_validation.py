"""The shared input rules (app.validation) the API and the screens both apply."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask

from casusregie.app import validation


@pytest.fixture()
def dutch(app: Flask):
    with app.test_request_context("/api/v1/case/"):
        app.preprocess_request()
        yield


@pytest.fixture()
def english(app: Flask):
    with app.test_request_context("/api/v1/case/", headers={"Accept-Language": "en"}):
        app.preprocess_request()
        yield


def test_date_order(dutch) -> None:
    assert validation.check_date_order(dt.date(2026, 1, 2), dt.date(2026, 1, 1)) == (
        "De einddatum (01-01-2026) ligt vóór de startdatum (02-01-2026).")
    assert validation.check_date_order(dt.date(2026, 1, 1), dt.date(2026, 1, 1)) is None
    assert validation.check_date_order(None, dt.date(2026, 1, 1)) is None
    assert validation.check_date_order(dt.datetime(2026, 1, 2, 9), dt.date(2026, 1, 1))


def test_date_order_in_english(english) -> None:
    assert validation.check_date_order(dt.date(2026, 1, 2), dt.date(2026, 1, 1)) == (
        "The end date (01-01-2026) lies before the start date (02-01-2026).")


def test_dates_in_the_future(dutch) -> None:
    today = dt.date(2026, 11, 29)
    assert validation.check_birth_date(dt.date(2026, 11, 30), today=today) == (
        "Een geboortedatum kan niet in de toekomst liggen.")
    assert validation.check_birth_date(today, today=today) is None
    assert validation.check_not_in_future(dt.date(2027, 1, 1), today=today) == (
        "Deze datum (01-01-2027) ligt in de toekomst.")
    assert validation.check_not_in_future(None) is None


@pytest.mark.parametrize(("value", "valid"), [
    ("111222333", True), ("123456782", True), (" 123456782 ", True), ("", True), (None, True),
    ("123456789", False), ("12345678a", False), ("1234567820", False), ("000000000", False),
])
def test_bsn_eleven_test(dutch, value, valid) -> None:
    message = validation.check_bsn(value)
    assert (message is None) is valid
    if not valid:
        assert "elfproef" in message


def test_text_length(dutch) -> None:
    assert validation.check_length("a" * 150, 150) is None
    assert validation.check_length("a" * 151, 150) == (
        "Er zijn hoogstens 150 tekens toegestaan; deze tekst heeft er 151.")
    assert validation.check_length(None, 1) is None
