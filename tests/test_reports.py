"""The confidential PDFs, read back as a user would: what they say, on every page, and
what they must not say to a reader who may not see it."""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from casusregie.app.access import system_access
from casusregie.app.extensions import db
from casusregie.app.models import (
    Case,
    CaseConference,
    CaseNote,
    CaseSubject,
    ConferenceStatus,
    Intervention,
    InterventionStatus,
    InterventionType,
    Organisation,
    Subject,
)
from casusregie.app.models.base import AppendOnlyError
from casusregie.reports.models import PrintLog

ALL_SECTIONS = ["decisions", "assessment", "plan", "interventions", "conferences", "notes"]
PURPOSE = "Voorbereiding casusoverleg van volgende week"


def pages_of(pdf: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(pdf))
    # Arabic is drawn in shaped (presentation) forms; NFKC folds them to the letters.
    return [unicodedata.normalize("NFKC", p.extract_text() or "") for p in reader.pages]


def flat(pages: list[str]) -> str:
    """All pages as one line: table cells wrap names over lines where they must."""
    return " ".join(" ".join(pages).split())


def case_id_of(app, last_name: str) -> int:
    with app.app_context(), system_access("test set-up"):
        return db.session.query(CaseSubject.case_id).join(Subject).filter(
            Subject.last_name == last_name).order_by(CaseSubject.case_id).first()[0]


def planned_conference_id(app) -> int:
    with app.app_context(), system_access("test set-up"):
        return db.session.query(CaseConference.id).filter(
            CaseConference.status == ConferenceStatus.planned).one()[0]


def print_dossier(browser, case_id: int, *, sections=None, purpose=PURPOSE, **extra):
    data = {"purpose": purpose, "sections": ALL_SECTIONS if sections is None else sections,
            **extra}
    return browser.submit(f"/print/dossier/{case_id}", data)


def print_log(app) -> list[PrintLog]:
    with app.app_context(), system_access("test"):
        rows = db.session.query(PrintLog).order_by(PrintLog.id).all()
        db.session.expunge_all()
        return rows


def assert_page_numbers(pages: list[str], word: str, of: str) -> None:
    total = len(pages)
    for number, text in enumerate(pages, start=1):
        found = re.findall(rf"{word} (\d+) {of} (\d+)", text)
        assert found == [(str(number), str(total))], (number, found)


def test_coordinator_prints_a_complete_dossier(app, browser):
    case_id = case_id_of(app, "Benali")
    browser.login("coordinator")
    resp = print_dossier(browser, case_id, recipient="Casusoverleg 6 december")
    assert resp.status_code == 200
    assert resp.mimetype == "application/pdf"
    today = dt.datetime.now(ZoneInfo("Europe/Amsterdam")).date().isoformat()
    disposition = resp.headers["Content-Disposition"]
    assert "attachment" in disposition
    with app.app_context(), system_access("test"):
        number = db.session.get(Case, case_id).number
    assert f"dossier-{number}-{today}.pdf" in disposition
    assert resp.headers["Cache-Control"] == "no-store"

    pages = pages_of(resp.data)
    text = flat(pages)
    assert len(pages) >= 4
    assert_page_numbers(pages, "Pagina", "van")
    for page in pages:
        assert "VERTROUWELIJK" in page
        assert number in page
        assert "Afgedrukt door Coen de Coördinator" in page
        # The watermark names the printing user and the day.
        assert "Coen de Coördinator · coordinator" in page
    for expected in ("Casusdossier", "Karim Benali", "geboren 14 mrt 1989", "BSN 111222333",
                     "Risicogroep", "Regievoerder", "Rana Regisseur", PURPOSE,
                     "Casusoverleg 6 december", "Inhoud", "Besluiten", "Duiding",
                     "Risicofactoren", "Beschermende factoren", "Plan van aanpak",
                     "Karim verwerkt zijn ervaringen met professionele hulp.",
                     "Interventies per partner en domein", "GGZ-behandeling",
                     "Begeleiding naar werk of school", "Casusoverleggen",
                     "Stadhuis, kamer 3.14", "Aantekeningen",
                     "Gesprek met Karim gehad; hij is gemotiveerd voor werk.",
                     "Contact met bekende ronselaar gemeld; toezicht verscherpt."):
        assert expected in text, expected
    # The table of contents names the sections with the page they start on.
    contents = pages[1]
    start = next(i for i, p in enumerate(pages, start=1) if "Plan van aanpak\n" in p and i > 2)
    assert re.search(rf"Plan van aanpak[\s.]*\b{start}\n", contents), contents

    [entry] = print_log(app)
    assert (entry.username, entry.document, entry.case_id, entry.reference) == (
        "coordinator", "dossier", case_id, number)
    assert entry.sections.split(",") == ALL_SECTIONS
    assert entry.purpose == PURPOSE
    assert entry.recipient == "Casusoverleg 6 december"
    assert entry.pages == len(pages)
    assert entry.organisation == "Gemeente Amsterdam – OOV"


