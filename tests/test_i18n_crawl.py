"""Every page a demo user can reach reads in one language.

For each demo user of the demo with its built-in plugins the crawler logs in, starts at
``/`` and follows the same-site links of menus, lists and show pages (GET only; never
logout, language switch, delete or actions), one page per kind of URL, and reads the
visible text (with titles, placeholders and button labels). In Dutch no Flask-AppBuilder
English may show; in English no Dutch.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Sequence
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest

from tests.support import DEMO_USERNAMES, Browser

MAX_PAGES = 150

# Flask-AppBuilder's English UI words. Words Dutch shares ("Filter", "Status", "Details",
# "Menu", "OK", "Type", "Organisatie"...) are left out; matching is by whole word and case.
ENGLISH_UI = (
    "List", "Show", "Edit", "Delete", "Add", "Search", "Save", "Back", "Cancel",
    "Record Count", "No records found", "Actions", "Add Filter", "Page size", "Order by",
    "Security", "Logout", "Login", "Sign In", "Profile", "Welcome", "Select Value",
    "List Users", "List Roles", "User's Statistics", "Reset Password", "Reset my password",
    "Your user information", "User info", "Personal Info", "Audit Info",
    "First Name", "Last Name", "User Name", "Username", "Password", "Email", "Name",
    "Active", "Is Active?", "Role", "Roles", "Permissions", "Permission",
    "Last login", "Login count", "Failed login count",
    "Created on", "Created by", "Changed on", "Changed by",
    "Starts with", "Ends with", "Contains", "Not Contains", "Equal to", "Not Equal to",
    "Greater than", "Smaller than", "Relation", "No Relation",
    "Added Row", "Changed Row", "Deleted Row", "Access is Denied",
    "This field is required", "Not a valid choice", "Are you sure",
    "None", "True", "False", "Yes", "CONFIDENTIAL",
    "Case work", "Cases", "Subjects", "Signals", "Interventions", "Administration",
    "Organisations", "Notes", "Description", "Summary", "Phase", "Decisions", "Goals",
    # Flask-AppBuilder's internal permission names ("can list on CaseModelView")
    "menu access", "can list", "can show", "can edit", "can add", "can delete",
)

# Casusregie's Dutch UI words, chosen so that Dutch case text in the demo data
# ("Signaal gewogen: ...") and the role names, which are data ("Casusregisseur"),
# do not trip them; names of people and organisations are taken out of the text first.
DUTCH_UI = (
    "Toevoegen", "Wijzigen", "Bewerken", "Verwijderen", "Bekijken", "Zoeken", "Opslaan", "Terug",
    "Annuleren", "Uitloggen", "Inloggen", "Mijn gegevens", "Acties", "Aantal",
    "Niets gevonden", "Filter toevoegen", "Per pagina", "Sorteren op", "Welkom",
    "Gebruikers", "Rollen", "Rechten", "Beheer", "Beveiliging", "Casuswerk", "Casussen",
    "Betrokkenen", "Signalen", "Casusoverleggen", "Interventies", "Organisaties",
    "Risicogroep", "Evaluatiedatum", "Samenvatting", "Fase",
    "Voornaam", "Achternaam", "Wachtwoord", "Gebruikersnaam", "Actief",
    "Begint met", "Eindigt op", "Is gelijk aan", "Bevat", "Groter dan", "Kleiner dan",
    "Ja", "Nee", "VERTROUWELIJK", "Geraadpleegd door", "Dit veld is verplicht",
)

# Words of the libraries that are no language at all: the value of an empty select
# choice shown as its label.
LEFTOVERS = ("__None",)

# Flask-AppBuilder's built-in names that would show in English on Dutch pages.
ENGLISH_DATA = ("Public",)

#: What the crawl reports for a field the browser itself checks: its bubble ("Please
#: tick this box if you want to proceed") speaks the browser's language, not the user's.
NATIVE_CHECK = "browser-native check (required without novalidate)"

SKIP_PATH = re.compile(
    r"^/(logout|lang|static|api|swagger|appbuilder)\b|/delete/|/action/|/action_post"
    r"|/download/|/swagger")


class _VisibleText(HTMLParser):
    """The text a user sees or hears: text nodes plus title/placeholder/labels.

    ``cells`` holds what stands alone in a table cell: there a permission or screen
    identifier ("menu access", "Security") is data (the permission log, the matrix's
    technical names), while the same word in a menu or heading is interface.
    """

    HIDDEN = {"script", "style", "template", "noscript"}
    ATTRS = ("title", "placeholder", "aria-label", "alt")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.cells: list[str] = []
        self.links: list[str] = []
        self.native_checks: list[str] = []
        self._hidden = 0
        self._cell = 0
        self._form_validates = False

    def _add(self, text: str) -> None:
        (self.cells if self._cell else self.parts).append(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in self.HIDDEN:
            self._hidden += 1
            return
        if tag == "td":
            self._cell += 1
        if tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")
        if tag == "form":
            self._form_validates = "novalidate" not in values
        if tag in ("input", "select", "textarea") and "required" in values and \
                self._form_validates:
            self.native_checks.append(values.get("name") or tag)
        for attr in self.ATTRS:
            if values.get(attr):
                self._add(values[attr] or "")
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self._add(values["value"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form_validates = False
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1
        if tag == "td" and self._cell:
            self._cell -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self._add(data.strip())

    def text(self, identifiers: frozenset[str] = frozenset()) -> str:
        return "\n".join([*self.parts, *(c for c in self.cells if c not in identifiers)])


def _shape(url: str) -> str:
    """One representative per kind of page: ids and query values do not matter."""
    parts = urlsplit(url)
    path = re.sub(r"/\d+(?=/|$)", "/<id>", parts.path.rstrip("/"))
    # Sorting, paging and page size show the same page; filters may show another.
    keys = sorted({re.sub(r"^_flt_\d+_", "_flt_", k) for k, _ in parse_qsl(parts.query)
                   if not k.startswith(("_oc_", "_od_", "page_", "psize_"))})
    return f"{path}?{'&'.join(keys)}"


def _words_found(text: str, words: tuple[str, ...]) -> list[str]:
    return [w for w in words if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text)]


def data_names(app) -> list[str]:
    """Names of people and organisations: data, which stays as it was entered
    (the demo's functional administrator is called "Bea Beheer")."""
    from casusregie.app.access import system_access
    from casusregie.app.extensions import db
    from casusregie.app.models import Organisation
    from casusregie.app.models.organisation import CasusUser

    with app.app_context(), system_access("i18n crawl"):
        people = db.session.query(CasusUser.first_name, CasusUser.last_name).all()
        # Lists show first and last names in columns of their own.
        names = [f"{first} {last}" for first, last in people] + [
            part for person in people for part in person]
        names += [name for (name,) in db.session.query(Organisation.name)]
        db.session.remove()
    return sorted(set(names), key=len, reverse=True)


def reference_data_in_dutch(app) -> frozenset[str]:
    """The Dutch names of reference data that has an English one (risk groups, the
    intervention catalogue): in English the English name must show."""
    from casusregie.app.access import system_access
    from casusregie.app.extensions import db
    from casusregie.app.models import InterventionType, RiskGroup

    with app.app_context(), system_access("i18n crawl"):
        names = [name for model in (RiskGroup, InterventionType)
                 for name, name_en in db.session.query(model.name, model.name_en)
                 if name_en and name_en != name]
        db.session.remove()
    return frozenset(names)


def permission_identifiers(app) -> frozenset[str]:
    """Flask-AppBuilder's names of permissions and screens ("menu access", "Security")."""
    from flask_appbuilder.security.sqla.models import Permission, ViewMenu

    from casusregie.app.extensions import db

    with app.app_context():
        # Shown as Flask-AppBuilder writes them: "menu_access" reads "menu access".
        names = {name.replace("_", " ") for (name,) in db.session.query(Permission.name)}
        names |= {name for (name,) in db.session.query(ViewMenu.name)}
        db.session.remove()
    return frozenset(names)


def crawl(browser: Browser, forbidden: tuple[str, ...], names: Sequence[str] = (),
          identifiers: frozenset[str] = frozenset(), labels: frozenset[str] = frozenset()
          ) -> tuple[int, dict[str, list[str]]]:
    """Visit the user's pages; return how many, and the forbidden words per URL.

    ``labels`` are forbidden as a whole text (a cell, an option, "1. <name>"), not inside
    free text that merely mentions them (reference data named in a note)."""
    queue: deque[str] = deque(["/"])
    seen_shapes: set[str] = set()
    problems: dict[str, list[str]] = {}
    pages = 0
    while queue and pages < MAX_PAGES:
        url = queue.popleft()
        shape = _shape(url)
        if shape in seen_shapes:
            continue
        seen_shapes.add(shape)
        resp = browser.get(url, follow_redirects=True)
        if resp.status_code >= 500:
            problems[url] = [f"HTTP {resp.status_code}"]
            continue
        if resp.status_code != 200 or "text/html" not in resp.content_type:
            continue
        pages += 1
        parser = _VisibleText()
        parser.feed(resp.text)
        text = parser.text(identifiers)
        for name in names:
            text = re.sub(rf"(?<![\w-]){re.escape(name)}(?![\w-])", " ", text)
        found = _words_found(text, forbidden)
        found += sorted({part for part in (*parser.parts, *parser.cells)
                         if re.sub(r"^\d+\.\s*", "", part) in labels})
        found += [f"{NATIVE_CHECK}: {name}" for name in parser.native_checks]
        if found:
            problems[url] = found
        for href in parser.links:
            target = urljoin(url, href)
            parts = urlsplit(target)
            if parts.netloc not in ("", "localhost") or parts.scheme not in ("", "http"):
                continue
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            if not parts.path.startswith("/") or SKIP_PATH.search(parts.path):
                continue
            if _shape(local) not in seen_shapes:
                queue.append(local)
    return pages, problems


def _report(problems: dict[str, list[str]]) -> str:
    return "\n".join(f"  {url}: {', '.join(words)}" for url, words in sorted(problems.items()))


@pytest.fixture()
def demo_app(built_in_app):
    """The demo as `make run` serves it: with the built-in plugins and their screens."""
    return built_in_app


@pytest.mark.parametrize("username", DEMO_USERNAMES)
def test_dutch_pages_show_no_english(demo_app, username: str) -> None:
    app = demo_app
    browser = Browser(app).login(username)
    assert browser.get("/lang/nl").status_code == 302  # whatever an earlier test chose
    pages, problems = crawl(browser, (*ENGLISH_UI, *ENGLISH_DATA, *LEFTOVERS), data_names(app),
                            permission_identifiers(app))
    assert pages >= 3, f"{username} reached only {pages} pages"
    assert not problems, f"English on Dutch pages of {username}:\n{_report(problems)}"


@pytest.mark.parametrize("username", DEMO_USERNAMES)
def test_english_pages_show_no_dutch(demo_app, username: str) -> None:
    app = demo_app
    browser = Browser(app).login(username)
    assert browser.get("/lang/en").status_code == 302
    pages, problems = crawl(browser, (*DUTCH_UI, *LEFTOVERS), data_names(app),
                            permission_identifiers(app),
                            labels=reference_data_in_dutch(app))
    assert pages >= 3, f"{username} reached only {pages} pages"
    assert not problems, f"Dutch on English pages of {username}:\n{_report(problems)}"


def test_crawler_notices_a_leftover_word() -> None:
    """The crawler's reading of a page, checked on a page with a known leftover."""
    parser = _VisibleText()
    parser.feed('<html><head><title>Casussen</title><script>var Add = 1;</script></head>'
                '<body><a href="/x/show/7?_flt_0_name=a" title="Show record">i</a>'
                '<input type="submit" value="Search"><p>Bewerken-knop</p></body></html>')
    text = parser.text()
    assert _words_found(text, ENGLISH_UI) == ["Show", "Search"]  # not the script's "Add"
    assert _words_found(text, DUTCH_UI) == ["Casussen"]  # "Bewerken-knop" is one word
    assert parser.links == ["/x/show/7?_flt_0_name=a"]
    table = _VisibleText()
    table.feed('<nav>Security</nav><table><tr><td title="Security">Beveiliging</td>'
               '<td>menu access</td><td>menu access on Cases</td></tr></table>')
    found = _words_found(table.text(frozenset({"Security", "menu access"})), ENGLISH_UI)
    assert found == ["Security", "Cases", "menu access"]  # the menu's, and the sentence's
    assert table.text(frozenset({"Security", "menu access"})).count("Security") == 1
    assert _shape("/x/show/7?_flt_0_name=a") == _shape("/x/show/12?_flt_0_name=b")
    form = _VisibleText()
    form.feed('<form><select name="type"><option value="__None">__None</option></select>'
              '<input type="checkbox" name="consent" required></form>'
              '<form novalidate><input name="purpose" required></form>')
    assert _words_found(form.text(), LEFTOVERS) == ["__None"]
    assert form.native_checks == ["consent"]  # the form that validates itself is fine


@pytest.mark.rollback
def test_leftovers_of_the_libraries_speak_dutch(app) -> None:
    """The 429 page, and the title of Select2's clear button (set by casus_a11y.js from
    the page's words), in the user's language rather than the libraries' English."""
    from werkzeug.exceptions import TooManyRequests

    with app.test_request_context("/casemodelview/list/", headers={"Accept": "text/html"}):
        response = app.make_response(app.handle_http_exception(TooManyRequests()))
    page = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "Te veel verzoeken" in page and "Too Many Requests" not in page
    start = Browser(app).login("coordinator").get("/casemodelview/list/").text
    assert 'data-remove-all="Alles wissen"' in start
    # The empty choice of an optional select, on a form and in the list's search filters.
    admin = Browser(app).login("beheerder")
    for url in ("/interventiontypemodelview/add", "/users/list/"):
        page = admin.get(url).text
        assert ">__None<" not in page and "e__None\\u003c" not in page, url
    # Flask-AppBuilder's public role, under its Dutch name.
    assert ">Public<" not in admin.get("/roles/list/").text
