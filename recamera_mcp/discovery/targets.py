"""Parse what a user types as a scan target into address ranges, and refuse what must not be scanned.

Accepted: a CIDR (``192.168.1.0/24``; host bits are ignored), a last-octet range (``192.168.1.10-40``), a full range
(``192.168.1.10-192.168.1.40``), a single IPv4 address, or several of these (a list, or one string separated by
commas or spaces). Overlaps are merged. A CIDR of prefix ≤ 30 excludes its network and broadcast addresses.

Refused unless asked for: public addresses (anything outside private RFC 1918, loopback 127/8 and link-local
169.254/16; ``allow_public``) and more than 65,536 addresses (a /16; ``allow_large``). Multicast, reserved,
broadcast and 0.0.0.0/8 are always refused.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network

from recamera_mcp.client import ValidationError

__all__ = [
    "LARGE_LIMIT",
    "TargetError",
    "TargetRefusedError",
    "TargetSet",
    "collapse_ranges",
    "merge_consecutive",
    "parse_target_set",
    "parse_targets",
]

LARGE_LIMIT = 65_536  # a /16
ACCEPTED = (
    "accepted: a CIDR like 192.168.1.0/24, a range like 192.168.1.10-40 or 192.168.1.10-192.168.1.40, "
    "a single IPv4 address, or a list of these"
)
ALLOWED_NETWORKS = tuple(
    IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16")
)
NEVER_NETWORKS = tuple(IPv4Network(n) for n in ("0.0.0.0/8", "224.0.0.0/3"))  # 224/4 multicast + 240/4 reserved
MAX_TARGET_CHARS = 8192
MAX_TARGET_ITEMS = 1024
_SHORT_RANGE = re.compile(r"^(\d{1,3}\.\d{1,3}\.\d{1,3}\.)(\d{1,3})-(\d{1,3})$")


class TargetError(ValidationError):
    """The scan target is not valid; the message says what is accepted (a :class:`ValidationError` of ``subnet``)."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message, hint, field="subnet")


class TargetRefusedError(TargetError):
    """The scan target is valid but refused (public or too large) without the matching ``allow_*`` flag."""


@dataclass(frozen=True)
class TargetSet:
    """Sorted, merged, inclusive ranges of IPv4 addresses as integers. Iterates lazily, in numeric order."""

    ranges: tuple[tuple[int, int], ...]

    def __len__(self) -> int:
        return sum(end - start + 1 for start, end in self.ranges)

    def __iter__(self) -> Iterator[IPv4Address]:
        for start, end in self.ranges:
            for value in range(start, end + 1):
                yield IPv4Address(value)

    def __contains__(self, item: object) -> bool:
        value = int(IPv4Address(item)) if isinstance(item, (str, IPv4Address)) else None
        return value is not None and any(start <= value <= end for start, end in self.ranges)

    def networks(self) -> list[IPv4Network]:
        """The exact set as CIDR blocks (for tools such as nmap)."""
        blocks: list[IPv4Network] = []
        for start, end in self.ranges:
            blocks.extend(ipaddress.summarize_address_range(IPv4Address(start), IPv4Address(end)))
        return blocks

    @property
    def all_loopback(self) -> bool:
        loop = IPv4Network("127.0.0.0/8")
        return all(_inside(start, end, loop) for start, end in self.ranges)

    def describe(self) -> str:
        """A compact human form: ``127.0.3.1-127.0.3.14, 10.0.0.5``."""
        return collapse_ranges(self.ranges)


def collapse_ranges(ranges: Iterable[tuple[int, int]]) -> str:
    """``a.b.c.d-a.b.c.e`` / single addresses, comma-separated."""
    parts = []
    for start, end in ranges:
        parts.append(str(IPv4Address(start)) if start == end else f"{IPv4Address(start)}-{IPv4Address(end)}")
    return ", ".join(parts)


def merge_consecutive(ips: Iterable[str]) -> list[str]:
    """Sorted addresses with consecutive runs merged: ``["10.0.0.1-10.0.0.3", "10.0.0.9"]``."""
    ranges: list[tuple[int, int]] = []
    for value in sorted(int(IPv4Address(ip)) for ip in ips):
        if ranges and value == ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], value)
        else:
            ranges.append((value, value))
    return [collapse_ranges([r]) for r in ranges]


