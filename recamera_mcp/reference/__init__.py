"""The reCamera API reference, written by us and split into sections (one markdown file per API area).

Section file format (kept strict so code can split it)::

    # Title
    One-line summary (used by the index).
    Optional preamble lines shared by the section's endpoints.

    ## GET|PUT /network/lan            one block per endpoint; "(raw)" after the path = host root, not the CGI
    Tool: get_config(area="lan") · update_config(area="lan")     tools that cover it, separated by " · "
    Fields: ... / Body: ... / Returns: ... / Errors: ... / Gotchas: ...

A Tool line item starting with ``none`` or ``not exposed yet`` means no tool covers the endpoint.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from importlib import resources

__all__ = [
    "SECTION_NAMES",
    "Endpoint",
    "SectionInfo",
    "UnknownEndpointError",
    "UnknownSectionError",
    "endpoint",
    "endpoints",
    "index_markdown",
    "read_section",
    "search",
    "sections",
]

SECTION_NAMES: tuple[str, ...] = (
    "auth",
    "device",
    "network",
    "video",
    "audio",
    "osd",
    "image",
    "recording",
    "storage",
    "files",
    "models",
    "inference",
    "notify",
    "websocket",
    "firmware",
    "cloud",
)

_HEADING = re.compile(r"^## (?P<methods>[A-Z]+(?:\|[A-Z]+)*) (?P<path>\S+)(?P<raw> \(raw\))?\s*$")
_NO_TOOL = frozenset({"none", "not"})


class UnknownSectionError(KeyError):
    """An unknown section name; the message lists the valid ones."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name

    def __str__(self) -> str:
        return f"unknown reference section {self.name!r}; valid sections: {', '.join(SECTION_NAMES)}"


class UnknownEndpointError(KeyError):
    """An unknown endpoint of a known section; the message lists the section's endpoints."""

    def __init__(self, section: str, ident: str, valid: list[str]) -> None:
        super().__init__(ident)
        self.section = section
        self.ident = ident
        self.valid = valid

    def __str__(self) -> str:
        return f"no endpoint {self.ident!r} in section {self.section!r}; valid endpoints: {', '.join(self.valid)}"


@dataclass(frozen=True)
class SectionInfo:
    """A section's name, title, one-line summary and size in characters."""

    name: str
    title: str
    summary: str
    chars: int


@dataclass(frozen=True)
class Endpoint:
    """One endpoint block of a section."""

    section: str
    methods: tuple[str, ...]
    path: str
    raw: bool
    text: str

    @property
    def method(self) -> str:
        """The methods as written in the heading, e.g. ``GET|PUT``."""
        return "|".join(self.methods)

    @property
    def slug(self) -> str:
        """A URI-safe name unique within the section, e.g. ``network-lan``."""
        path = re.sub(r"^https?://", "", self.path.lower())
        return re.sub(r"[^a-z0-9]+", "-", path).strip("-")

    @property
    def tools(self) -> tuple[str, ...]:
        """Names of the tools that cover this endpoint (empty when none does yet)."""
        for line in self.text.splitlines():
            if line.startswith("Tool:"):
                names = []
                for item in line.removeprefix("Tool:").split(" · "):
                    found = re.match(r"\s*([a-z][a-z_]*)", item)
                    if found and found.group(1) not in _NO_TOOL:
                        names.append(found.group(1))
                return tuple(dict.fromkeys(names))
        return ()


def _check(name: str) -> str:
    if name not in SECTION_NAMES:
        raise UnknownSectionError(name)
    return name


@cache
def read_section(name: str) -> str:
    """The markdown text of one section; raises UnknownSectionError listing the valid names."""
    _check(name)
    return resources.files(__name__).joinpath(f"{name}.md").read_text(encoding="utf-8")


@cache
def _info(name: str) -> SectionInfo:
    lines = [line for line in read_section(name).splitlines() if line.strip()]
    if len(lines) < 2 or not lines[0].startswith("# "):
        raise ValueError(f"reference section {name!r} must start with '# Title' and a summary line")
    return SectionInfo(name, lines[0][2:].strip(), lines[1].strip(), len(read_section(name)))


def sections() -> list[SectionInfo]:
    """All sections in index order."""
    return [_info(name) for name in SECTION_NAMES]