def test_only_the_chosen_sections_are_printed(app, browser):
    browser.login("coordinator")
    resp = print_dossier(browser, case_id_of(app, "Benali"), sections=["decisions", "notes"])
    text = flat(pages_of(resp.data))
    assert "Besluiten" in text and "Gesprek met Karim gehad" in text
    assert "Risicofactoren" not in text and "GGZ-behandeling" not in text
    assert print_log(app)[0].sections == "decisions,notes"


@pytest.mark.parametrize("data, message", [
    ({"purpose": "", "sections": ALL_SECTIONS}, "Vermeld het doel van deze afdruk."),
    ({"purpose": "   ", "sections": ALL_SECTIONS}, "Vermeld het doel van deze afdruk."),
    ({"purpose": "kort", "sections": ALL_SECTIONS}, "Beschrijf het doel in 5 tot 500 tekens."),
    ({"purpose": "x" * 501, "sections": ALL_SECTIONS},
     "Beschrijf het doel in 5 tot 500 tekens."),
    ({"purpose": PURPOSE, "sections": []}, "Kies ten minste één onderdeel."),
    ({"purpose": PURPOSE, "sections": ["decisions", "everything"]}, "everything"),
])
def test_bad_input_is_refused_next_to_the_field_and_nothing_is_printed(app, browser, data,
                                                                       message):
    browser.login("coordinator")
    case_id = case_id_of(app, "Benali")
    resp = browser.submit(f"/print/dossier/{case_id}", data)
    assert resp.status_code == 200
    assert resp.mimetype == "text/html"
    assert message in resp.text
    assert 'class="form-group has-error"' in resp.text or "has-error" in resp.text
    # What the user typed is kept.
    if data["purpose"].strip():
        assert data["purpose"] in resp.text
    assert print_log(app) == []


def test_print_without_csrf_token_is_refused(app, browser):
    browser.login("coordinator")
    resp = browser.post(f"/print/dossier/{case_id_of(app, 'Benali')}",
                        {"purpose": PURPOSE, "sections": ALL_SECTIONS})
    assert resp.status_code == 400
    assert print_log(app) == []


@pytest.mark.parametrize("username", ["politie", "ggd", "jongerenwerk", "privacy", "beheerder"])
def test_roles_without_the_print_permission_get_no_pdf(app, browser, username):
    browser.login(username)
    case_id = case_id_of(app, "Benali")
    resp = browser.get(f"/print/dossier/{case_id}")
    assert resp.status_code in (302, 403)
    assert resp.mimetype != "application/pdf"
    resp = browser.client.get(f"/print/agenda/{planned_conference_id(app)}")
    assert resp.status_code in (302, 403)


def test_anonymous_visitor_is_sent_to_login(app, browser):
    resp = browser.get(f"/print/dossier/{case_id_of(app, 'Benali')}")
    assert resp.status_code == 302
    assert "/login" in resp.headers["Location"]


