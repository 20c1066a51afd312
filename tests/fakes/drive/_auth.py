"""The fake's OAuth 2.0 side: service-account JWT grants, refresh tokens, the installed-app flow.

google-auth and google-auth-oauthlib talk to it unchanged: a service-account key made here holds
a real RSA private key and ``token_uri`` pointing at the fake, and the token endpoint verifies the
JWT's signature with the matching public key. Access tokens map to a principal (an email).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlencode

__all__ = ["AuthServer", "TokenError"]

SCOPE = "https://www.googleapis.com/auth/drive"
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"


class TokenError(Exception):
    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.body = {"error": error, "error_description": description}


@functools.cache
def _private_key() -> Any:
    """One RSA key for every fake service account: generating one costs ~50 ms."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


@dataclass
class _Grant:
    principal: str
    client_id: str
    scope: str
    revoked: bool = False


@dataclass
class AuthServer:
    """Principals, clients and tokens; ``base_url`` is the fake's address."""

    base_url: str
    access_ttl: int = 3600
    consenting_user: str = "owner@example.com"
    service_accounts: dict[str, bool] = field(default_factory=dict)
    clients: dict[str, str] = field(default_factory=dict)
    refresh_tokens: dict[str, _Grant] = field(default_factory=dict)
    access_tokens: dict[str, tuple[str, float]] = field(default_factory=dict)
    codes: dict[str, tuple[str, str, str, str]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def token_uri(self) -> str:
        return f"{self.base_url}/token"

    # -- what tests create ---------------------------------------------------------------------

    def service_account_key(self, email: str) -> dict[str, Any]:
        """A key file's content, as the Cloud console downloads it, for ``email``."""
        from cryptography.hazmat.primitives import serialization

        self.service_accounts[email] = True
        pem = _private_key().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return {
            "type": "service_account",
            "project_id": "fake-project",
            "private_key_id": hashlib.sha1(email.encode()).hexdigest(),
            "private_key": pem.decode("ascii"),
            "client_email": email,
            "client_id": str(int(hashlib.sha256(email.encode()).hexdigest()[:15], 16)),
            "auth_uri": f"{self.base_url}/o/oauth2/auth",
            "token_uri": self.token_uri,
            "universe_domain": "googleapis.com",
        }

    def oauth_client(self) -> dict[str, Any]:
        """A ``client_secrets.json`` of an installed (desktop) app."""
        client_id = f"{secrets.token_hex(6)}.apps.googleusercontent.com"
        secret = secrets.token_urlsafe(18)
        self.clients[client_id] = secret
        return {
            "installed": {
                "client_id": client_id,
                "client_secret": secret,
                "auth_uri": f"{self.base_url}/o/oauth2/auth",
                "token_uri": self.token_uri,
                "redirect_uris": ["http://localhost"],
            }
        }

    def refresh_token_for(self, principal: str, client: dict[str, Any]) -> str:
        """A refresh token as if ``principal`` had consented (skips the browser)."""
        token = "1//" + secrets.token_urlsafe(30)
        self.refresh_tokens[token] = _Grant(principal, client["installed"]["client_id"], SCOPE)
        return token

    def revoke_all(self, principal: str) -> None:
        """The user withdrew consent: refresh and access tokens stop working."""
        with self.lock:
            for grant in self.refresh_tokens.values():
                if grant.principal == principal:
                    grant.revoked = True
            for token, (who, _) in list(self.access_tokens.items()):
                if who == principal:
                    del self.access_tokens[token]

    def disable_service_account(self, email: str) -> None:
        self.service_accounts[email] = False
        self.revoke_all(email)

    def expire_access_tokens(self) -> None:
        with self.lock:
            self.access_tokens.clear()

    # -- what the server calls -----------------------------------------------------------------

    def principal_for(self, authorization: str | None) -> str | None:
        if not authorization or not authorization.startswith("Bearer "):
            return None
        with self.lock:
            found = self.access_tokens.get(authorization[len("Bearer ") :])
        if found is None or found[1] < time.time():
            return None
        return found[0]

    def _issue(self, principal: str) -> dict[str, Any]:
        token = "ya29." + secrets.token_urlsafe(24)
        with self.lock:
            self.access_tokens[token] = (principal, time.time() + self.access_ttl)
        return {"access_token": token, "expires_in": self.access_ttl, "token_type": "Bearer"}

    def token(self, form: dict[str, str], authorization: str | None = None) -> dict[str, Any]:
        """The token endpoint; client credentials come in the form or as HTTP Basic auth."""
        if authorization and authorization.startswith("Basic "):
            client_id, _, secret = base64.b64decode(authorization[6:]).decode().partition(":")
            form = {"client_id": unquote(client_id), "client_secret": unquote(secret), **form}
        grant = form.get("grant_type", "")
        if grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return self._jwt_grant(form.get("assertion", ""))
        if grant == "refresh_token":
            self._check_client(form)
            found = self.refresh_tokens.get(form.get("refresh_token", ""))
            if found is None or found.revoked:
                raise TokenError(400, "invalid_grant", "Token has been expired or revoked.")
            return {**self._issue(found.principal), "scope": found.scope}
        if grant == "authorization_code":
            return self._code_grant(form)
        raise TokenError(400, "unsupported_grant_type", f"Invalid grant_type: {grant}")

    def _check_client(self, form: dict[str, str]) -> None:
        client_id = form.get("client_id", "")
        if self.clients.get(client_id) != form.get("client_secret"):
            raise TokenError(401, "invalid_client", "The OAuth client was not found.")

    def _jwt_grant(self, assertion: str) -> dict[str, Any]:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        try:
            header, payload, signature = assertion.split(".")
            claims = json.loads(_b64decode(payload))
            _private_key().public_key().verify(
                _b64decode(signature),
                f"{header}.{payload}".encode("ascii"),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except (ValueError, InvalidSignature) as exc:
            raise TokenError(400, "invalid_grant", "Invalid JWT Signature.") from exc
        email = claims.get("iss", "")
        if not self.service_accounts.get(email):
            raise TokenError(400, "invalid_grant", "Invalid grant: account not found")
        # google-auth always signs for Google's endpoint, whatever the key's token_uri says.
        if claims.get("aud") not in {self.token_uri, GOOGLE_TOKEN_URI}:
            raise TokenError(400, "invalid_grant", "Invalid JWT: audience")
        if claims.get("exp", 0) < time.time():
            raise TokenError(400, "invalid_grant", "Invalid JWT: Token must be a short-lived token")
        return self._issue(email)

    def authorize(self, query: dict[str, str]) -> str:
        """The consent screen, always accepted by ``consenting_user``: the redirect URL."""
        client_id = query.get("client_id", "")
        if client_id not in self.clients:
            raise TokenError(401, "invalid_client", "The OAuth client was not found.")
        code = secrets.token_urlsafe(16)
        self.codes[code] = (
            client_id,
            query.get("redirect_uri", ""),
            query.get("code_challenge", ""),
            self.consenting_user,
        )
        params = {"state": query.get("state", ""), "code": code, "scope": query.get("scope", "")}
        return f"{query.get('redirect_uri', '')}?{urlencode(params)}"

    def _code_grant(self, form: dict[str, str]) -> dict[str, Any]:
        self._check_client(form)
        found = self.codes.pop(form.get("code", ""), None)
        if found is None:
            raise TokenError(400, "invalid_grant", "Malformed auth code.")
        client_id, redirect_uri, challenge, principal = found
        if form.get("redirect_uri") != redirect_uri or form.get("client_id") != client_id:
            raise TokenError(400, "invalid_grant", "redirect_uri_mismatch")
        if challenge:
            verifier = form.get("code_verifier", "").encode("ascii")
            digest = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
            if digest.decode("ascii") != challenge:
                raise TokenError(400, "invalid_grant", "Invalid code verifier.")
        refresh = "1//" + secrets.token_urlsafe(30)
        self.refresh_tokens[refresh] = _Grant(principal, client_id, SCOPE)
        return {**self._issue(principal), "refresh_token": refresh, "scope": SCOPE}
