"""What every AWS source shares: the botocore retry configuration and one translation of
AWS failures into ``SourceError`` messages that say what failed, why, and how to fix it.

Adapters receive clients; only ``app.py`` builds them, with ``client_config``.
"""

from __future__ import annotations

from typing import Any

from least_priv import __version__
from least_priv.errors import SourceError

# Error codes AWS returns for missing permissions, across query, JSON and REST protocols.
_DENIED = frozenset(
    {
        "accessdenied",
        "accessdeniedexception",
        "unauthorizedoperation",
        "unauthorizedaccess",
        "authorizationerror",
        "allaccessdisabled",
    }
)
_EXPIRED = frozenset(
    {"expiredtoken", "expiredtokenexception", "requestexpired", "tokenrefreshrequired"}
)
_INVALID = frozenset(
    {
        "invalidclienttokenid",
        "unrecognizedclientexception",
        "signaturedoesnotmatch",
        "invalidaccesskeyid",
        "invalidtoken",
        "incompletesignature",
    }
)
_THROTTLED = frozenset(
    {
        "throttling",
        "throttlingexception",
        "throttledexception",
        "requestlimitexceeded",
        "toomanyrequestsexception",
        "slowdown",
        "requestthrottled",
        "requestthrottledexception",
    }
)

_BACKOFF_BASE, _BACKOFF_CAP = 0.5, 20.0

CREDENTIALS_HINT = (
    "in GitHub Actions run aws-actions/configure-aws-credentials (role-to-assume) before this "
    "step; locally set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
)


def client_config(retry_mode: str = "standard") -> Any:
    """botocore ``Config``: standard (or adaptive) retries, bounded timeouts, our user agent."""
    from botocore.config import Config  # botocore is heavy: imported only when AWS is used

    return Config(
        retries={
            "mode": retry_mode if retry_mode in ("standard", "adaptive") else "standard",
            "max_attempts": 5,
        },
        connect_timeout=10,
        read_timeout=60,
        user_agent_extra=f"least-priv/{__version__}",
        max_pool_connections=32,
    )


def backoff(attempt: int) -> float:
    """Seconds to wait after the ``attempt``-th throttled request (1-based), for sources that
    retry throttling themselves: 0.5, 1, 2 ... up to 20."""
    return min(_BACKOFF_BASE * 2.0 ** (attempt - 1), _BACKOFF_CAP)


def error_code(exc: BaseException) -> str:
    """The AWS error code of a botocore ``ClientError`` (``""`` for anything else)."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code", "")
        return str(code)
    return ""


def error_message(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Message", "")) or str(exc)
    return str(exc)


def is_throttled(exc: BaseException) -> bool:
    return error_code(exc).lower() in _THROTTLED


def _denied_code(code: str) -> bool:
    lowered = code.lower()
    return lowered in _DENIED or "accessdenied" in lowered


def is_denied(exc: BaseException) -> bool:
    return _denied_code(error_code(exc))


def _by_class(exc: BaseException) -> str | None:
    from botocore import exceptions as bx

    for classes, text in (
        ((bx.NoCredentialsError, bx.PartialCredentialsError), "no AWS credentials found; {hint}"),
        ((bx.NoRegionError,), "no AWS region; give --region or set AWS_REGION"),
        (
            (bx.ConnectionError,),  # refused, DNS, TLS, proxy, connect timeout
            "cannot reach the AWS endpoint ({exc}); check the network, proxy and AWS_ENDPOINT_URL",
        ),
        (
            (bx.ReadTimeoutError,),
            "AWS did not answer within the read timeout ({exc}); check the network and proxy, "
            "then run again",
        ),
        (
            (bx.HTTPClientError, bx.IncompleteReadError),  # a connection or body cut short
            "the connection to AWS broke off ({exc}); check the network and proxy, then run again",
        ),
        (
            (bx.TokenRetrievalError, bx.SSOTokenLoadError, bx.UnauthorizedSSOTokenError),
            "AWS credentials cannot be loaded ({exc}); sign in again",
        ),
    ):
        if isinstance(exc, classes):
            return text.format(exc=exc, hint=CREDENTIALS_HINT)
    return None


def _by_code(code: str, message: str, iam_action: str) -> str | None:
    lowered = code.lower()
    if lowered in _EXPIRED:
        return (
            f"the AWS credentials have expired ({code}); get fresh ones, or in GitHub Actions "
            "raise role-duration-seconds of configure-aws-credentials"
        )
    if lowered in _INVALID:
        return f"the AWS credentials are not valid ({code}: {message}); {CREDENTIALS_HINT}"
    if _denied_code(code):
        return (
            f"access denied ({message}); allow {iam_action} to the identity that runs "
            "least-priv (README: AWS permissions)"
        )
    if lowered in _THROTTLED:
        return f"AWS kept throttling the requests ({code}: {message}); retry later"
    return None


def translate(exc: BaseException, doing: str, iam_action: str) -> SourceError:
    """One clear ``SourceError`` for an AWS failure while ``doing`` something that needs
    ``iam_action``. Unknown failures keep AWS's own code and message."""
    code = error_code(exc)
    text = _by_class(exc) or _by_code(code, error_message(exc), iam_action)
    if text is None:
        text = f"{code}: {error_message(exc)}" if code else str(exc)
    return SourceError(f"{doing}: {text}")
