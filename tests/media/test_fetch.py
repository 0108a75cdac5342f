"""The SSRF guard: which addresses and URLs the fetcher refuses, and how it connects to the ones it takes."""

from __future__ import annotations

import io
import shutil
import ssl
import subprocess
import threading
from http.server import ThreadingHTTPServer
from ipaddress import ip_address

import pytest

from tests.media.conftest import Remote, _handler, png_bytes
from tutorloop.media import fetch as fetch_module
from tutorloop.media.fetch import (
    AllowList,
    FetchBlocked,
    FetchFailed,
    FetchPolicy,
    FetchTimeout,
    address_problem,
    check_url,
    fetch,
    literal_address,
)

BLOCKED = {
    "127.0.0.1": "loopback", "127.255.255.254": "loopback", "0.0.0.0": "unspecified",
    "10.0.0.1": "private", "172.16.5.4": "private", "172.31.255.255": "private", "192.168.1.1": "private",
    "169.254.169.254": "metadata", "169.254.170.2": "metadata", "169.254.1.1": "link-local",
    "100.64.0.1": "CGNAT", "100.127.255.254": "CGNAT", "100.100.100.200": "metadata",
    "192.0.0.192": "metadata", "224.0.0.1": "multicast", "239.255.255.250": "multicast",
    "240.0.0.1": "reserved", "255.255.255.255": "reserved", "0.1.2.3": "private",
    "198.18.0.1": "private", "192.0.2.1": "private",
    "::1": "loopback", "::": "unspecified", "fc00::1": "private", "fd12:3456::1": "private",
    "fd00:ec2::254": "metadata", "fe80::1": "link-local", "febf::1": "link-local", "fec0::1": "site-local",
    "ff02::1": "multicast", "ff0e::1": "multicast", "2001:db8::1": "private", "::127.0.0.1": "reserved",
    "::ffff:127.0.0.1": "loopback", "::ffff:10.0.0.1": "private", "::ffff:169.254.169.254": "metadata",
    "::ffff:100.64.0.1": "CGNAT", "64:ff9b::7f00:1": "loopback", "64:ff9b::a9fe:a9fe": "metadata",
    "2002:7f00:1::1": "loopback", "2002:c0a8:101::1": "private",
}
PUBLIC = ["8.8.8.8", "93.184.216.34", "1.1.1.1", "100.128.0.1", "2606:4700:4700::1111", "2a00:1450:4001::1",
          "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"]


@pytest.mark.parametrize("address", sorted(BLOCKED))
def test_internal_addresses_are_refused(address):
    problem = address_problem(ip_address(address))
    assert problem is not None and BLOCKED[address] in problem


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_are_taken(address):
    assert address_problem(ip_address(address)) is None


@pytest.mark.parametrize("host, address", [
    ("2130706433", "127.0.0.1"), ("0x7f.1", "127.0.0.1"), ("0x7f000001", "127.0.0.1"),
    ("0177.0.0.1", "127.0.0.1"), ("017700000001", "127.0.0.1"), ("127.1", "127.0.0.1"),
    ("0", "0.0.0.0"), ("10.0.0.1.", "10.0.0.1"), ("[::1]", "::1"), ("169.254.169.254", "169.254.169.254"),
])
def test_legacy_ipv4_spellings_are_read_as_the_address_they_reach(host, address):
    assert literal_address(host) == ip_address(address)


def test_names_are_not_literals():
    assert literal_address("example.org") is None
    assert literal_address("cafe.example") is None
    with pytest.raises(FetchBlocked):
        literal_address("1.2.3.4.5")


@pytest.fixture
def no_dns(monkeypatch):
    """Name resolution answers from a table; anything else fails the test."""
    table: dict[str, list[str]] = {}
    calls: list[str] = []

    def resolve(host, port):
        calls.append(host)
        if host not in table:
            raise AssertionError(f"unexpected lookup of {host}")
        return [ip_address(a) for a in table[host]]

    monkeypatch.setattr(fetch_module, "resolve", resolve)
    return table, calls


