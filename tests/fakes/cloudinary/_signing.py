"""Upload API signatures, checked the way Cloudinary documents them, and response signatures.

The string to sign ("Generating authentication signatures"): every parameter of the request
except ``file``, ``cloud_name``, ``resource_type`` and ``api_key`` (and ``signature`` itself),
with ``timestamp``; ``name=value`` pairs sorted and joined with ``&``; an array parameter's
values joined with commas; then the API secret appended and the whole hashed with SHA-1 or
SHA-256, hex-encoded. Empty values are left out, as the SDK leaves them out.

Signature version 2 (the SDK's default, ``utils.api_string_to_sign``) writes a literal ``&``
inside a pair as ``%26``; the fake accepts only that form (version 1 differs only when a value
holds ``&``, and a modern client never sends it). A response's ``signature`` is the hash of
``public_id=…&version=…`` plus the secret ("Verifying signatures in responses"), unencoded, as
``utils.verify_api_response_signature`` recomputes it.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence

__all__ = [
    "ALGORITHMS",
    "UNSIGNED_PARAMS",
    "matches",
    "response_signature",
    "sign",
    "string_to_sign",
]

ALGORITHMS = {40: "sha1", 64: "sha256"}
"""Hex digest length → algorithm."""
UNSIGNED_PARAMS = frozenset({"file", "cloud_name", "resource_type", "api_key", "signature"})


def string_to_sign(fields: Mapping[str, Sequence[str]]) -> str:
    pairs: list[str] = []
    for key, values in fields.items():
        name = key[:-2] if key.endswith("[]") else key
        if name in UNSIGNED_PARAMS:
            continue
        value = ",".join(values)
        if value:
            pairs.append(f"{name}={value}".replace("&", "%26"))
    return "&".join(sorted(pairs))


def sign(text: str, secret: str, algorithm: str = "sha1") -> str:
    return hashlib.new(algorithm, (text + secret).encode("utf-8")).hexdigest()


def matches(signature: str, text: str, secret: str, algorithms: frozenset[str]) -> bool:
    algorithm = ALGORITHMS.get(len(signature))
    if algorithm is None or algorithm not in algorithms:
        return False
    return hmac.compare_digest(signature.lower(), sign(text, secret, algorithm))


def response_signature(public_id: str, version: int, secret: str, algorithm: str) -> str:
    return sign(f"public_id={public_id}&version={version}", secret, algorithm)