def test_case_director_cannot_print_a_case_outside_their_scope(app, browser):
    # Zoë's case has no case director and no admission for the municipality's director.
    browser.login("regisseur")
    assert browser.get(f"/print/dossier/{case_id_of(app, 'Ødegård')}").status_code == 404
    assert browser.get("/print/dossier/999999").status_code == 404
    assert print_log(app) == []


def test_case_director_does_not_see_the_bsn(app, browser):
    browser.login("regisseur")
    resp = print_dossier(browser, case_id_of(app, "Benali"))
    text = flat(pages_of(resp.data))
    assert "Karim Benali" in text
    assert "111222333" not in text
    assert "Rana Regisseur · regisseur" in text


def _grant_print_to_partners(app) -> None:
    """A functional administrator may grant printing to partner staff in the UI."""
    with app.app_context(), system_access("test set-up"):
        sm = app.appbuilder.sm
        role = sm.find_role("Ketenpartner")
        sm.add_permission_role(role, sm.find_permission_view_menu("can_dossier",
                                                                  "DossierPrintView"))
        db.session.commit()


def test_partner_dossier_has_only_its_own_interventions(app, browser):
    _grant_print_to_partners(app)
    browser.login("jongerenwerk")
    resp = print_dossier(browser, case_id_of(app, "Benali"))
    assert resp.status_code == 200, resp.text[:500]
    text = flat(pages_of(resp.data))
    assert "Karim Benali" in text
    assert "Begeleiding naar werk of school" in text
    for other in ("GGZ-behandeling", "Bijzondere voorwaarden", "111222333"):
        assert other not in text, other


def test_partner_cannot_print_a_case_it_is_not_admitted_to(app, browser):
    _grant_print_to_partners(app)
    browser.login("jongerenwerk")
    assert browser.get(f"/print/dossier/{case_id_of(app, 'Verhoef')}").status_code == 404


@pytest.mark.parametrize("last_name, name", [
    ("Ağca", "Şükrü Ağca"),
    ("Ødegård", "Zoë Ødegård"),
    ("العمراني", "محمد العمراني"),
])
def test_names_in_every_script_are_embedded_and_extractable(app, browser, last_name, name):
    browser.login("coordinator")
    resp = print_dossier(browser, case_id_of(app, last_name))
    assert resp.status_code == 200
    pages = pages_of(resp.data)
    assert name in pages[0]
    reader = PdfReader(io.BytesIO(resp.data))
    fonts = {str(f["/BaseFont"]) for page in reader.pages
             for f in page["/Resources"]["/Font"].values()}
    # Only embedded TrueType subsets, none of the 14 standard fonts.
    assert fonts and all("DejaVuSans" in f or "CasusSans" in f for f in fonts), fonts


def test_english_dossier_for_an_english_reader(app, browser):
    browser.login("coordinator")
    browser.get("/lang/en")
    resp = print_dossier(browser, case_id_of(app, "Benali"))
    pages = pages_of(resp.data)
    text = flat(pages)
    assert_page_numbers(pages, "Page", "of")
    for expected in ("CONFIDENTIAL", "Case dossier", "Contents", "Decisions", "Risk factors",
                     "Interventions by partner and domain", "born 14 Mar 1989",
                     "Printed by Coen de Coördinator"):
        assert expected in text, expected
    assert "VERTROUWELIJK" not in text
    assert print_log(app)[0].locale == "en"


