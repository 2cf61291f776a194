from pathlib import Path

import pytest

from calledit.agents.tools import verification_tools
from calledit.agents.tools.web import (
    FixtureWeb,
    LiveWeb,
    NoWeb,
    WebUnavailable,
    build_web,
    check_public_url,
    html_to_text,
)


def test_web_is_off_by_default_and_says_how_to_turn_it_on() -> None:
    web = build_web("off")
    assert isinstance(web, NoWeb) and not web.enabled
    with pytest.raises(WebUnavailable, match="CALLEDIT_WEB=live"):
        web.search("anything")
    with pytest.raises(WebUnavailable, match="CALLEDIT_WEB=live"):
        web.fetch("https://example.com")


def test_fixture_web_needs_a_file(tmp_path: Path) -> None:
    with pytest.raises(WebUnavailable, match="CALLEDIT_WEB_FIXTURES"):
        build_web("fixtures")
    path = tmp_path / "web.json"
    path.write_text('{"search": [{"query": "rain paris", "results": [{"title": "t", "url": "u"}]}]}')
    web = build_web("fixtures", path)
    assert [hit.url for hit in web.search("Will it rain in Paris?")] == ["u"]
    assert web.search("stock prices") == []
    with pytest.raises(WebUnavailable, match="No fixture page"):
        web.fetch("https://nowhere.test")


def test_live_web_is_built_but_never_called_here() -> None:
    assert isinstance(build_web("live"), LiveWeb)


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "ftp://example.com/x", "http://127.0.0.1:8000/", "http://localhost/",
     "http://169.254.169.254/latest/meta-data/", "http://[::1]/", "http://10.0.0.1/"],
)
def test_fetch_refuses_non_public_addresses(url: str) -> None:
    with pytest.raises(WebUnavailable):
        check_public_url(url)
    with pytest.raises(WebUnavailable):
        LiveWeb(timeout=1).fetch(url)


@pytest.mark.parametrize(
    ("html", "title", "text"),
    [
        ("<html><head><title> Hi </title><style>p{}</style></head><body><nav>menu</nav><p>One</p>"
         "<p>Two\n\n three</p><footer>foot</footer></body></html>", "Hi", "One Two three"),
        ("<p>bare &amp; simple</p>", "", "bare & simple"),
        ("", "", ""),
    ],
)
def test_html_to_text(html: str, title: str, text: str) -> None:
    assert html_to_text(html) == (title, text)


def test_web_tools_appear_only_when_the_web_is_on() -> None:
    web = FixtureWeb({"search": [{"query": "q", "results": [{"title": "T", "url": "https://x.test", "snippet": "S"}]}],
                      "pages": {"https://x.test": "<title>P</title><p>Body</p>"}})
    tools = {t.tool_name: t for t in verification_tools(lambda: None, web)}  # type: ignore[arg-type,return-value]
    assert tools["web_search"](query="q") == "<search_results>- T <https://x.test>: S</search_results>"
    assert tools["fetch_page"](url="https://x.test").endswith("<page>P: Body</page>")
    assert tools["fetch_page"](url="https://other.test").startswith("No fixture page")
