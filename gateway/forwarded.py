"""Who is really connecting: the client address behind the proxies the configuration trusts.

``X-Forwarded-For`` is written by whoever sends the request, so it is believed only as far as a
trusted proxy vouches for it (``[server] trusted_proxies``, default none).  The header is read right
to left: every hop that is a trusted proxy passed the request on from the hop before it; the first
hop that is not trusted is the client.  Anything left of that hop was written by the client itself
and is never believed (a rotating header must not buy a fresh rate-limit budget, and a spoofed
address must not reach the audit log).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

from gateway.settings import IPNetwork

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def client_address(peer: str | None, forwarded_for: Iterable[bytes], trusted: Sequence[IPNetwork]) -> str | None:
    """The client's address: ``peer`` (the connecting address) unless it is a trusted proxy, then
    the right-most hop of ``X-Forwarded-For`` (every header value, in order) that is not trusted.

    A hop that is not an IP address ends the walk at the last address a trusted proxy vouched for,
    so only an address, never a client's free text, is used for limits and written to the log.
    """
    if peer is None or not trusted:
        return peer
    current = _address(peer)
    if current is None:
        return peer
    for hop in reversed(_hops(forwarded_for)):
        if not _is_trusted(current, trusted):
            break
        address = _address(hop)
        if address is None:
            break
        current = address
    return str(current)


def _hops(values: Iterable[bytes]) -> list[str]:
    return [hop.strip() for value in values for hop in value.decode("latin-1").split(",") if hop.strip()]


def _address(text: str) -> IPAddress | None:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    # An IPv4 client seen through an IPv6 socket (::ffff:10.0.0.1) is the IPv4 client.
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def _is_trusted(address: IPAddress, trusted: Sequence[IPNetwork]) -> bool:
    return any(address.version == net.version and address in net for net in trusted)