def test_a_thousand_interventions_and_long_texts_stay_readable(app, browser):
    case_id = case_id_of(app, "Ødegård")
    long_note = " ".join(f"Zin {n} van een lang verslag over het gesprek." for n in range(700))
    with app.app_context(), system_access("test set-up"):
        types = db.session.query(InterventionType).all()
        orgs = {o.id: o for o in db.session.query(Organisation)}
        author = app.appbuilder.sm.find_user(username="coordinator")
        start = dt.date(2026, 1, 1)
        for n in range(1000):
            kind = types[n % len(types)]
            db.session.add(Intervention(
                case_id=case_id, type=kind, organisation=orgs[kind.organisation_id],
                status=list(InterventionStatus)[n % 4], start_date=start + dt.timedelta(n),
                outcome=f"Verslag {n}: " + "voortgang besproken met betrokkene. " * (n % 5)))
        db.session.add(CaseNote(case_id=case_id, author=author, text=long_note))
        db.session.commit()
    browser.login("coordinator")
    resp = print_dossier(browser, case_id, sections=["interventions", "notes"])
    assert resp.status_code == 200
    pages = pages_of(resp.data)
    assert len(pages) > 30
    assert_page_numbers(pages, "Pagina", "van")
    text = flat(pages)
    for n in (0, 499, 999):
        assert f"Verslag {n}:" in text
    assert "Zin 0 van" in text and "Zin 699 van" in text
    # Every page with intervention rows starts its table with the header row again.
    for page in pages[2:]:
        if "Verslag " in page:
            assert "Interventie Status Start Einde Resultaat" in page.replace("\n", " ")


def test_coordinator_prints_the_conference_agenda(app, browser):
    conference_id = planned_conference_id(app)
    browser.login("coordinator")
    resp = browser.submit(f"/print/agenda/{conference_id}", {"purpose": "Casusoverleg"})
    assert resp.status_code == 200
    assert resp.mimetype == "application/pdf"
    pages = pages_of(resp.data)
    text = flat(pages)
    assert_page_numbers(pages, "Pagina", "van")
    for page in pages:
        assert "VERTROUWELIJK" in page
        assert "Coen de Coördinator · coordinator" in page
    for expected in ("Agenda casusoverleg", "Karim Benali", "Zoë Ødegård", "Nora Benali",
                     "Laatste besluiten", "Openstaande acties", "GGZ-behandeling",
                     "Verijdelde uitreiziger; eerste bespreking gepland.",
                     "Geen openstaande acties."):
        assert expected in text, expected
    # A completed intervention is not an open action.
    assert "Terugkeerplan per kind" not in text
    [entry] = print_log(app)
    assert (entry.document, entry.conference_id, entry.purpose) == (
        "agenda", conference_id, "Casusoverleg")
    assert entry.case_id is None


def test_case_director_agenda_leaves_out_cases_outside_their_scope(app, browser):
    browser.login("regisseur")
    resp = browser.submit(f"/print/agenda/{planned_conference_id(app)}",
                          {"purpose": "Casusoverleg"})
    assert resp.status_code == 200
    text = flat(pages_of(resp.data))
    assert "Karim Benali" in text
    assert "Ødegård" not in text


def test_agenda_needs_a_purpose(app, browser):
    browser.login("coordinator")
    resp = browser.submit(f"/print/agenda/{planned_conference_id(app)}", {"purpose": ""})
    assert resp.mimetype == "text/html"
    assert "Vermeld het doel van deze afdruk." in resp.text
    assert print_log(app) == []


def test_print_log_is_append_only(app, browser):
    browser.login("coordinator")
    print_dossier(browser, case_id_of(app, "Benali"))
    with app.app_context(), system_access("test"):
        entry = db.session.query(PrintLog).one()
        entry.purpose = "iets anders"
        with pytest.raises(AppendOnlyError):
            db.session.flush()
        db.session.rollback()
        entry = db.session.query(PrintLog).one()
        db.session.delete(entry)
        with pytest.raises(AppendOnlyError):
            db.session.flush()
        db.session.rollback()
        assert db.session.query(PrintLog).one().purpose == PURPOSE


def test_form_offers_every_section_checked_and_a_purpose_field(app, browser):
    browser.login("coordinator")
    page = browser.get(f"/print/dossier/{case_id_of(app, 'Benali')}")
    assert page.status_code == 200
    assert "Dossier afdrukken" in page.text
    for key in ALL_SECTIONS:
        assert re.search(rf'<input checked[^>]*name="sections"[^>]*value="{key}"', page.text)
    assert 'name="purpose"' in page.text


