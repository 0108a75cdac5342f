"""Fetching an item's media from an http(s) URL without letting the URL reach the server's own networks.

Each hop of a fetch is checked before anything is sent: only `http` and `https`, no credentials in the URL,
no cloud-metadata host names, and the host resolved once, here, with every address it resolves to public
(not loopback, private, link-local, CGNAT, multicast, reserved or unspecified, also when spelled as an
IPv4-mapped, NAT64 or 6to4 IPv6 address) or covered by the operator's allow-list. The connection then goes
to exactly the address that was checked: the request still names the host (Host header, TLS SNI and the
certificate check), but no second DNS lookup can send it elsewhere (DNS rebinding). Ports other than 80
and 443 are reached only on allow-listed hosts. Redirects are followed by hand, at most `MAX_REDIRECTS`,
each hop checked again. The body streams to a file under a size cap and one deadline for the whole fetch.
"""

from __future__ import annotations

import re
import socket
import ssl
import time
from dataclasses import dataclass
from functools import lru_cache
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from typing import BinaryIO

import httpcore
import httpx

from tutorloop import __version__
from tutorloop.errors import TutorloopError

Address = IPv4Address | IPv6Address
Network = IPv4Network | IPv6Network

MAX_REDIRECTS = 5
DEFAULT_PORTS = {"http": 80, "https": 443}
OPEN_PORTS = frozenset({80, 443})
REDIRECTS = frozenset({301, 302, 303, 307, 308})

# Names that reach a cloud provider's instance metadata service (credentials!) wherever DNS points them.
METADATA_NAMES = frozenset({
    "metadata.google.internal", "metadata.goog", "metadata", "instance-data", "instance-data.ec2.internal",
})
METADATA_ADDRESSES = frozenset(ip_address(a) for a in (
    "169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200", "192.0.0.192",
))
CGNAT = ip_network("100.64.0.0/10")
NAT64 = ip_network("64:ff9b::/96")
# Legacy IPv4 spellings resolvers accept: 2130706433, 0x7f.1, 0177.0.0.1, 127.1.
NUMERIC_HOST = re.compile(r"(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+))*\.?", re.IGNORECASE)
HOST_NAME = re.compile(r"[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*")


class FetchBlocked(TutorloopError):
    """The URL points where the server does not fetch from: an internal address, a port, a scheme."""

    status = 403


class FetchFailed(TutorloopError):
    """The remote server did not give a usable media file."""

    status = 502


class FetchTimeout(FetchFailed):
    """The remote server took longer than the fetch may."""

    status = 504


