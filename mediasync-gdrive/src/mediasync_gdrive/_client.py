"""One Drive connection per thread: google-api-python-client over httplib2, with retries.

The service is built from the Drive v3 discovery document bundled with this package
(``build_from_document``), its ``rootUrl`` set to the ``api_endpoint`` setting, so metadata,
downloads *and* uploads go to that endpoint: ``client_options`` would move only the first two.
httplib2 connections are not thread-safe and the engine hashes on a thread pool, hence one
``Http``/service per thread; the credentials are shared.
"""

from __future__ import annotations

import functools
import importlib.resources
import json
import logging
import threading
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from mediasync import AuthError, SourceUnreachable
from mediasync_gdrive._answers import checked
from mediasync_gdrive._errors import is_transient, retry_after, translate
from mediasync_gdrive._settings import DEFAULT_ENDPOINT, GDriveSettings, parse_credentials

__all__ = ["SCOPES", "DriveClient", "load_credentials"]

SCOPES = ("https://www.googleapis.com/auth/drive",)
"""Full Drive access: read folders shared with the account and upload into them."""

logger = logging.getLogger("mediasync.gdrive")
T = TypeVar("T")


@functools.cache
def _discovery_text() -> str:
    return importlib.resources.files("mediasync_gdrive").joinpath("drive.v3.json").read_text()


@functools.lru_cache(maxsize=8)
def _signer(private_key: str, key_id: str | None) -> Any:
    """The key, parsed once per process: loading an RSA key costs ~0.2 s of CPU, which every
    scheduled sync of a worker would otherwise pay again."""
    from google.auth import crypt

    from_string: Any = crypt.RSASigner.from_string
    return from_string(private_key, key_id)


def load_credentials(text: str, endpoint: str = DEFAULT_ENDPOINT) -> Any:
    """google-auth credentials from a service-account key or an authorized-user record.

    google-auth sends authorized users' refresh tokens to Google's token endpoint whatever the
    record says (a record from elsewhere could otherwise leak them). The record's ``token_uri``
    is honoured only when it is on the host of the configured Drive-compatible ``endpoint``,
    which is where the token came from in the first place.
    """
    info = parse_credentials(text)
    if info["type"] == "service_account":
        from google.oauth2 import service_account

        make: Any = service_account.Credentials
        return make(
            _signer(info["private_key"], info.get("private_key_id")),
            info["client_email"],
            info["token_uri"],
            scopes=SCOPES,
            project_id=info.get("project_id"),
            universe_domain=info.get("universe_domain", "googleapis.com"),
        )
    from google.oauth2.credentials import Credentials

    from_user: Any = Credentials.from_authorized_user_info
    credentials = from_user(info, scopes=list(SCOPES))
    token_uri = info.get("token_uri")
    if token_uri and urlsplit(token_uri).netloc == urlsplit(endpoint).netloc:
        credentials = credentials.with_token_uri(token_uri)
    return credentials