@cache
def _endpoints(name: str) -> tuple[Endpoint, ...]:
    found: list[Endpoint] = []
    blocks = re.split(r"(?m)^(?=## )", read_section(name))
    for block in blocks[1:]:
        heading = block.splitlines()[0]
        match = _HEADING.match(heading)
        if match is None:
            raise ValueError(f"reference section {name!r}: malformed endpoint heading {heading!r}")
        methods = tuple(match.group("methods").split("|"))
        found.append(Endpoint(name, methods, match.group("path"), bool(match.group("raw")), block.strip()))
    return tuple(found)


def endpoints(name: str) -> list[Endpoint]:
    """The endpoint blocks of one section, in file order."""
    return list(_endpoints(_check(name)))


def endpoint(section: str, ident: str) -> Endpoint:
    """One endpoint of a section, by slug (``network-lan``), path (``/network/lan``) or ``METHOD /path``."""
    items = _endpoints(_check(section))
    for item in items:
        if ident in (item.slug, item.path, f"{item.method} {item.path}"):
            return item
    raise UnknownEndpointError(section, ident, [item.slug for item in items])


# --- search -----------------------------------------------------------------------------------------------------

_WORD = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SUFFIXES = ("ations", "ation", "ing", "ion", "ies", "es", "ed", "s", "e")
_STOPWORDS = frozenset(
    "a an and are as at be by can do does for from get how i in is it my of on or the this to what when with".split()
)


def _stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def _terms(text: str) -> list[str]:
    """Search terms: lower-case words, hyphen parts and joins (Wi-Fi → wi, fi, wifi), camelCase parts, stemmed."""
    out: list[str] = []
    for word in _WORD.findall(text):
        pieces = word.split("-")
        for piece in pieces:
            out.append(piece.lower())
            camel = _CAMEL.split(piece)
            if len(camel) > 1:
                out.extend(part.lower() for part in camel)
                if len(camel[0]) == 1:  # device key with a type prefix: iBitRate → bitrate
                    out.append("".join(camel[1:]).lower())
        if len(pieces) > 1:
            out.append("".join(pieces).lower())
    return [_stem(term) for term in out if len(term) > 1 and term not in _STOPWORDS]


@cache
def _search_index() -> tuple[tuple[tuple[Endpoint, Counter[str], frozenset[str]], ...], dict[str, float]]:
    docs = []
    df: Counter[str] = Counter()
    for name in SECTION_NAMES:
        for item in _endpoints(name):
            counts = Counter(_terms(item.text) + _terms(name))
            heading = frozenset(_terms(item.text.splitlines()[0] + " " + name))
            docs.append((item, counts, heading))
            df.update(counts.keys())
    idf = {term: math.log(1 + len(docs) / n) for term, n in df.items()}
    return tuple(docs), idf


def search(query: str, limit: int = 5) -> list[Endpoint]:
    """Endpoints best matching a keyword query (e.g. "white balance"), best first, at most ``limit``."""
    wanted = list(dict.fromkeys(_terms(query)))
    if not wanted:
        return []
    docs, idf = _search_index()
    scored: list[tuple[float, int, Endpoint]] = []
    for order, (item, counts, heading) in enumerate(docs):
        score = 0.0
        matched = 0
        for term in wanted:
            tf = counts.get(term, 0)
            if tf:
                matched += 1
                score += idf[term] * (1 + math.log(tf) + (2 if term in heading else 0))
        if matched:
            scored.append((score * matched / len(wanted), -order, item))
    scored.sort(key=lambda entry: (entry[0], entry[1]), reverse=True)
    return [item for _, _, item in scored[:limit]]


# --- index ------------------------------------------------------------------------------------------------------

_INDEX_HEAD = """# reCamera API reference
Paths under /cgi-bin/entry.cgi unless (raw). Key prefix = type: i int, f float, s str, l list, d object, b bool. \
Writes answer {code:0}. Config writes: whole object, read first.
Read recamera://reference/{section} or one endpoint .../{section}/{slug} (/network/lan → network-lan), \
or api_reference(section=... or query=...).
Sections (k chars):
"""


def index_markdown() -> str:
    """The index: every section with its one-line summary and size."""
    lines = [f"- {info.name} ({max(1, round(info.chars / 1000))}k): {info.summary}" for info in sections()]
    return _INDEX_HEAD + "\n".join(lines) + "\n"
