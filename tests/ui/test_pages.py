"""The UI's pages over aiohttp's test client: content, escaping, errors as pages, headers."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

import orjson
import pytest
from markupsafe import escape

from service.api.state import SETTINGS
from service.ui.checker import FORM
from tests.auth import bearer
from tests.ui.conftest import XSS, Client, tick

pytestmark = pytest.mark.asyncio

HTML = "text/html"


class _Scripts(HTMLParser):
    """Every <script> element's src, and every on* attribute, of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str | None] = []
        self.handlers: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.scripts.append(dict(attrs).get("src"))
        self.handlers += [name for name, _ in attrs if name.startswith("on")]


def _scripts(page: str) -> _Scripts:
    parser = _Scripts()
    parser.feed(page)
    return parser


async def _page(client: Client, path: str, status: int = 200) -> str:
    response = await client.get(path)
    text = await response.text()
    assert response.status == status, text
    assert response.content_type == HTML
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert '<html lang="en">' in text
    return text


async def test_list_shows_each_schema_and_filters_by_prefix(client: Client) -> None:
    page = await _page(client, "/ui")
    assert "ticks_v1" in page
    assert "xss_v1" in page
    assert re.search(r"<td>2\.0\.0</td>\s*<td>3</td>", page)
    filtered = await _page(client, "/ui?prefix=tick")
    assert "ticks_v1" in filtered
    assert "xss_v1" not in filtered
    nothing = await _page(client, "/ui?prefix=zz")
    assert "No schema id starts with" in nothing


async def test_bad_query_input_is_a_400_page(client: Client) -> None:
    page = await _page(client, "/ui?prefix=" + "x" * 129, 400)
    assert "invalid_parameter" in page
    await _page(client, "/ui?cursor=%00", 400)
    await _page(client, "/ui/schema/ticks_v1?version=not-a-version", 400)
    await _page(client, "/ui/schema/ticks_v1/diff?from=1.0&to=x", 400)
    await _page(client, "/ui/schema/bad%20id", 400)


async def test_unknown_ids_and_versions_are_404_pages(client: Client) -> None:
    assert "schema_not_found" in await _page(client, "/ui/schema/nope_v1", 404)
    assert "version_not_found" in await _page(client, "/ui/schema/ticks_v1?version=9.9.9", 404)
    await _page(client, "/ui/schema/nope_v1/diff", 404)
    await _page(client, "/ui/schema/ticks_v1/diff?from=1.0.0&to=3.0.0", 404)
    await _page(client, "/ui/schema/nope_v1/check", 404)
    response = await client.post("/ui/schema/nope_v1/check", data={"candidate": "{}"})
    assert (response.status, response.content_type) == (404, HTML)


async def test_schema_page_history_fields_document_and_api_link(client: Client) -> None:
    page = await _page(client, "/ui/schema/ticks_v1")
    history = page[page.index("history-heading") : page.index("fields-heading")]
    assert re.search(r"2\.0\.0</a></th>.*?MAJOR.*?Breaking", history, re.S)
    assert re.search(r"1\.1\.0</a></th>.*?MINOR</span></td>\s*<td>no</td>", history, re.S)
    assert "first version" in history
    assert "<code>last_price</code>" in page
    assert '<th scope="col">Arrow type</th>' in page
    assert 'href="/schema/ticks_v1/2.0.0"' in page
    assert 'data-live-id="ticks_v1"' in page
    assert 'id="raw-document"' in page
    older = await _page(client, "/ui/schema/ticks_v1?version=1.0.0")
    assert "<code>price</code>" in older
    assert "Not the latest version" in older


async def test_diff_page_shows_the_rename_as_breaking(client: Client) -> None:
    page = await _page(client, "/ui/schema/ticks_v1/diff?from=1.1.0&to=2.0.0")
    assert "Incompatible" in page
    rename = re.search(r'<tr class="breaking rename">.*?</tr>', page, re.S)
    assert rename is not None
    assert "Field &#39;price&#39; renamed to &#39;last_price&#39;" in rename.group()
    assert "#/arrow/fields/2" in rename.group()
    assert "<del>" in page
    assert "<ins>" in page
    default = await _page(client, "/ui/schema/ticks_v1/diff")
    assert "ticks_v1: 1.1.0 → 2.0.0" in default


async def test_markup_in_a_schema_renders_as_text(client: Client) -> None:
    for path in ("/ui/schema/xss_v1", "/ui", "/ui/schema/xss_v1/check"):
        page = await _page(client, path)
        scripts = _scripts(page)
        assert scripts.scripts == ["/ui/static/ui.js"], path
        assert scripts.handlers == [], path
    page = await _page(client, "/ui/schema/xss_v1")
    assert "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;" in page
    assert page.count(str(escape(XSS))) >= 4  # title, description, enum, property name
    assert "<img" not in page
    assert "<b>" not in page


