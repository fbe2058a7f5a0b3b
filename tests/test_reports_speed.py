"""What keeps the dossier quick: a fixed, small number of queries, and paragraphs that are
made without the markup parser yet print exactly as reportlab's own."""

from __future__ import annotations

import datetime as dt

import pytest
from reportlab import rl_config
from reportlab.platypus import Paragraph

from casusregie.app.access import system_access
from casusregie.app.access.actor import actor_for_user
from casusregie.app.extensions import db
from casusregie.app.models import CaseSubject, Subject
from tests.support import count_queries

ALL_SECTIONS = ("decisions", "assessment", "plan", "interventions", "conferences", "notes")
#: The case with its subjects; decisions (of the case and its signals), their
#: organisations; assessments; plans with goals; interventions; agenda items with their
#: conferences; notes.
MAX_QUERIES = 8


def _print(app, case_id: int, username: str = "coordinator", **extra):
    from flask_babel import force_locale

    from casusregie.reports.dossier import PrintRequest, build_dossier

    with app.test_request_context(), system_access("test"), force_locale("nl"):
        user = app.appbuilder.sm.find_user(username=username)
        request = PrintRequest(user=user, actor=actor_for_user(user), purpose="Test",
                               locale="nl", sections=ALL_SECTIONS,
                               printed_at=dt.datetime(2026, 11, 30, 9, 15), **extra)
        with count_queries(app) as statements:
            printed = build_dossier(case_id, request)
    return printed, statements


def _benali(app) -> int:
    with app.app_context(), system_access("test set-up"):
        return db.session.query(CaseSubject.case_id).join(Subject).filter(
            Subject.last_name == "Benali").order_by(CaseSubject.case_id).first()[0]


def test_a_ten_intervention_dossier_takes_a_fixed_small_number_of_queries(app):
    from benchmarks.bench_dossier import _add_case

    with app.app_context(), system_access("test set-up"):
        case_id = _add_case(10)
    printed, statements = _print(app, case_id)
    assert printed is not None and printed.pages >= 4
    assert len(statements) <= MAX_QUERIES, "\n\n".join(statements)


def test_a_demo_dossier_with_conferences_and_signals_takes_as_few(app):
    printed, statements = _print(app, _benali(app))
    assert printed is not None
    assert len(statements) <= MAX_QUERIES, "\n\n".join(statements)


MARKUP = [
    "Hallo wereld",
    "  spaties   rondom  en\tertussen ",
    "Jansen &amp; Zn. &lt;b&gt;niet vet&lt;/b&gt;",
    "&amp;",
    "<b>30 mrt 2024</b>",
    "<b>Casusoverleg</b><br/><font size=7.5 color='#616e7c'>Weegploeg</font>",
    "<font size=7.5 color='#616e7c'>Nour Benali · Police 001, Prosecutor 002</font>",
    "<i>(niet getoond: geen need-to-know)</i>",
    "regel een<br/>regel twee<br/><br/>regel vier",
    "<b>1 apr 2024 08:54</b> — Finn Smit (Police 001)",
    "1. Doel <font size=8 color='#616e7c'> — Team &amp; Co · Open</font>",
    "ﻲﻧﺍﺮﻤﻌﻟﺍ ﺪﻤﺤﻣ en Zoë Ødegård, Şükrü Ağca",
    "\ue000 een teken uit het privégebied",
    "",
    "   ",
    "<b></b>",
    "a < b",
    "kapot <b>vet",
]


@pytest.mark.parametrize("text", MARKUP)
@pytest.mark.parametrize("style_name", ["Cell", "Body", "Heading3", "Muted"])
def test_paragraphs_are_made_as_reportlabs_parser_makes_them(text, style_name):
    from casusregie.reports.document import build_styles
    from casusregie.reports.flow import paragraph

    style = build_styles()[style_name]
    try:
        Paragraph(text, style)
    except ValueError:
        with pytest.raises(ValueError):
            paragraph(text, style)
        return
    for _ in range(2):  # the second time from the cache
        # Breaking the lines turns a paragraph's fragments into words: fresh ones each time.
        expected = Paragraph(text, style)
        made = paragraph(text, style)
        assert made.text == expected.text
        assert made.style is expected.style
        assert [f.__dict__ for f in made.frags] == [f.__dict__ for f in expected.frags]
        assert made.wrap(120, 500) == expected.wrap(120, 500)
        assert made.wrap(60, 500) == expected.wrap(60, 500)
        assert made.wrap(60, 10) == expected.wrap(60, 10)


def test_the_dossier_prints_byte_for_byte_as_with_reportlabs_paragraphs(app, monkeypatch):
    import casusregie.reports.common
    import casusregie.reports.dossier

    case_id = _benali(app)
    monkeypatch.setattr(rl_config, "invariant", 1)
    fast, _ = _print(app, case_id)
    monkeypatch.setattr(casusregie.reports.common, "paragraph", Paragraph)
    monkeypatch.setattr(casusregie.reports.dossier, "paragraph", Paragraph)
    plain, _ = _print(app, case_id)
    assert fast.pdf == plain.pdf


def test_plugin_sections_use_the_core_caches_and_print_the_same(app, monkeypatch):
    """``section_rows`` (the plugin sections' building block) parses each paragraph shape
    once and builds no style sheet per item, and prints as with reportlab's paragraphs."""
    from reportlab.platypus import Paragraph as PlainParagraph
    from reportlab.platypus import Table as PlainTable

    import casusregie.reports.sections
    from casusregie.app.hookspecs import DossierContext
    from casusregie.reports.flow import _parse_shape

    # No styles of the dossier's own: the sample style sheet's, as a plugin's own test has.
    ctx = DossierContext(case=None, actor=None, locale="nl", styles={},
                         gettext=str, format_date=str, display_value=str, data=None)
    rows = [(f"Label {n}", f"Waarde {n} & meer") for n in range(6)]
    sheets: list[int] = []
    original_sheet = casusregie.reports.sections.getSampleStyleSheet
    monkeypatch.setattr(casusregie.reports.sections, "getSampleStyleSheet",
                        lambda: sheets.append(1) or original_sheet())
    casusregie.reports.sections._sample.cache_clear()
    _parse_shape.cache_clear()
    section_rows = casusregie.reports.sections.section_rows
    made = [f for n in range(50) for f in section_rows(ctx, f"Item {n}", rows)]
    assert _parse_shape.cache_info().misses <= 3  # title, label and value shapes
    assert len(sheets) <= 1

    monkeypatch.setattr(casusregie.reports.sections, "paragraph", PlainParagraph)
    monkeypatch.setattr(casusregie.reports.sections, "Table", PlainTable)
    plain = [f for n in range(50) for f in section_rows(ctx, f"Item {n}", rows)]
    for fast, slow in zip(made, plain, strict=True):
        assert fast.wrap(400, 800) == slow.wrap(400, 800)
