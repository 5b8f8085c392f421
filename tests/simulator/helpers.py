"""Small helpers shared by the simulator tests."""

from __future__ import annotations

import httpx


def rejected(response: httpx.Response, *words: str) -> str:
    """Assert a 400 answer with a video/image module code (20xxx) whose message has every word; the message."""
    body = response.json()
    assert response.status_code == 400, body
    assert 20000 < body["code"] < 30000, body
    for word in words:
        assert word in body["message"], body
    return str(body["message"])
