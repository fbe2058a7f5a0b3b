"""Catalogues complete and current; the language switch remembered per user; formatting."""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
import sys
from decimal import Decimal
from pathlib import Path

import flask_appbuilder
import pytest
from babel.messages.pofile import read_po
from babel.support import Translations
from flask import session
from flask_babel import gettext, refresh

from casusregie.app.i18n import (
    display_value,
    format_date,
    format_datetime,
    format_decimal,
    format_number,
)
from tests.support import Browser, csrf_token

ROOT = Path(__file__).resolve().parents[1]


def _catalogue_tool():
    spec = importlib.util.spec_from_file_location("catalogue", ROOT / "scripts" / "catalogue.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["catalogue"] = module
    spec.loader.exec_module(module)
    return module


catalogue = _catalogue_tool()


def _ids(path: Path) -> set[str]:
    with path.open("rb") as fh:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}


# --- the catalogues ------------------------------------------------------------------

def test_every_message_has_dutch_and_english() -> None:
    gaps = catalogue.missing()
    assert not gaps, "Untranslated (add them to translations/incoming/<area>.tsv): " + "; ".join(
        f"{path}: {', '.join(ids)}" for path, ids in gaps.items())


@pytest.mark.parametrize("domain", catalogue.domains(), ids=lambda d: d.name)
def test_catalogues_are_up_to_date_with_the_sources(domain, tmp_path: Path) -> None:
    """Extract afresh and compare: a message added or removed without `make translations`
    fails here."""
    extracted = {m.id if isinstance(m.id, str) else m.id[0]
                 for m in catalogue.extract(domain, tmp_path / "messages.pot") if m.id}
    if not extracted and not domain.directory.exists():
        return  # a plugin without any text needs no catalogue
    for locale in catalogue.LOCALES:
        po = domain.po(locale)
        assert po.exists(), f"{po.relative_to(ROOT)} is missing: run `make translations`"
        committed = _ids(po)
        assert extracted - committed == set(), (
            f"{po.relative_to(ROOT)} lacks messages from the source; run `make translations`")
        assert committed - extracted == set(), (
            f"{po.relative_to(ROOT)} keeps messages no longer in the source; "
            "run `make translations`")


def test_the_extraction_sees_a_new_message(tmp_path: Path) -> None:
    """The comparison above is only worth something if a new message is noticed."""
    source = tmp_path / "src"
    source.mkdir()
    (source / "screen.py").write_text(
        "from flask_babel import lazy_gettext as _l\nTITLE = _l('A brand-new screen title')\n")
    (source / "page.html").write_text("<h1>{{ _('A brand-new heading') }}</h1>\n")
    domain = catalogue.Domain("probe", (source,), tmp_path / "translations")
    ids = {m.id for m in catalogue.extract(domain, tmp_path / "messages.pot") if m.id}
    assert ids == {"A brand-new screen title", "A brand-new heading"}


def test_translations_keep_the_placeholders() -> None:
    """A Dutch text without the ``%(name)s`` of its English would crash at run time."""
    problems = []
    for path in catalogue.catalogues():
        with path.open("rb") as fh:
            catalog = read_po(fh)
        for message in catalog:
            if not message.id:
                continue
            problems += [f"{path.relative_to(ROOT)}: {message.id!r}: {error}"
                         for error in message.check(catalog)]
    assert problems == []


def test_incoming_translations_read_plurals_and_line_breaks(tmp_path: Path) -> None:
    tsv = tmp_path / "area.tsv"
    tsv.write_text("# comment\nOne case\tEén casus\t%(n)s casussen\nTwo\\nlines\tTwee\\nregels\n"
                   "no tab here\n", encoding="utf-8")
    later = tmp_path / "zz.tsv"
    later.write_text("Two\\nlines\tTwee\\nregels (beter)\n", encoding="utf-8")
    incoming, warnings = catalogue.read_incoming([tsv, later])
    assert incoming["One case"] == ["Eén casus", "%(n)s casussen"]
    assert incoming["Two\nlines"] == ["Twee\nregels (beter)"]
    assert any("no TAB" in w for w in warnings)
    assert any("zz.tsv" in w and "Two" in w for w in warnings)


