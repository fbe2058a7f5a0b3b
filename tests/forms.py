"""Reading an HTML form as a browser would submit it (for tests that post whole forms)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

from werkzeug.datastructures import MultiDict


@dataclass
class Field:
    name: str
    tag: str  # input, select, textarea
    type: str = ""
    value: str = ""
    checked: bool = False
    options: list[tuple[str, bool]] = field(default_factory=list)  # (value, selected)
    multiple: bool = False
    remote: bool = False  # a remote select (app.views.base.RemoteSelectWidget)
    required: bool = False


@dataclass
class Form:
    action: str | None
    method: str
    fields: list[Field] = field(default_factory=list)

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    def data(self) -> MultiDict:
        """What the browser sends when the user presses save without changing anything."""
        out = MultiDict()
        for f in self.fields:
            if f.tag == "select":
                chosen = [v for v, selected in f.options if selected]
                if not chosen and not f.multiple and f.options:
                    chosen = [f.options[0][0]]
                for value in chosen:
                    out.add(f.name, value)
            elif f.type in ("checkbox", "radio"):
                if f.checked:
                    out.add(f.name, f.value or "y")
            elif f.type not in ("submit", "button", "file"):
                out.add(f.name, f.value)
        return out


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._select: Field | None = None
        self._option: tuple[str, bool] | None = None
        self._textarea: Field | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(a.get("action"), (a.get("method") or "get").lower()))
            return
        if not self.forms or tag not in ("input", "select", "textarea", "option"):
            return
        form = self.forms[-1]
        if tag == "option" and self._select is not None:
            self._select.options.append((a.get("value", ""), "selected" in a))
        elif tag == "input" and a.get("name"):
            form.fields.append(Field(a["name"], "input", a.get("type", "text").lower(),
                                     a.get("value", ""), "checked" in a,
                                     required="required" in a))
        elif tag == "select" and a.get("name"):
            self._select = Field(a["name"], "select", multiple="multiple" in a,
                                 remote="casus-remote-select" in a.get("class", ""))
            form.fields.append(self._select)
        elif tag == "textarea" and a.get("name"):
            self._textarea = Field(a["name"], "textarea")
            form.fields.append(self._textarea)

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            # A browser drops the newline that follows the opening tag.
            value = self._textarea.value
            self._textarea.value = value[2:] if value.startswith("\r\n") else (
                value[1:] if value.startswith("\n") else value)
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data


def forms(html: str) -> list[Form]:
    parser = _Parser()
    parser.feed(html)
    return parser.forms


def main_form(html: str) -> Form | None:
    """The page's posting form with a CSRF token and the most fields (the record's form;
    a page may also hold small forms, such as delete buttons of a related list)."""
    posting = [f for f in forms(html)
               if f.method == "post" and f.field("csrf_token") is not None]
    return max(posting, key=lambda f: len(f.fields), default=None)