def _inside(start: int, end: int, net: IPv4Network) -> bool:
    return int(net.network_address) <= start and end <= int(net.broadcast_address)


def _overlaps(start: int, end: int, net: IPv4Network) -> bool:
    return start <= int(net.broadcast_address) and int(net.network_address) <= end


def _address(text: str, item: str) -> int:
    try:
        return int(IPv4Address(text))
    except ValueError:
        raise TargetError(f"{item!r} is not a valid IPv4 target ({ACCEPTED})") from None


def _parse_one(item: str) -> tuple[int, int]:
    if "/" in item:
        try:
            net = IPv4Network(item, strict=False)
        except ValueError:
            raise TargetError(f"{item!r} is not a valid IPv4 CIDR ({ACCEPTED})") from None
        start, end = int(net.network_address), int(net.broadcast_address)
        return (start + 1, end - 1) if net.prefixlen <= 30 else (start, end)
    short = _SHORT_RANGE.match(item)
    if short:
        first, last = int(short.group(2)), int(short.group(3))
        if first > 255 or last > 255:
            raise TargetError(f"{item!r}: the last octet must be 0-255 ({ACCEPTED})")
        start, end = _address(short.group(1) + str(first), item), _address(short.group(1) + str(last), item)
    elif "-" in item:
        left, _, right = item.partition("-")
        start, end = _address(left.strip(), item), _address(right.strip(), item)
    else:
        start = end = _address(item, item)
    if start > end:
        raise TargetError(f"{item!r}: the range ends before it starts ({ACCEPTED})")
    return start, end


def _merge(ranges: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def _split(subnet: str | Sequence[str]) -> list[str]:
    texts = [subnet] if isinstance(subnet, str) else list(subnet)
    items: list[str] = []
    for text in texts:
        if not isinstance(text, str):
            raise TargetError(f"{text!r} is not a string ({ACCEPTED})")
        if len(text) > MAX_TARGET_CHARS:
            raise TargetError(f"the target text is {len(text)} characters long (at most {MAX_TARGET_CHARS})")
        # "a - b" → "a-b", then split on commas / whitespace (string operations: linear on any input)
        joined = " ".join(text.replace(",", " ").split()).replace(" -", "-").replace("- ", "-")
        items.extend(joined.split())
    if len(items) > MAX_TARGET_ITEMS:
        raise TargetError(f"{len(items)} targets given (at most {MAX_TARGET_ITEMS}); give ranges or CIDR blocks")
    if not items:
        raise TargetError(f"no target given ({ACCEPTED})")
    return items


def parse_target_set(
    subnet: str | Sequence[str], *, allow_large: bool = False, allow_public: bool = False
) -> TargetSet:
    """Parse and check ``subnet`` into a lazy :class:`TargetSet` (see the module docstring for the rules)."""
    targets = TargetSet(_merge([_parse_one(item) for item in _split(subnet)]))
    for start, end in targets.ranges:
        for net in NEVER_NETWORKS:
            if _overlaps(start, end, net):
                raise TargetError(
                    f"{collapse_ranges([(start, end)])} includes {net} (unspecified, multicast, reserved or "
                    "broadcast addresses), which is never scanned"
                )
        if not allow_public and not any(_inside(start, end, net) for net in ALLOWED_NETWORKS):
            raise TargetRefusedError(
                f"{collapse_ranges([(start, end)])} is not entirely private, loopback or link-local "
                f"({', '.join(map(str, ALLOWED_NETWORKS))}); scanning public addresses is refused unless "
                "allow_public=True (--allow-public) is given"
            )
    count = len(targets)
    if count > LARGE_LIMIT and not allow_large:
        raise TargetRefusedError(
            f"{count:,} addresses is more than a /16 ({LARGE_LIMIT:,}); narrow the range or pass "
            "allow_large=True (--allow-large)"
        )
    return targets


def parse_targets(
    subnet: str | Sequence[str], *, allow_large: bool = False, allow_public: bool = False
) -> list[IPv4Address]:
    """Every address of ``subnet``, sorted numerically and without duplicates.

    Raises :class:`TargetError` (a ``ValueError``) for invalid input and :class:`TargetRefusedError` for public
    addresses or more than a /16 unless ``allow_public`` / ``allow_large``.
    """
    return list(parse_target_set(subnet, allow_large=allow_large, allow_public=allow_public))