# Glossary terms: wherever the English names the term, the Dutch uses the glossary's word.
GLOSSARY = {
    r"\bcase conferences?\b": ("casusoverleg",),
    r"\bcase directors?\b": ("casusregisseur",),
    r"\bsubjects?\b": ("betrokkene",),
    r"\bweighing team\b": ("weegploeg",),
    r"\bweighings?\b(?! team)": ("weging",),
    r"\binterventions?\b": ("interventie",),
    r"\baction plans?\b": ("plan van aanpak", "plannen van aanpak"),
    r"\breview dates?\b": ("evaluatiedatum",),
    r"\brisk groups?\b": ("risicogroep",),
    r"\bretention periods?\b": ("bewaartermijn",),
    r"\bagenda items?\b": ("agendapunt",),
}


def test_dutch_follows_the_glossary() -> None:
    path = catalogue.ROOT / "translations" / "nl" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fh:
        catalog = read_po(fh)
    wrong = []
    for message in catalog:
        if not isinstance(message.id, str) or not message.string:
            continue
        for english, dutch in GLOSSARY.items():
            if re.search(english, message.id, re.IGNORECASE) and \
                    not any(word in message.string.lower() for word in dutch):
                wrong.append(f"{message.id!r} -> {message.string!r} (expected {dutch!r})")
    assert wrong == []


# --- Flask-AppBuilder's wording replaced ---------------------------------------------------

def test_our_catalogue_overrides_flask_appbuilders(app) -> None:
    fab_dir = Path(flask_appbuilder.__file__).parent / "translations"
    fab_nl = Translations.load(str(fab_dir), ["nl"])
    assert fab_nl.gettext("List Users") == "Gebruikers Tonen"  # what we replace
    with app.test_request_context("/"):
        session["locale"] = "nl"
        refresh()
        assert gettext("List Users") == "Gebruikers"
        assert gettext("Record Count") == "Aantal"
        assert gettext("Add") == "Toevoegen"  # missing in Flask-AppBuilder's Dutch
        session["locale"] = "en"
        refresh()
        assert gettext("List Users") == "Users"  # translations/incoming/en/
        assert gettext("Logout") == "Logout"


def test_login_page_is_dutch_with_the_language_declared(browser: Browser) -> None:
    page = browser.get("/login/").text
    assert '<html lang="nl">' in page
    assert "Gebruikersnaam" in page and "Wachtwoord" in page
    assert "Sign In" not in page and "Enter your login" not in page


def test_wrong_password_message_is_dutch(browser: Browser) -> None:
    resp = browser.submit("/login/", {"username": "coordinator", "password": "wrong"},
                          follow_redirects=True)
    assert "Onjuiste gebruikersnaam of wachtwoord" in resp.text
    assert "Invalid login" not in resp.text


def test_required_field_message_reads_like_the_rest(browser: Browser) -> None:
    """WTForms' own Dutch says "vereist"; ours says "verplicht" everywhere."""
    browser.login("beheerder")
    resp = browser.submit("/organisationmodelview/add", {"name": "", "tier": "core"})
    assert resp.status_code == 200
    assert "Dit veld is verplicht." in resp.text
    assert "vereist" not in resp.text and "This field is required" not in resp.text


def test_lists_show_booleans_in_words(browser: Browser) -> None:
    browser.login("beheerder")
    page = browser.get("/organisationmodelview/list/").text
    cells = re.findall(r"<td>\s*([^<]*?)\s*</td>", page)
    assert "Ja" in cells
    assert "True" not in cells and "None" not in cells
    users = browser.get("/users/list/").text
    assert "<td>Functioneel beheerder</td>" in re.sub(r"\s*(<[^>]+>)\s*", r"\1", users)
    assert "[Functioneel beheerder]" not in users


# --- the language switch ---------------------------------------------------------------

def _stored_locale(app, username: str) -> str | None:
    from casusregie.app.extensions import db
    from casusregie.app.models.organisation import CasusUser

    with app.app_context():
        value = db.session.query(CasusUser.locale).filter_by(username=username).scalar()
        db.session.remove()
        return value