class DriveClient:
    """Executes Drive requests with the retry policy and turns failures into mediasync errors.

    ``identity`` is the service account's email, known without a call; for OAuth it is filled
    in by whoever asks ``about.get`` (``probe``).
    """

    def __init__(self, settings: GDriveSettings, owner: str) -> None:
        self.settings = settings
        self.owner = owner
        self.endpoint = settings.api_endpoint
        self._local = threading.local()
        self._lock = threading.Lock()
        self._credentials: Any = None
        self._https: list[Any] = []
        self.identity: str | None = None
        self.kind: str | None = None
        if settings.credentials is not None:
            info = json.loads(settings.credentials.reveal())
            self.kind = str(info.get("type"))
            self.identity = info.get("client_email")

    @property
    def credentials(self) -> Any:
        if self.settings.credentials is None:
            raise AuthError(
                f"{self.owner} has no Drive credentials (disconnected): run `mediasync gdrive "
                "connect` to connect it again"
            )
        with self._lock:
            if self._credentials is None:
                self._credentials = load_credentials(
                    self.settings.credentials.reveal(), self.endpoint
                )
                _read_token_answers_safely(self._credentials)
            return self._credentials

    def service(self) -> Any:
        """This thread's Drive service object."""
        service = getattr(self._local, "service", None)
        if service is None:
            import google_auth_httplib2
            import httplib2
            from googleapiclient.discovery import build_from_document

            document = json.loads(_discovery_text())
            document["rootUrl"] = self.endpoint
            document["mtlsRootUrl"] = self.endpoint
            transport = httplib2.Http(timeout=self.settings.timeout)
            # A resumable upload's "308 Resume Incomplete" is not a redirect (as build_http).
            transport.redirect_codes = transport.redirect_codes - {308}
            http = google_auth_httplib2.AuthorizedHttp(self.credentials, http=transport)
            with self._lock:
                self._https.append(http)
            service = build_from_document(document, http=http)
            self._local.service = service
        return service

    def call(self, make: Callable[[Any], Any], what: str) -> Any:
        """Builds a request from this thread's service and executes it with retries."""
        answer = self.retry(lambda: make(self.service()).execute(num_retries=0), what)
        return checked(answer, what)

    def retry(self, attempt: Callable[[], T], what: str) -> T:
        """Runs ``attempt`` until it succeeds, fails for good, or the attempts run out.

        Raises:
            AuthError, RateLimited, SourceUnreachable, DriveNotFound, DriveBadRequest.
        """
        import tenacity

        settings = self.settings
        exponential = tenacity.wait_random_exponential(
            multiplier=settings.retry_initial_wait, max=settings.retry_max_wait
        )

        def wait(state: tenacity.RetryCallState) -> float:
            failure = state.outcome.exception() if state.outcome else None
            asked = retry_after(failure) if failure is not None else None
            if asked is not None:
                return min(asked, settings.retry_max_wait)
            return float(exponential(state))

        def log(state: tenacity.RetryCallState) -> None:
            failure = state.outcome.exception() if state.outcome else None
            logger.info(
                "%s: %s failed (%s); retry %d of %d",
                self.owner,
                what,
                type(failure).__name__,
                state.attempt_number,
                settings.retry_attempts - 1,
            )

        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception(is_transient),
            wait=wait,
            stop=tenacity.stop_after_attempt(settings.retry_attempts),
            before_sleep=log,
            reraise=True,
        )
        try:
            return retrying(attempt)
        except Exception as exc:
            mapped = None if _is_ours(exc) else translate(exc, what, self.endpoint)
            if mapped is None:
                raise
            raise mapped from None

    def close(self) -> None:
        with self._lock:
            https, self._https = self._https, []
        for http in https:
            connections = getattr(getattr(http, "http", None), "connections", {})
            for connection in list(connections.values()):
                connection.close()
            connections.clear()


def _read_token_answers_safely(credentials: Any) -> None:
    """A token answer google-auth cannot read (an HTML page with status 200, JSON cut off or of
    another shape) makes it fail with ``TypeError``/``KeyError``/``ValueError``: that becomes
    ``SourceUnreachable`` saying so (never the answer itself: it may hold a token)."""
    from google.auth.exceptions import GoogleAuthError

    real = credentials.refresh

    def refresh(request: Any) -> None:
        try:
            real(request)
        except GoogleAuthError:
            raise
        except (TypeError, KeyError, ValueError, AttributeError) as exc:
            host = urlsplit(str(getattr(credentials, "_token_uri", "") or "")).netloc
            raise SourceUnreachable(
                f"Google's token endpoint{' at ' + host if host else ''} answered with "
                f"something mediasync cannot read ({type(exc).__name__}): a proxy in between, "
                "or Google failing; nothing was changed, try again later"
            ) from None

    credentials.refresh = refresh


def _is_ours(exc: Exception) -> bool:
    from mediasync import MediasyncError

    return isinstance(exc, MediasyncError)
