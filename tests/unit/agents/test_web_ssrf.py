"""The live page fetch against loopback servers: every redirect hop is checked, the connection goes to the
checked address, internal answers are never told, and a slow server is cut at the deadline.

Loopback is not public, so each test passes its own address policy: 127.0.0.1 plays the public web and
127.0.0.2 the host's internal network (an admin page that must never be reached).
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from calledit.agents.tools.web import IPAddress, LiveWeb, WebUnavailable, check_public_url

PUBLIC = ipaddress.IPv4Address("127.0.0.1")
INTERNAL = ipaddress.IPv4Address("127.0.0.2")
Route = Callable[[BaseHTTPRequestHandler], None]


def only_public(address: IPAddress) -> bool:
    return address == PUBLIC


@dataclass
class Site:
    """A loopback HTTP server answering each path with its route; it records what it was asked."""

    host: str
    port: int
    hits: list[tuple[str, str]] = field(default_factory=list)  # (path, Host header)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


@contextmanager
def serve(host: str, routes: dict[str, Route], port: int = 0) -> Iterator[Site]:
    site = Site(host, port)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            site.hits.append((self.path, self.headers.get("Host", "")))
            routes.get(self.path, status(404))(self)

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    site.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def page(title: str, text: str) -> Route:
    def answer(handler: BaseHTTPRequestHandler) -> None:
        body = f"<html><head><title>{title}</title></head><body><p>{text}</p></body></html>".encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return answer


def redirect(location: Callable[[], str], code: int = 302) -> Route:
    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(code)
        handler.send_header("Location", location())
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return answer


def status(code: int) -> Route:
    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(code)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return answer


def dribble(headers_too: bool, seconds: float = 10.0) -> Route:
    """One byte every 50 ms (of the body, or of the headers themselves), for `seconds` at most."""

    def answer(handler: BaseHTTPRequestHandler) -> None:
        if headers_too:
            pending = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Slow: " + b"a" * 10_000
        else:
            handler.send_response(200)
            handler.send_header("Content-Type", "text/html")
            handler.send_header("Content-Length", "100000")
            handler.end_headers()
            handler.wfile.flush()
            pending = b"b" * 100_000
        stop = time.monotonic() + seconds
        try:
            for byte in pending:
                if time.monotonic() > stop:
                    break
                handler.wfile.write(bytes([byte]))
                handler.wfile.flush()
                time.sleep(0.05)
        except OSError:
            pass  # the client hung up: what we want

    return answer


@pytest.fixture
def internal() -> Iterator[Site]:
    with serve(str(INTERNAL), {"/admin": page("Admin", "internal secrets")}) as site:
        yield site


def test_a_public_page_is_read_through_the_injected_policy() -> None:
    with serve(str(PUBLIC), {"/": page("Hello", "public text")}) as public:
        fetched = LiveWeb(timeout=2, allow=only_public).fetch(public.url + "/")
    assert (fetched.title, fetched.text) == ("Hello", "public text")
    assert public.hits == [("/", f"127.0.0.1:{public.port}")]


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
def test_a_redirect_to_an_internal_address_is_refused_before_connecting(internal: Site, code: int) -> None:
    # the reported hole: httpx followed the redirect itself, and only the first and final URLs were checked
    routes = {"/": redirect(lambda: f"{internal.url}/admin", code)}
    with serve(str(PUBLIC), routes) as public, pytest.raises(WebUnavailable) as refused:
        LiveWeb(timeout=2, allow=only_public).fetch(public.url + "/")
    assert "not a public address" in str(refused.value)
    assert internal.hits == []


def test_every_hop_is_checked_by_name_too(internal: Site) -> None:
    names = {"news.test": [PUBLIC], "intranet.test": [INTERNAL]}
    web = LiveWeb(timeout=2, allow=only_public, resolve=lambda host, port: names.get(host, []))
    routes: dict[str, Route] = {}
    with serve(str(PUBLIC), routes) as public:
        routes["/a"] = redirect(lambda: f"http://news.test:{public.port}/b")  # a public hop is followed
        routes["/b"] = redirect(lambda: f"http://intranet.test:{internal.port}/admin")
        with pytest.raises(WebUnavailable, match=r"intranet\.test is not a public address"):
            web.fetch(f"http://news.test:{public.port}/a")
    assert [path for path, _ in public.hits] == ["/a", "/b"]
    assert internal.hits == []


def test_the_connection_goes_to_the_checked_address_with_no_second_lookup() -> None:
    # DNS rebinding: the name answers with a public address when checked, then with an internal one
    asked: list[str] = []

    def rebinding(host: str, port: int) -> list[IPAddress]:
        asked.append(host)
        return [PUBLIC] if len(asked) == 1 else [INTERNAL]

    with serve(str(PUBLIC), {"/": page("Checked", "the checked server")}) as public, \
            serve(str(INTERNAL), {"/": page("Admin", "internal secrets")}, port=public.port) as same_port:
        fetched = LiveWeb(timeout=2, allow=only_public, resolve=rebinding).fetch(f"http://rebind.test:{public.port}/")
    assert fetched.text == "the checked server" and asked == ["rebind.test"]
    assert public.hits == [("/", f"rebind.test:{public.port}")]  # the name still goes in the Host header
    assert same_port.hits == []


def test_any_unsafe_address_among_the_answers_refuses_the_host(internal: Site) -> None:
    web = LiveWeb(timeout=2, allow=only_public, resolve=lambda host, port: [PUBLIC, INTERNAL])
    with pytest.raises(WebUnavailable, match="not a public address"):
        web.fetch(f"http://mixed.test:{internal.port}/admin")
    assert internal.hits == []


def test_redirects_are_bounded_and_other_schemes_refused() -> None:
    routes: dict[str, Route] = {"/loop": redirect(lambda: "/loop"), "/file": redirect(lambda: "file:///etc/passwd")}
    with serve(str(PUBLIC), routes) as public:
        web = LiveWeb(timeout=2, allow=only_public)
        with pytest.raises(WebUnavailable, match="redirects more than 5 times"):
            web.fetch(public.url + "/loop")
        assert len(public.hits) == 6
        with pytest.raises(WebUnavailable, match="Only http and https"):
            web.fetch(public.url + "/file")


def test_an_error_answer_does_not_say_its_status() -> None:
    with serve(str(PUBLIC), {"/secret": status(403)}) as public, pytest.raises(WebUnavailable) as failed:
        # a generous timeout: on a busy machine a 2 s one could expire first (the message is the point here)
        LiveWeb(timeout=10, allow=only_public).fetch(public.url + "/secret")
    said = str(failed.value).replace(public.url, "")  # the port may contain "403" (it once was 40369)
    assert "answered with an error" in said and "403" not in said


@pytest.mark.parametrize("headers_too", [False, True], ids=["slow-body", "slow-headers"])
def test_a_server_that_dribbles_bytes_is_cut_at_the_deadline(headers_too: bool) -> None:
    # a 1 byte/s page took 25 s despite timeout=10: each read arrived within the timeout
    with serve(str(PUBLIC), {"/": dribble(headers_too)}) as public:
        web = LiveWeb(timeout=2, deadline=1.0, allow=only_public)
        start = time.monotonic()
        with pytest.raises(WebUnavailable, match="no complete answer within 1 s"):
            web.fetch(public.url + "/")
        took = time.monotonic() - start
    assert 0.9 < took < 2.0


def test_a_resolver_that_hangs_is_given_up_at_the_deadline() -> None:
    release = threading.Event()

    def hanging(host: str, port: int) -> list[IPAddress]:
        release.wait(10)
        return [PUBLIC]

    start = time.monotonic()
    try:
        with pytest.raises(WebUnavailable, match=r"no complete answer within 0\.5 s"):
            LiveWeb(timeout=2, deadline=0.5, allow=only_public, resolve=hanging).fetch("http://slow-dns.test/")
    finally:
        release.set()
    assert time.monotonic() - start < 1.5


def test_check_public_url_uses_the_same_policy() -> None:
    check_public_url("http://127.0.0.1:9/", allow=only_public)
    with pytest.raises(WebUnavailable, match="not a public address"):
        check_public_url("http://127.0.0.2:9/", allow=only_public)
    with pytest.raises(WebUnavailable, match="not a public address"):
        check_public_url("http://[::ffff:127.0.0.1]/")  # IPv4-mapped loopback is loopback
