"""Masking of known secrets (passwords, static and session tokens) in any text the tap stores or
logs: error texts may quote what the API echoed back, and some servers echo credentials.

Each secret is masked as it is and in the forms an echo may take: JSON-escaped, URL-encoded
(``%XX`` and ``+`` for spaces).  Secrets shorter than :data:`MIN_SECRET_CHARS` are not masked:
masking them would garble ordinary text, and such a secret protects nothing anyway.
"""

from __future__ import annotations

import json
import typing as t
from urllib.parse import quote, quote_plus

MASK = "***"
MIN_SECRET_CHARS = 4


def forms(secret: str) -> set[str]:
    """The ways a secret can appear in an echoed text."""
    return {secret, json.dumps(secret)[1:-1], quote(secret, safe=""), quote_plus(secret, safe="")}


def redact(text: str, secrets: t.Iterable[str]) -> str:
    """``text`` with every form of every secret replaced by ``***`` (longest first, so that a
    secret containing another is masked whole)."""
    found = {form for secret in secrets if secret and len(secret) >= MIN_SECRET_CHARS for form in forms(secret)}
    for form in sorted(found, key=len, reverse=True):
        if form in text:
            text = text.replace(form, MASK)
    return text
