"""docs/api.md walks a partner developer from "I have a key" to a first registered
intervention; its Python blocks run here, in order and unchanged, against the test app
(``requests`` is answered by the Flask test client)."""

from __future__ import annotations

import re
import sys
import types
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.partner_api_support import issue_test_key
from tests.test_api import intervention_count

DOC = Path(__file__).resolve().parent.parent / "docs" / "api.md"
SECTION = "## From a key to a first registered intervention"


pytestmark = pytest.mark.rollback


def walkthrough_blocks() -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index(SECTION):]
    section = section[:section.index("\n## ", len(SECTION))]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


class _Response:
    def __init__(self, response: Any) -> None:
        self._response = response
        self.status_code = response.status_code
        self.headers = response.headers
        self.text = response.get_data(as_text=True)

    def json(self) -> Any:
        return self._response.get_json()

    def raise_for_status(self) -> None:
        assert self.status_code < 400, f"{self.status_code}: {self.text[:300]}"


def _requests_over(app: Flask) -> types.ModuleType:
    """A ``requests`` whose ``Session`` sends to ``app`` (the address is dropped)."""

    class Session:
        def __init__(self) -> None:
            self.headers: dict[str, str] = {}
            self._client = app.test_client()

        def request(self, method: str, url: str, params: dict | None = None,
                    headers: dict | None = None, json: Any = None) -> _Response:
            path = urllib.parse.urlsplit(url).path
            if params:
                path += "?" + urllib.parse.urlencode(params)
            return _Response(self._client.open(path, method=method, json=json,
                                               headers={**self.headers, **(headers or {})}))

        def get(self, url: str, **kw: Any) -> _Response:
            return self.request("GET", url, **kw)

        def post(self, url: str, **kw: Any) -> _Response:
            return self.request("POST", url, **kw)

        def put(self, url: str, **kw: Any) -> _Response:
            return self.request("PUT", url, **kw)

    module = types.ModuleType("requests")
    module.Session = Session  # type: ignore[attr-defined]
    return module


def test_the_walkthrough_registers_a_first_intervention(app: Flask, monkeypatch) -> None:
    blocks = walkthrough_blocks()
    assert len(blocks) >= 5
    monkeypatch.setitem(sys.modules, "requests", _requests_over(app))
    before = intervention_count(app)
    namespace: dict[str, Any] = {"KEY": issue_test_key(app, "GGD")}
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), namespace)  # noqa: S102 - our own docs
    assert intervention_count(app) == before + 1
    assert namespace["update"].status_code == 200
    kinds = [c["kind"] for c in namespace["feed"]["result"]]
    assert "intervention" in kinds and namespace["cursor"] > 0