@pytest.mark.parametrize("url, reason", [
    ("http://2130706433/", "loopback"), ("http://0x7f.1/", "loopback"), ("http://0177.0.0.1/x.png", "not a valid URL"),
    ("http://127.1:80/", "loopback"), ("http://[::1]/", "loopback"), ("http://[::ffff:127.0.0.1]/", "loopback"),
    ("http://[::ffff:7f00:1]/", "loopback"), ("http://[0:0:0:0:0:ffff:a00:1]/", "private"),
    ("http://169.254.169.254/latest/meta-data/", "metadata"), ("http://[fd00:ec2::254]/", "metadata"),
    ("http://10.1.2.3/", "private"), ("http://192.168.0.1./", "private"), ("http://100.64.1.1/", "CGNAT"),
    ("http://[fe80::1]/", "link-local"), ("http://224.0.0.251/", "multicast"), ("http://0.0.0.0/", "unspecified"),
    ("http://metadata.google.internal/computeMetadata/v1/", "internal host name"),
    ("http://METADATA.google.internal./", "internal host name"), ("http://localhost/", "internal host name"),
    ("http://cam.localhost/", "internal host name"), ("file:///etc/passwd", "only http and https"),
    ("ftp://example.org/a.png", "only http and https"), ("gopher://example.org/", "only http and https"),
    ("http://user:secret@example.org/a.png", "user name or password"),
    ("http://127.0.0.1%2f@example.org/", "user name or password"), ("http://%31%32%37.0.0.1/", "not a valid host"),
    ("http:///a.png", "no host"), ("not a url", "only http and https"),
])
def test_urls_to_internal_places_are_refused(no_dns, url, reason):
    with pytest.raises(FetchBlocked) as caught:
        check_url(url, AllowList(), "data.image")
    assert reason in caught.value.message and caught.value.message.startswith("data.image: ")
    assert caught.value.where == "data.image"
    assert no_dns[1] == []  # refused before any lookup


def test_names_are_judged_by_every_address_they_resolve_to(no_dns):
    table, calls = no_dns
    table["images.example.org"] = ["93.184.216.34"]
    table["mixed.example.org"] = ["93.184.216.34", "10.0.0.7"]
    table["inside.example.org"] = ["fd00::5"]
    hop = check_url("https://images.example.org/a.png?x=1", AllowList(), "data.image")
    assert hop.addresses == (ip_address("93.184.216.34"),) and hop.port == 443 and hop.host == "images.example.org"
    for name, reason in (("mixed", "private"), ("inside", "private")):
        with pytest.raises(FetchBlocked, match=f"{name}.example.org resolves to a {reason} address"):
            check_url(f"http://{name}.example.org/", AllowList(), "data.image")
    assert calls == ["images.example.org", "mixed.example.org", "inside.example.org"]


def test_only_ports_80_and_443_unless_allow_listed(no_dns):
    no_dns[0]["images.example.org"] = ["93.184.216.34"]
    no_dns[0]["images.lan"] = ["10.0.0.9"]
    assert check_url("http://images.example.org:443/", AllowList(), "f").port == 443
    for port in (22, 8080, 6379):
        with pytest.raises(FetchBlocked, match=f"port {port}"):
            check_url(f"http://images.example.org:{port}/", AllowList(), "f")
    allow = AllowList.parse("images.lan, 127.0.0.0/8")
    assert check_url("http://images.lan:8080/", allow, "f").addresses == (ip_address("10.0.0.9"),)
    assert check_url("http://127.0.0.1:6379/", allow, "f").port == 6379
    with pytest.raises(FetchBlocked, match="private"):  # the allow-list names hosts, not whole networks
        check_url("http://10.0.0.9:8080/", allow, "f")


def test_allow_list_entries():
    allow = AllowList.parse(" 127.0.0.1 , 10.20.0.0/16,[fd12::]/16, *.corp.example, Images.LAN. ,")
    assert allow.allows_address(ip_address("127.0.0.1")) and not allow.allows_address(ip_address("127.0.0.2"))
    assert allow.allows_address(ip_address("10.20.3.4")) and allow.allows_address(ip_address("::ffff:10.20.0.1"))
    assert allow.allows_address(ip_address("fd12::1")) and not allow.allows_address(ip_address("fd13::1"))
    assert allow.allows_host("images.lan") and allow.allows_host("a.b.corp.example")
    assert not allow.allows_host("corp.example") and not allow.allows_host("evilcorp.example")
    for bad in ("10.0.0.0/33", "0x7f.1", "http://x", "a b"):
        with pytest.raises(ValueError):
            AllowList.parse(bad)


def policy(**options) -> FetchPolicy:
    return FetchPolicy(allow=AllowList.parse(options.pop("allow", "127.0.0.1")), timeout=options.pop("timeout", 5),
                       **options)


def test_fetch_takes_an_image_and_refuses_the_rest(remote):
    picture = png_bytes(4, 3)
    url = remote.serve("/a.png", picture)
    out = io.BytesIO()
    got = fetch(url, out, policy=policy(), accept=("image/",), where="data.image")
    assert out.getvalue() == picture and got.size == len(picture) and got.content_type == "image/png"
    _, headers = remote.requests[-1]
    assert headers["host"] == f"127.0.0.1:{remote.port}" and headers["accept"] == "image/*"
    remote.serve("/page", b"<html>", "text/html; charset=utf-8")
    remote.serve("/untyped", picture, None)
    remote.serve("/gz", picture, "image/png", headers={"Content-Encoding": "gzip"})
    for path, reason in (("/page", "is text/html, not image/*"), ("/untyped", "of no stated type"),
                         ("/gz", "compressed"), ("/missing", "answered HTTP 404")):
        with pytest.raises(FetchFailed, match=reason):
            fetch(remote.url(path), io.BytesIO(), policy=policy(), accept=("image/",), where="data.image")
    with pytest.raises(FetchBlocked, match="loopback"):  # the same server without the allow-list
        fetch(url, io.BytesIO(), policy=policy(allow=""), accept=("image/",), where="data.image")