def test_plugin_sections_are_offered_and_printed_in_their_order(app, browser, monkeypatch):
    from reportlab.platypus import Paragraph

    from casusregie.reports.api import DossierContext, DossierSection

    seen: list[DossierContext] = []

    def render(ctx: DossierContext) -> list:
        seen.append(ctx)
        return [Paragraph(f"Trajectregel voor {ctx.case.number}", ctx.styles["Body"])]

    def never(ctx: DossierContext) -> list:
        raise AssertionError("a section that was not chosen must not be rendered")

    sections = [DossierSection("demo.extra", "Extra trajecten", render, order=450),
                DossierSection("demo.unused", "Niet gekozen", never, order=460)]
    monkeypatch.setattr("casusregie.reports.dossier.dossier_sections", lambda _app: sections)
    browser.login("coordinator")
    case_id = case_id_of(app, "Benali")
    form = browser.get(f"/print/dossier/{case_id}").text
    assert 'value="demo.extra"' in form and "Extra trajecten" in form
    resp = print_dossier(browser, case_id, sections=["interventions", "demo.extra", "notes"])
    pages = pages_of(resp.data)
    assert "Extra trajecten" in pages[1]  # in the table of contents
    body = flat(pages[2:])
    assert body.index("Interventies per partner en domein") < body.index(
        "Extra trajecten") < body.index("Trajectregel voor") < body.index("Aantekeningen")
    [ctx] = seen
    assert ctx.locale == "nl" and ctx.actor.username == "coordinator"
    assert print_log(app)[0].sections == "interventions,demo.extra,notes"


def test_markup_in_typed_text_is_printed_literally(app, browser):
    purpose = '<font name="Helvetica">x</font> & <b>vet</b> <para> </i>'
    browser.login("coordinator")
    resp = print_dossier(browser, case_id_of(app, "Benali"), purpose=purpose,
                         recipient="Overleg " + "ð" * 150)
    assert resp.status_code == 200
    assert purpose in flat(pages_of(resp.data))
    assert print_log(app)[0].purpose == purpose


def test_printing_does_not_query_per_row(app, browser):
    from tests.support import count_queries

    case_id = case_id_of(app, "Benali")
    browser.login("coordinator")
    with count_queries(app) as before:
        assert print_dossier(browser, case_id).status_code == 200
    with app.app_context(), system_access("test set-up"):
        kind = db.session.query(InterventionType).filter_by(name="GGZ-behandeling").one()
        author = app.appbuilder.sm.find_user(username="regisseur")
        org = db.session.query(Organisation).filter(Organisation.name.like("GGD%")).one()
        for n in range(40):
            db.session.add(Intervention(case_id=case_id, type=kind, organisation=org,
                                        status=InterventionStatus.active,
                                        start_date=dt.date(2026, 1, 1) + dt.timedelta(n)))
            db.session.add(CaseNote(case_id=case_id, author=author, organisation=org,
                                    text=f"Aantekening {n}"))
        db.session.commit()
    with count_queries(app) as after:
        resp = print_dossier(browser, case_id)
    assert "Aantekening 39" in flat(pages_of(resp.data))
    assert len(after) == len(before), (len(before), len(after))


@pytest.mark.parametrize("locale", ["nl", "en"])
def test_pdfs_carry_title_language_and_author_for_assistive_technology(app, browser, locale):
    """Screen readers read a PDF in its /Lang; viewers show the title, not the file name."""
    browser.login("coordinator")
    browser.get(f"/lang/{locale}")
    dossier = print_dossier(browser, case_id_of(app, "Benali"))
    agenda = browser.submit(f"/print/agenda/{planned_conference_id(app)}",
                            {"purpose": "Casusoverleg"})
    for resp in (dossier, agenda):
        reader = PdfReader(io.BytesIO(resp.data))
        root = reader.trailer["/Root"]
        assert root["/Lang"] == locale
        assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
        assert reader.metadata.title
        assert reader.metadata.author.startswith("Coen de Coördinator")
    assert "CR-" in PdfReader(io.BytesIO(dossier.data)).metadata.title
