"""parse_host: every way a user writes a camera's address, and garbage refused."""

from __future__ import annotations

import pytest

from recamera_mcp.client import HostAddress, ValidationError, parse_host


@pytest.mark.parametrize(
    ("text", "scheme", "host", "port", "key", "base"),
    [
        ("192.168.1.5", "http", "192.168.1.5", 80, "192.168.1.5", "http://192.168.1.5"),
        (" 192.168.1.5:8080 ", "http", "192.168.1.5", 8080, "192.168.1.5:8080", "http://192.168.1.5:8080"),
        ("reCamera2.local", "http", "recamera2.local", 80, "recamera2.local", "http://recamera2.local"),
        ("cam-1:81", "http", "cam-1", 81, "cam-1:81", "http://cam-1:81"),
        ("http://127.0.0.1:8080", "http", "127.0.0.1", 8080, "127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://10.0.0.2/cgi-bin/entry.cgi/system/key", "http", "10.0.0.2", 80, "10.0.0.2", "http://10.0.0.2"),
        ("https://10.0.0.2", "https", "10.0.0.2", 443, "10.0.0.2:443", "https://10.0.0.2"),
        ("HTTPS://Cam.Example:8443/", "https", "cam.example", 8443, "cam.example:8443", "https://cam.example:8443"),
        ("[::1]:8080", "http", "::1", 8080, "[::1]:8080", "http://[::1]:8080"),
        ("fe80::1", "http", "fe80::1", 80, "[fe80::1]", "http://[fe80::1]"),
    ],
)
def test_accepted(text, scheme, host, port, key, base):
    address = parse_host(text)
    assert address == HostAddress(scheme, host, port)
    assert address.key == key and address.base_url == base
    assert address.cgi_url("/system/key") == base + "/cgi-bin/entry.cgi/system/key"


@pytest.mark.parametrize(
    "text",
    [
        "", "   ", "192.168.1.5:0", "192.168.1.5:65536", "192.168.1.5:http", "1.2.3.999", "ftp://1.2.3.4",
        "http://", "http://user:pw@1.2.3.4", "cam one", "-bad-.local", "a..b", "1.2.3.4/path", "http://1.2.3.4:99999",
        "[::1", "under_score.local",
    ],
)  # fmt: skip
def test_rejected(text):
    with pytest.raises(ValidationError) as info:
        parse_host(text)
    assert info.value.field == "host" and info.value.hint


def test_default_port_and_non_string():
    assert parse_host("10.0.0.9", default_port=8080).key == "10.0.0.9:8080"
    with pytest.raises(ValidationError):
        parse_host(None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text", ["http://admin:Hunter#22@10.0.0.2", "http://admin:Hunter22@10.0.0.2:80", "admin:Hunter22@10.0.0.2"]
)
def test_credentials_in_the_host_are_refused_without_echoing_them(text):
    with pytest.raises(ValidationError) as info:
        parse_host(text)
    assert "Hunter" not in str(info.value) and "credentials" in str(info.value)