def test_size_cap_with_and_without_content_length(remote):
    big = b"\0" * 3000
    for path, length in (("/stated", True), ("/unstated", False)):
        remote.serve(path, big, length=length)
        out = io.BytesIO()
        with pytest.raises(FetchFailed, match="larger than"):
            fetch(remote.url(path), out, policy=policy(max_bytes=1000), accept=("image/",), where="f")
        assert len(out.getvalue()) <= 1000


def test_redirects_are_followed_a_few_times_each_hop_checked(remote):
    picture = png_bytes(2, 2)
    remote.serve("/final.png", picture)
    remote.redirect("/one", "/two", 301)
    remote.redirect("/two", remote.url("/final.png"), 307)
    out = io.BytesIO()
    got = fetch(remote.url("/one"), out, policy=policy(), accept=("image/",), where="f")
    assert out.getvalue() == picture and got.url == remote.url("/final.png")
    remote.redirect("/meta", "http://169.254.169.254/latest/meta-data/iam/")
    remote.redirect("/hex", "http://0x7f.0.0.2/")
    for path, reason in (("/meta", "metadata"), ("/hex", "loopback")):
        with pytest.raises(FetchBlocked, match=reason):
            fetch(remote.url(path), io.BytesIO(), policy=policy(), accept=("image/",), where="f")
    remote.redirect("/loop", "/loop")
    with pytest.raises(FetchFailed, match="redirects more than 5 times"):
        fetch(remote.url("/loop"), io.BytesIO(), policy=policy(), accept=("image/",), where="f")
    assert remote.hits("/loop") == 6


def test_a_slow_server_times_out(remote):
    remote.serve("/slow.png", png_bytes(2, 2), delay=1.5)
    with pytest.raises(FetchTimeout) as caught:
        fetch(remote.url("/slow.png"), io.BytesIO(), policy=policy(timeout=0.3), accept=("image/",), where="f")
    assert caught.value.status == 504


def test_the_checked_address_is_the_one_connected_to(remote, monkeypatch):
    """DNS rebinding: a second lookup would say 10.9.9.9, but there is no second lookup."""
    answers = iter([["127.0.0.1"], ["10.9.9.9"]])
    calls = []

    def resolve(host, port):
        calls.append(host)
        return [ip_address(a) for a in next(answers)]

    monkeypatch.setattr(fetch_module, "resolve", resolve)
    picture = png_bytes(3, 3)
    remote.serve("/r.png", picture)
    out = io.BytesIO()
    fetch(remote.url("/r.png", host="rebind.example"), out, policy=policy(), accept=("image/",), where="f")
    assert out.getvalue() == picture and calls == ["rebind.example"]
    assert remote.requests[-1][1]["host"] == f"rebind.example:{remote.port}"


@pytest.fixture
def tls_remote(tmp_path):
    """The stand-in server over TLS with a certificate for media.example, recording the SNI it was sent."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "1", "-subj", "/CN=media.example",
                    "-addext", "subjectAltName=DNS:media.example"], check=True, capture_output=True)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    names: list[str | None] = []
    server_context.sni_callback = lambda sock, name, ctx: names.append(name)
    server = ThreadingHTTPServer(("127.0.0.1", 0), None)
    stand_in = Remote(server)
    server.RequestHandlerClass = _handler(stand_in)
    server.socket = server_context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield stand_in, ssl.create_default_context(cafile=str(cert)), names
    server.shutdown()
    server.server_close()


def test_tls_names_the_host_while_connecting_to_the_checked_address(tls_remote, monkeypatch):
    remote, client_context, names = tls_remote
    monkeypatch.setattr(fetch_module, "resolve", lambda host, port: [ip_address("127.0.0.1")])
    picture = png_bytes(5, 5)
    remote.serve("/t.png", picture)
    url = f"https://media.example:{remote.port}/t.png"
    out = io.BytesIO()
    fetch(url, out, policy=policy(ssl_context=client_context), accept=("image/",), where="f")
    assert out.getvalue() == picture and names[-1] == "media.example"
    assert remote.requests[-1][1]["host"] == f"media.example:{remote.port}"
    # the certificate is checked against the name in the URL, not the address connected to
    monkeypatch.setattr(fetch_module, "resolve", lambda host, port: [ip_address("127.0.0.1")])
    with pytest.raises(FetchFailed, match="failed"):
        fetch(f"https://other.example:{remote.port}/t.png", io.BytesIO(),
              policy=policy(ssl_context=client_context, allow="127.0.0.1"), accept=("image/",), where="f")
