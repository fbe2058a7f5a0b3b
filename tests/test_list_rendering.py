"""List pages print their rows in Python and keep the fixed search fields' HTML."""

from __future__ import annotations

from markupsafe import Markup

from casusregie.app.views import search_form
from casusregie.app.views.base import RemoteSelectWidget
from casusregie.app.views.list_rows import PK_MARKER, list_rows
from tests.support import Browser

CASE_LIST = "/casemodelview/list/"
LABELS = {"select": "Select this row", "show_title": "Show record", "show": "Show",
          "edit_title": "Edit record", "edit": "Edit"}


def test_rows_carry_links_checkboxes_and_escaped_values():
    rows = list_rows(
        [{"name": "<script>x</script>", "n": 7}, {"name": None, "n": 8}], [7, 8],
        ["name", "n"], {"n": lambda v: Markup("<b>{}</b>").format(v)},
        actions=True, buttons=True, show_link=f"/v/show/{PK_MARKER}?a=1&b=2",
        edit_link=None, delete_button=Markup(f'<a href="/v/delete/{PK_MARKER}">x</a>'),
        labels=LABELS)

    assert rows.count("<tr>") == 2
    assert "&lt;script&gt;x&lt;/script&gt;" in rows and "<script>" not in rows
    assert '<a href="/v/show/7?a=1&amp;b=2"' in rows and '/v/show/8?' in rows
    assert '<a href="/v/delete/8">x</a>' in rows
    assert '<input id="7" class="action_check" name="rowid" value="7"' in rows
    assert "<td><b>8</b></td>" in rows and "<td>None</td>" in rows
    assert PK_MARKER not in rows and "fa-edit" not in rows


def test_the_case_list_prints_its_rows_through_list_rows(app, browser: Browser, monkeypatch):
    calls = []
    original = app.jinja_env.globals["casus_list_rows"]

    def counted(*args, **kwargs):
        calls.append(len(args[1]))
        return original(*args, **kwargs)

    monkeypatch.setitem(app.jinja_env.globals, "casus_list_rows", counted)
    browser.login("coordinator")
    page = browser.get(CASE_LIST)

    assert page.status_code == 200
    assert calls and calls[0] >= 1
    assert page.text.count('href="/casemodelview/show/') == calls[0]


def test_fixed_search_fields_are_rendered_once_per_language(app, browser: Browser,
                                                            monkeypatch):
    monkeypatch.setattr(search_form, "_rendered", {})
    rendered = []
    original = RemoteSelectWidget.__call__

    def counted(self, field, **kwargs):
        rendered.append(field.name)
        return original(self, field, **kwargs)

    monkeypatch.setattr(RemoteSelectWidget, "__call__", counted)
    browser.login("coordinator")
    first = browser.get(CASE_LIST).text
    second = browser.get(CASE_LIST).text

    # The case list searches the case director and lead organisation remotely.
    assert sorted(rendered) == ["case_director", "lead_organisation"]
    assert "casus-remote-select" in first and "casus-remote-select" in second
    assert {(col, lang) for _view, col, lang in search_form._rendered} >= {
        ("case_director", "nl"), ("lead_organisation", "nl")}


def test_search_fields_read_from_the_database_are_rendered_every_time(app, browser: Browser):
    from casusregie.app.access import system_access
    from casusregie.app.extensions import db
    from casusregie.app.models import RiskGroup

    browser.login("coordinator")
    browser.get(CASE_LIST)
    with app.app_context(), system_access("test"):
        group = db.session.query(RiskGroup).order_by(RiskGroup.number).first()
        group.name = "Hernoemde groep"
        db.session.commit()
        number = group.number

    page = browser.get(CASE_LIST).text

    # The risk group select shows the name as the database has it on this request.
    assert "Hernoemde groep" in page, number
    assert "risk_group" not in {key[1] for key in search_form._rendered}