def address_problem(address: Address) -> str | None:
    """What kind of internal address `address` is, in words ("a loopback address"); None for a public one."""
    if isinstance(address, IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return address_problem(embedded)
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if isinstance(address, IPv4Address) and address in CGNAT:
        return "a shared (CGNAT) address"
    if isinstance(address, IPv6Address) and address.is_site_local:
        return "a site-local address"
    if address.is_reserved:
        return "a reserved address"
    if address.is_private:
        return "a private address"
    if not address.is_global:
        return "not a public address"
    return None


def _embedded_ipv4(address: IPv6Address) -> IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (IPv4-mapped, NAT64, 6to4), which is what it reaches."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in NAT64:
        return IPv4Address(int(address) & 0xFFFFFFFF)
    return address.sixtofour


def literal_address(host: str) -> Address | None:
    """The address a host written as an IP literal means (None for a name).

    Besides dotted quads and IPv6, the legacy IPv4 forms that `inet_aton` and browsers accept count as
    literals too (`2130706433`, `0x7f.1`, `0177.0.0.1`), so they are judged as the address they reach.
    """
    bare = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        return ip_address(bare)
    except ValueError:
        pass
    if NUMERIC_HOST.fullmatch(bare):
        try:
            return IPv4Address(socket.inet_aton(bare.rstrip(".")))
        except OSError:
            raise FetchBlocked(f"{host} is not a valid IPv4 address") from None
    return None


@dataclass(frozen=True)
class AllowList:
    """Hosts and networks the operator lets the fetcher reach although they are internal, on any port.

    Written as `TUTORLOOP_MEDIA_FETCH_ALLOW`: comma-separated host names (`images.lan`, `*.corp.example`)
    and addresses or CIDRs (`127.0.0.1`, `10.20.0.0/16`, `fd12::/16`).
    """

    hosts: frozenset[str] = frozenset()
    networks: tuple[Network, ...] = ()

    @classmethod
    def parse(cls, text: str) -> AllowList:
        """The allow-list a setting describes; ValueError names an entry that is neither a host nor a CIDR."""
        hosts, networks = set(), []
        for entry in (part.strip() for part in (text or "").split(",")):
            if not entry:
                continue
            try:
                networks.append(ip_network(entry.replace("[", "").replace("]", ""), strict=False))
                continue
            except ValueError:
                pass
            name = entry.lower().rstrip(".")
            if not HOST_NAME.fullmatch(name.removeprefix("*.")) or NUMERIC_HOST.fullmatch(name):
                raise ValueError(f"{entry!r} is neither a host name nor an address or CIDR")
            hosts.add(name)
        return cls(frozenset(hosts), tuple(networks))

    def allows_host(self, host: str) -> bool:
        """True when the host name itself is allow-listed (exactly, or under a `*.` wildcard)."""
        return host in self.hosts or any(
            pattern.startswith("*.") and host.endswith(pattern[1:]) for pattern in self.hosts)

    def allows_address(self, address: Address) -> bool:
        """True when an allow-listed network holds the address (or the IPv4 address it stands for)."""
        candidates = [address]
        if isinstance(address, IPv6Address) and (embedded := _embedded_ipv4(address)) is not None:
            candidates.append(embedded)
        return any(a.version == n.version and a in n for a in candidates for n in self.networks)


@lru_cache(maxsize=1)
def default_ssl_context() -> ssl.SSLContext:
    """Certificate checks against the Mozilla CA bundle (certifi), as httpx does."""
    import certifi

    return ssl.create_default_context(cafile=certifi.where())


@dataclass(frozen=True)
class FetchPolicy:
    """What a fetch may do: where it may connect, how much it may read and for how long."""

    allow: AllowList = AllowList()
    max_bytes: int = 200 * 1024 * 1024
    timeout: float = 30.0
    ssl_context: ssl.SSLContext | None = None

    @classmethod
    def from_settings(cls, settings) -> FetchPolicy:
        """The policy the `TUTORLOOP_MEDIA_FETCH_*` settings describe."""
        return cls(allow=AllowList.parse(settings.media_fetch_allow),
                   max_bytes=settings.media_fetch_max_mb * 1024 * 1024, timeout=settings.media_fetch_timeout)


@dataclass(frozen=True)
class Hop:
    """One checked request target: the URL, its host and port, and the only addresses it may connect to."""

    url: httpx.URL
    host: str
    port: int
    addresses: tuple[Address, ...]


@dataclass(frozen=True)
class Fetched:
    """What a finished fetch gave: the last URL after redirects, the content type and the byte count."""

    url: str
    content_type: str
    size: int


def resolve(host: str, port: int) -> list[Address]:
    """Every address a host name resolves to, from one lookup (the fetch connects only to these)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise FetchFailed(f"the host name {host} does not resolve") from None
    out: list[Address] = []
    for info in infos:
        address = ip_address(info[4][0])
        if address not in out:
            out.append(address)
    return out


def check_url(url: str | httpx.URL, allow: AllowList, where: str) -> Hop:
    """The hop a URL leads to, if the fetcher may go there; FetchBlocked (with the reason) otherwise."""
    try:
        parsed = url if isinstance(url, httpx.URL) else httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        raise FetchBlocked(f"{where}: {str(url)[:200]!r} is not a valid URL", where=where) from None
    if parsed.scheme not in DEFAULT_PORTS:
        raise FetchBlocked(f"{where}: only http and https URLs are fetched, not {parsed.scheme or '(none)'}:",
                           where=where)
    if parsed.userinfo:
        raise FetchBlocked(f"{where}: URLs with a user name or password are not fetched", where=where)
    host = parsed.raw_host.decode("ascii").lower().rstrip(".")
    if not host:
        raise FetchBlocked(f"{where}: the URL has no host", where=where)
    port = parsed.port or DEFAULT_PORTS[parsed.scheme]
    try:
        literal = literal_address(host)
    except FetchBlocked as exc:
        raise FetchBlocked(f"{where}: {exc.message}", where=where) from None
    if literal is None and not HOST_NAME.fullmatch(host):
        raise FetchBlocked(f"{where}: {host[:100]!r} is not a valid host name", where=where)
    if literal is None and allow.allows_host(host):
        return Hop(parsed, host, port, tuple(_resolve(host, port, where)))
    if literal is None and (host in METADATA_NAMES or host == "localhost" or host.endswith(".localhost")):
        raise FetchBlocked(f"{where}: {host} is an internal host name; the server does not fetch from it",
                           where=where)
    addresses = [literal] if literal is not None else _resolve(host, port, where)
    for address in addresses:
        if allow.allows_address(address):
            continue
        problem = address_problem(address)
        if problem is not None:
            said = f"{host} is {problem}" if literal is not None else f"{host} resolves to {problem}"
            raise FetchBlocked(f"{where}: {said}; the server does not fetch from internal networks "
                               "(an operator can allow it with TUTORLOOP_MEDIA_FETCH_ALLOW)", where=where)
    if port not in OPEN_PORTS and not all(allow.allows_address(a) for a in addresses):
        raise FetchBlocked(f"{where}: port {port} is not fetched from (only 80 and 443, or allow-listed hosts)",
                           where=where)
    return Hop(parsed, str(literal) if literal is not None else host, port, tuple(addresses))


def _resolve(host: str, port: int, where: str) -> list[Address]:
    try:
        addresses = resolve(host, port)
    except FetchFailed as exc:
        raise FetchFailed(f"{where}: {exc.message}", where=where) from None
    if not addresses:
        raise FetchFailed(f"{where}: the host name {host} does not resolve", where=where)
    return addresses


class _PinnedBackend(httpcore.SyncBackend):
    """Connects to the checked addresses, whatever host the request names: there is no second lookup."""

    def __init__(self, addresses: tuple[Address, ...]):
        self._addresses = addresses

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        error: Exception | None = None
        for address in self._addresses:
            try:
                return super().connect_tcp(str(address), port, timeout=timeout, local_address=local_address,
                                           socket_options=socket_options)
            except httpcore.ConnectError as exc:
                error = exc
        raise error or httpcore.ConnectError("no address to connect to")


def _host_header(hop: Hop) -> bytes:
    host = f"[{hop.host}]" if ":" in hop.host else hop.host
    return (host if hop.port == DEFAULT_PORTS[hop.url.scheme] else f"{host}:{hop.port}").encode("ascii")


def _remaining(deadline: float, where: str, url: str) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise FetchTimeout(f"{where}: fetching {url} took too long", where=where)
    return left


def _header(response: httpcore.Response, name: bytes) -> str | None:
    for key, value in response.headers:
        if key.lower() == name:
            return value.decode("latin-1").strip()
    return None


def fetch(url: str, out: BinaryIO, *, policy: FetchPolicy, accept: tuple[str, ...], where: str) -> Fetched:
    """Download `url` into `out`, checking every hop; FetchBlocked, FetchFailed or FetchTimeout otherwise.

    `accept` lists the content-type prefixes taken (`("image/",)`); anything else is refused.
    """
    deadline = time.monotonic() + policy.timeout
    current: str | httpx.URL = url
    for _ in range(MAX_REDIRECTS + 1):
        hop = check_url(current, policy.allow, where)
        shown = str(hop.url)[:300]
        try:
            location = _request(hop, out, policy=policy, accept=accept, where=where, deadline=deadline)
        except httpcore.TimeoutException:
            raise FetchTimeout(f"{where}: fetching {shown} took too long", where=where) from None
        except (httpcore.NetworkError, httpcore.ProtocolError, OSError) as exc:
            reason = str(exc) or type(exc).__name__
            raise FetchFailed(f"{where}: fetching {shown} failed: {reason}", where=where) from None
        if isinstance(location, Fetched):
            return location
        try:
            current = hop.url.join(location)
        except (httpx.InvalidURL, ValueError):
            raise FetchFailed(f"{where}: {shown} redirects to an invalid URL", where=where) from None
    raise FetchFailed(f"{where}: {url[:300]} redirects more than {MAX_REDIRECTS} times", where=where)


def _request(hop: Hop, out: BinaryIO, *, policy: FetchPolicy, accept: tuple[str, ...], where: str,
             deadline: float) -> Fetched | str:
    """One request: the finished download, or the Location a redirect points to."""
    shown = str(hop.url)[:300]
    left = _remaining(deadline, where, shown)
    target = httpcore.URL(scheme=hop.url.raw_scheme, host=hop.host.encode("ascii"), port=hop.port,
                          target=hop.url.raw_path)
    headers = [(b"Host", _host_header(hop)), (b"User-Agent", f"tutorloop/{__version__} (media fetch)".encode()),
               (b"Accept", ", ".join(f"{a}*" for a in accept).encode()), (b"Accept-Encoding", b"identity")]
    timeouts = {"connect": left, "read": left, "write": left, "pool": left}
    with httpcore.ConnectionPool(ssl_context=policy.ssl_context or default_ssl_context(),
                                 network_backend=_PinnedBackend(hop.addresses), max_connections=1) as pool, \
            pool.stream("GET", target, headers=headers, extensions={"timeout": timeouts}) as response:
        if response.status in REDIRECTS:
            location = _header(response, b"location")
            if not location:
                raise FetchFailed(f"{where}: {shown} redirects without saying where", where=where)
            return location
        if response.status != 200:
            raise FetchFailed(f"{where}: {shown} answered HTTP {response.status}", where=where)
        content_type = (_header(response, b"content-type") or "").split(";")[0].strip().lower()
        if not content_type.startswith(accept):
            wanted = " or ".join(f"{a}*" for a in accept)
            raise FetchFailed(f"{where}: {shown} is {content_type or 'of no stated type'}, not {wanted}",
                              where=where)
        encoding = (_header(response, b"content-encoding") or "identity").lower()
        if encoding != "identity":
            raise FetchFailed(f"{where}: {shown} came compressed ({encoding}), which media may not be",
                              where=where)
        limit_mb = policy.max_bytes / (1024 * 1024)
        too_large = f"{where}: {shown} is larger than the {limit_mb:g} MB media fetches may be"
        length = _header(response, b"content-length")
        if length and length.isdigit() and int(length) > policy.max_bytes:
            raise FetchFailed(too_large, where=where)
        size = 0
        for chunk in response.iter_stream():
            size += len(chunk)
            if size > policy.max_bytes:
                raise FetchFailed(too_large, where=where)
            _remaining(deadline, where, shown)
            out.write(chunk)
        return Fetched(url=str(hop.url), content_type=content_type, size=size)