def test_switch_is_remembered_for_the_user(app, browser: Browser) -> None:
    browser.login("regisseur")
    home = browser.get("/", follow_redirects=True).text
    assert 'action="/lang/en"' in home and "Uitloggen" in home
    resp = browser.post("/lang/en", {"csrf_token": csrf_token(home), "next": "/"})
    assert resp.status_code == 302
    assert _stored_locale(app, "regisseur") == "en"
    page = browser.get("/", follow_redirects=True).text
    assert '<html lang="en">' in page and "Logout" in page and "Uitloggen" not in page

    # Another browser, another session: the choice follows the user at login.
    elsewhere = Browser(app)
    assert '<html lang="nl">' in elsewhere.get("/login/").text
    elsewhere.login("regisseur")
    assert '<html lang="en">' in elsewhere.get("/", follow_redirects=True).text

    elsewhere.submit("/", {"next": "/"}, post_url="/lang/nl")
    assert _stored_locale(app, "regisseur") == "nl"
    assert "Uitloggen" in elsewhere.get("/", follow_redirects=True).text


def test_other_users_keep_their_language(app, browser: Browser) -> None:
    browser.login("politie")
    browser.submit("/", {}, post_url="/lang/en")
    assert _stored_locale(app, "politie") == "en"
    assert _stored_locale(app, "om") is None
    other = Browser(app).login("om")
    assert '<html lang="nl">' in other.get("/", follow_redirects=True).text


def test_unknown_language_is_refused_and_not_stored(app, browser: Browser) -> None:
    browser.login("coordinator")
    assert browser.get("/lang/xx").status_code == 404
    assert browser.get("/lang/%3Cscript%3E").status_code == 404
    assert _stored_locale(app, "coordinator") is None


def test_a_get_never_stores_the_language(app, browser: Browser) -> None:
    """Only the CSRF-protected POST stores the choice; a link or image on another site
    (a GET, or a POST without the token) changes nothing on the user."""
    browser.login("coordinator")
    assert browser.get("/lang/en").status_code == 302
    assert _stored_locale(app, "coordinator") is None
    assert browser.post("/lang/en", {"next": "/"}).status_code == 400
    assert _stored_locale(app, "coordinator") is None


def test_the_switch_returns_only_to_a_page_of_this_site(app, browser: Browser) -> None:
    browser.login("coordinator")
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        resp = browser.submit("/", {"next": target}, post_url="/lang/en")
        assert resp.status_code == 302
        assert "evil" not in resp.headers["Location"]
    resp = browser.submit("/", {"next": "/casemodelview/list/?page_x=1"}, post_url="/lang/nl")
    assert resp.headers["Location"].endswith("/casemodelview/list/?page_x=1")
    assert browser.submit("/", {}, post_url="/lang/xx").status_code == 404


def test_switch_before_login_applies_to_the_login_page(app, browser: Browser) -> None:
    browser.get("/lang/en")
    page = browser.get("/login/").text
    assert '<html lang="en">' in page and "Sign In" in page
    assert _stored_locale(app, "coordinator") is None


# --- formatting ------------------------------------------------------------------------

def _in_locale(app, locale: str):
    ctx = app.test_request_context("/")
    ctx.push()
    session["locale"] = locale
    refresh()
    return ctx


def test_dates_numbers_and_values_follow_the_locale(app) -> None:
    summer = dt.datetime(2026, 7, 1, 10, 30, tzinfo=dt.UTC)
    ctx = _in_locale(app, "nl")
    try:
        assert format_date(dt.date(2026, 3, 5)) == "5 mrt 2026"
        assert format_date(dt.date(2026, 3, 5), "short") == "05-03-2026"
        # Shown in Dutch time: 10:30 UTC is 12:30 in Amsterdam in summer.
        assert format_datetime(summer, "short") == "01-07-2026, 12:30"
        # A naive value is a stored instant, in UTC (app/clock.py): 13:30 UTC in winter.
        assert format_datetime(dt.datetime(2026, 12, 6, 13, 30), "short") == "06-12-2026, 14:30"
        assert format_number(1234567.5) == "1.234.567,5"
        assert format_decimal(Decimal("0.25")) == "0,25"
        assert display_value(True) == "Ja" and display_value(None) == "—"
        assert display_value(2026) == 2026  # years and identifiers get no separator
        assert display_value(["Coördinator", "Kernpartner"]) == "Coördinator, Kernpartner"
        from casusregie.app.models.base import CasePhase

        assert display_value(CasePhase.closed) == "Afgesloten"
        assert display_value([]) == "—"
    finally:
        ctx.pop()
    ctx = _in_locale(app, "en")
    try:
        assert format_date(dt.date(2026, 3, 5)) == "5 Mar 2026"
        assert format_datetime(summer, "short") == "01/07/2026, 12:30"
        assert format_number(1234567.5) == "1,234,567.5"
        assert display_value(False) == "No"
        assert format_date(None) == ""
    finally:
        ctx.pop()