async def test_check_reports_a_breaking_candidate_as_major(client: Client) -> None:
    candidate = tick("2.0.0")
    candidate["version"] = "2.1.0"
    candidate["required"].append("side")
    form = {"candidate": _json(candidate), "against": "2.0.0", "mode": "", "policy": ""}
    response = await client.post("/ui/schema/ticks_v1/check", data=form)
    page = await response.text()
    assert response.status == 200, page
    assert re.search(r"required bump <strong[^>]*>MAJOR</strong>", page)
    assert "Incompatible" in page
    # The form keeps what was submitted (escaped).
    assert "&#34;2.1.0&#34;" in page or "&quot;2.1.0&quot;" in page
    # Mode NONE: the same change reported, never refused.
    response = await client.post(
        "/ui/schema/ticks_v1/check", data={**form, "mode": "NONE", "policy": "LENIENT"}
    )
    assert "(NONE, LENIENT)" in await response.text()


async def test_check_of_a_compatible_candidate(client: Client) -> None:
    form = {"candidate": _json({**tick("2.0.0"), "description": "ticks"})}
    response = await client.post("/ui/schema/ticks_v1/check", data=form)
    page = await response.text()
    assert response.status == 200
    assert re.search(r"<strong>Compatible</strong>\s+against 2\.0\.0", page)


async def test_invalid_json_candidate_is_shown_on_the_page_with_400(client: Client) -> None:
    response = await client.post("/ui/schema/ticks_v1/check", data={"candidate": '{"type": <'})
    page = await response.text()
    assert (response.status, response.content_type) == (400, HTML)
    assert 'role="alert"' in page
    assert "invalid JSON" in page
    assert "{&#34;type&#34;: &lt;" in page
    response = await client.post("/ui/schema/ticks_v1/check", data={"candidate": "   "})
    assert response.status == 400
    assert "paste a candidate" in await response.text()
    response = await client.post(
        "/ui/schema/ticks_v1/check", data={"candidate": "{}", "mode": "SIDEWAYS"}
    )
    assert response.status == 400
    assert "unknown mode or policy" in await response.text()


async def test_invalid_schema_candidate_lists_problems(client: Client) -> None:
    form = {"candidate": _json({"type": "object", "properties": {"x": {"type": "nope"}}})}
    response = await client.post("/ui/schema/ticks_v1/check", data=form)
    assert response.status == 400
    assert "invalid_schema" in await response.text()


async def test_huge_candidate_is_413(client: Client) -> None:
    assert client.app is not None
    limit = client.app[SETTINGS].max_body
    candidate = b"candidate=" + b"+" * (limit + 1)
    response = await client.post(
        "/ui/schema/ticks_v1/check", data=io.BytesIO(candidate), headers={"Content-Type": FORM}
    )
    assert (response.status, response.content_type) == (413, HTML)
    assert "payload_too_large" in await response.text()
    # A body past what any candidate within the limit encodes to is refused before reading.
    body = b"candidate=" + b"%20" * (limit + 10_000)
    response = await client.post(
        "/ui/schema/ticks_v1/check", data=io.BytesIO(body), headers={"Content-Type": FORM}
    )
    assert response.status == 413


async def test_checker_refuses_other_sites_and_other_encodings(client: Client) -> None:
    response = await client.post(
        "/ui/schema/ticks_v1/check",
        data={"candidate": "{}"},
        headers={"Origin": "https://evil.example"},
    )
    assert (response.status, response.content_type) == (403, HTML)
    assert client.server.host is not None
    same = f"http://{client.server.host}:{client.server.port}"
    response = await client.post(
        "/ui/schema/ticks_v1/check", data={"candidate": "{}"}, headers={"Origin": same}
    )
    assert response.status == 200
    response = await client.post("/ui/schema/ticks_v1/check", json={"candidate": "{}"})
    assert (response.status, response.content_type) == (415, HTML)


async def test_checker_form_offers_every_version_and_the_configured_mode(client: Client) -> None:
    page = await _page(client, "/ui/schema/ticks_v1/check")
    assert '<option value="2.0.0">2.0.0 (latest)</option>' in page
    assert "configured (BACKWARD)" in page
    assert '<label for="candidate">' in page


async def test_static_files(client: Client) -> None:
    response = await client.get("/ui/static/ui.js")
    assert response.status == 200
    assert response.content_type == "text/javascript"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    etag = response.headers["ETag"]
    response = await client.get("/ui/static/ui.js", headers={"If-None-Match": etag})
    assert response.status == 304
    for name in ("nope.js", "..%2Fviews.py", "%2e%2e"):
        assert (await client.get(f"/ui/static/{name}")).status == 404
    assert (await client.get("/ui/static/ui.css")).content_type == "text/css"


async def test_ui_follows_the_read_access_rules(client: Client) -> None:
    # A bad token is refused as on every read; a good one is accepted.
    response = await client.get("/ui", headers={"Authorization": "Bearer nonsense"})
    assert response.status == 401
    response = await client.get("/ui", headers=bearer("reader"))
    assert response.status == 200


async def test_ui_requests_are_timed_under_their_route_templates(client: Client) -> None:
    await client.get("/ui/schema/ticks_v1")
    metrics = await (await client.get("/metrics")).text()
    assert 'route="/ui/schema/{id}"' in metrics


def _json(doc: object) -> str:
    return orjson.dumps(doc).decode()