def test_filters_are_available_to_templates(app) -> None:
    ctx = _in_locale(app, "nl")
    try:
        template = app.jinja_env.from_string(
            "{{ d|format_date }} {{ n|format_number }} {{ t|format_datetime('short') }}")
        assert template.render(d=dt.date(2026, 12, 1), n=2500,
                               t=dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)) == \
            "1 dec 2026 2.500 01-12-2026, 10:00"
    finally:
        ctx.pop()


def test_error_pages_speak_the_users_language(browser: Browser) -> None:
    browser.login("ggd")
    resp = browser.get("/organisationmodelview/add")
    assert resp.status_code in (302, 403)
    missing = browser.get("/no-such-page")
    assert missing.status_code == 404
    assert "Pagina niet gevonden" in missing.text and "Not Found" not in missing.text
    assert '<html lang="nl">' in missing.text
    browser.get("/lang/en")
    missing = browser.get("/no-such-page")
    assert missing.status_code == 404 and "Page not found" in missing.text
    api = browser.get("/api/v1/no-such-thing", headers={"Accept": "application/json"})
    assert api.status_code == 404 and "Page not found" not in api.text


def test_pdfs_follow_the_language_stored_for_the_user(app, browser: Browser) -> None:
    """No switch in this session: the dossier and agenda follow the user's saved choice."""
    from casusregie.app.extensions import db
    from casusregie.app.models.organisation import CasusUser
    from tests.test_reports import case_id_of, pages_of, planned_conference_id, print_dossier

    with app.app_context():
        db.session.query(CasusUser).filter_by(username="coordinator").update({"locale": "en"})
        db.session.commit()
        db.session.remove()
    browser.login("coordinator")
    dossier = "\n".join(pages_of(print_dossier(browser, case_id_of(app, "Benali")).data))
    assert "CONFIDENTIAL" in dossier and "Case dossier" in dossier
    assert "VERTROUWELIJK" not in dossier
    agenda = browser.submit(f"/print/agenda/{planned_conference_id(app)}",
                            {"purpose": "Preparing the case conference."})
    assert agenda.mimetype == "application/pdf"
    agenda_text = "\n".join(pages_of(agenda.data))
    assert "CONFIDENTIAL" in agenda_text and "VERTROUWELIJK" not in agenda_text

    browser.get("/lang/nl")
    dossier = "\n".join(pages_of(print_dossier(browser, case_id_of(app, "Benali")).data))
    assert "VERTROUWELIJK" in dossier and "CONFIDENTIAL" not in dossier


def test_role_screens_show_no_internal_permission_names(app, browser: Browser) -> None:
    """Roles are listed by name; their rights are in words in the permission matrix."""
    from flask_appbuilder.security.sqla.models import Role

    from casusregie.app.extensions import db

    def permissions() -> tuple[int, int]:
        with app.app_context():
            role = db.session.query(Role).filter_by(name="Functioneel beheerder").one()
            result = role.id, len(role.permissions)
            db.session.remove()
            return result

    role_id, before = permissions()
    browser.login("beheerder")
    for url in ("/roles/list/", f"/roles/show/{role_id}", f"/roles/edit/{role_id}",
                "/roles/add"):
        page = browser.get(url)
        assert page.status_code == 200, url
        assert "can list on" not in page.text and "menu access on" not in page.text, url
    saved = browser.submit(f"/roles/edit/{role_id}", {"name": "Functioneel beheerder"})
    assert saved.status_code == 302
    assert permissions() == (role_id, before) and before > 0
