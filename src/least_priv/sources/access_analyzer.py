"""IAM Access Analyzer policy generation: AWS reads the trail, we poll for the result.

``StartPolicyGeneration`` for the principal over one trail, then ``GetGeneratedPolicy`` with
backoff until the job is done, within a timeout after which the job is cancelled. Access
Analyzer runs one generation per account at a time and about 50 a day
(https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-policy-generation.html):
a conflict or quota refusal waits and retries inside the same timeout, then explains.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from least_priv.core.generated import (
    GeneratedPolicyError,
    GeneratedStatement,
    parse_generated_policy,
)
from least_priv.errors import SourceError, UsageError
from least_priv.sources.aws import error_code, error_message, is_denied, is_throttled, translate
from least_priv.sources.base import SourceStats, Warn

MAX_WINDOW = timedelta(days=90)  # Access Analyzer's limit on the time range it reads
_WAIT_CODES = frozenset({"ConflictException", "ServiceQuotaExceededException"})
_DONE = frozenset({"SUCCEEDED", "FAILED", "CANCELED"})
_GONE = "NOT_FOUND"  # our status for a job Access Analyzer no longer knows


class _JobTimeoutError(Exception):
    """The job did not finish before the deadline (``generate`` cancels it and explains)."""


# What a FAILED job's error code means and what to do about it.
JOB_ERROR_HINTS = {
    "AUTHORIZATION_ERROR": (
        "the Access Analyzer role (--access-role-arn) must trust access-analyzer.amazonaws.com "
        "and allow cloudtrail:GetTrail, iam:GetServiceLastAccessedDetails, "
        "iam:GenerateServiceLastAccessedDetails, s3:GetObject and s3:ListBucket on the trail "
        "bucket, and kms:Decrypt when the logs are encrypted"
    ),
    "RESOURCE_NOT_FOUND_ERROR": "check that the trail and its bucket exist and the trail is logging",
    "SERVICE_QUOTA_EXCEEDED_ERROR": (
        "the window holds more log files than Access Analyzer reads in one job; shorten the "
        "window or limit --region, or use --source s3"
    ),
    "SERVICE_ERROR": "an error inside Access Analyzer; run again later",
}


@dataclass(frozen=True)
class GenerationRequest:
    principal_arn: str
    trail_arn: str
    access_role_arn: str
    start: datetime
    end: datetime
    regions: tuple[str, ...] = ()  # empty: every region the trail logs

    def as_params(self, token: str) -> dict[str, Any]:
        trail: dict[str, Any] = {"cloudTrailArn": self.trail_arn}
        if self.regions:
            trail["regions"] = list(self.regions)
        else:
            trail["allRegions"] = True
        return {
            "policyGenerationDetails": {"principalArn": self.principal_arn},
            "cloudTrailDetails": {
                "trails": [trail],
                "accessRole": self.access_role_arn,
                "startTime": self.start,
                "endTime": self.end,
            },
            "clientToken": token,
        }


def check_window(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    """The window Access Analyzer accepts, or a ``UsageError`` up front."""
    if start is None or end is None:
        raise UsageError(
            "--source access-analyzer needs a window: give --lookback-hours or --start-time"
        )
    if end - start > MAX_WINDOW:
        days = (end - start).total_seconds() / 86400
        raise UsageError(
            f"the window is {days:.1f} days; Access Analyzer reads at most 90 days of CloudTrail: "
            "shorten --lookback-hours or --start-time/--end-time"
        )
    return start, end


@dataclass
class GenerationResult:
    job_id: str
    statements: tuple[GeneratedStatement, ...]
    is_complete: bool
    trails: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class AnalyzerStats(SourceStats):
    job_id: str = ""
    status: str = ""
    polls: int = 0
    is_complete: bool | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "job_id": self.job_id,
            "status": self.status,
            "polls": self.polls,
            "is_complete": self.is_complete,
        }


class AccessAnalyzerSource:
    """One policy generation job. ``client`` is an ``accessanalyzer`` boto3 client."""

    def __init__(
        self,
        client: Any,
        request: GenerationRequest,
        *,
        timeout_seconds: float = 1800,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        first_poll_seconds: float = 2,
        max_poll_seconds: float = 30,
    ) -> None:
        self.client, self.request = client, request
        self.timeout, self.sleep, self.clock = timeout_seconds, sleep, clock
        self.first_poll, self.max_poll = first_poll_seconds, max_poll_seconds
        self.stats = AnalyzerStats("access-analyzer")
        self._deadline = 0.0
        self._throttled = ""  # the error code of the last poll, when it was throttled

    def generate(self, warn: Warn, progress: Warn = lambda _: None) -> GenerationResult:
        """Run the job; ``progress`` hears what is going on, ``warn`` what went wrong."""
        self._deadline = self.clock() + self.timeout
        job_id = self._start(progress)
        self.stats.job_id = job_id
        progress(f"Access Analyzer job {job_id} started; waiting up to {self._minutes()} for it")
        try:
            response = self._wait(job_id)
        except _JobTimeoutError:
            raise self._timed_out(job_id) from None
        except BaseException:
            failed = self._cancel(job_id)
            if failed is not None:  # the job ends by itself; say so and keep the first error
                warn(
                    f"could not cancel Access Analyzer job {job_id} ({error_code(failed) or failed})"
                )
            raise
        return self._result(job_id, response)

    def _minutes(self) -> str:
        return f"{self.timeout / 60:g} minutes"

    def _start(self, progress: Warn) -> str:
        params = self.request.as_params(str(uuid.uuid4()))
        delay = 15.0
        while True:
            try:
                return str(self.client.start_policy_generation(**params)["jobId"])
            except Exception as exc:
                code = error_code(exc)
                if code not in _WAIT_CODES and not is_throttled(exc):
                    raise self._start_error(exc) from exc
                if self.clock() + delay > self._deadline:
                    raise self._busy_error(code) from exc
                progress(
                    f"Access Analyzer is busy ({code}: {error_message(exc)}); retrying in {delay:g} s"
                )
                self.sleep(delay)
                delay = min(delay * 2, 120.0)

    def _start_error(self, exc: Exception) -> SourceError:
        doing = "starting Access Analyzer policy generation"
        if error_code(exc) == "ValidationException":
            return SourceError(
                f"{doing}: AWS refused the request ({error_message(exc)}); check --principal-arn, "
                "--trail-arn, --access-role-arn and the window"
            )
        return translate(
            exc,
            doing,
            "access-analyzer:StartPolicyGeneration and iam:PassRole on --access-role-arn",
        )

    def _busy_error(self, code: str) -> SourceError:
        if code not in _WAIT_CODES:
            return SourceError(
                f"Access Analyzer kept throttling StartPolicyGeneration ({code}) for "
                f"{self._minutes()}; run again later or raise --timeout-minutes"
            )
        if code == "ServiceQuotaExceededException":
            return SourceError(
                "Access Analyzer refused a new policy generation: the account's quota (about 50 "
                f"a day) is used up and did not free within {self._minutes()}; run again "
                "tomorrow, or use --source s3 or lookup-events, which need no Access Analyzer"
            )
        return SourceError(
            "Access Analyzer runs one policy generation per account at a time and another one "
            f"was still running after {self._minutes()} (aws accessanalyzer "
            "list-policy-generations shows it); run again later or raise --timeout-minutes"
        )

    def _wait(self, job_id: str) -> dict[str, Any]:
        delay = self.first_poll
        while True:
            response = self._poll(job_id)
            status = str(response.get("jobDetails", {}).get("status", ""))
            self.stats.status = status
            if status in _DONE:
                return response
            if self.clock() + delay > self._deadline:
                raise _JobTimeoutError
            self.sleep(delay)
            delay = min(delay * 1.5, self.max_poll)

    def _poll(self, job_id: str) -> dict[str, Any]:
        self.stats.polls += 1
        try:
            response: dict[str, Any] = self.client.get_generated_policy(
                jobId=job_id, includeResourcePlaceholders=True, includeServiceLevelTemplate=True
            )
        except Exception as exc:
            if is_throttled(exc):
                self._throttled = error_code(exc)
                return {"jobDetails": {"status": "IN_PROGRESS"}}
            if error_code(exc) == "ResourceNotFoundException":
                self.stats.status = _GONE
                raise SourceError(
                    f"Access Analyzer job {job_id} no longer exists ({error_code(exc)}: "
                    f"{error_message(exc)}); it was deleted or expired while it ran: run again"
                ) from exc
            raise translate(
                exc, f"reading Access Analyzer job {job_id}", "access-analyzer:GetGeneratedPolicy"
            ) from exc
        self._throttled = ""
        return response

    def _cancel(self, job_id: str) -> Exception | None:
        """Cancel the job unless it ended; the failure when it could not be cancelled."""
        if self.stats.status in _DONE or self.stats.status == _GONE:
            return None
        try:
            self.client.cancel_policy_generation(jobId=job_id)
        except Exception as exc:
            return exc
        self.stats.status = "CANCELED"
        return None

    def _timed_out(self, job_id: str) -> SourceError:
        """The job ran out of time: cancel it, and say why it ran out and how it ended."""
        failed = self._cancel(job_id)
        if self._throttled:
            what = (
                f"Access Analyzer kept throttling GetGeneratedPolicy ({self._throttled}) until "
                f"job {job_id} ran out of its {self._minutes()}"
            )
            fix = "run again later or raise --timeout-minutes"
        else:
            what = f"Access Analyzer job {job_id} did not finish within {self._minutes()}"
            fix = "raise --timeout-minutes or shorten the window"
        if failed is None:
            return SourceError(f"{what} and was cancelled; {fix}")
        allow = (
            "allow access-analyzer:CancelPolicyGeneration to the identity that runs least-priv; "
            if is_denied(failed)
            else ""
        )
        return SourceError(
            f"{what} and could not be cancelled ({error_code(failed) or failed}): it runs on "
            f"until it ends by itself and no other generation can start in the account before "
            f"then; {allow}{fix}"
        )

    def _result(self, job_id: str, response: dict[str, Any]) -> GenerationResult:
        details = response.get("jobDetails", {})
        status = details.get("status")
        if status == "FAILED":
            error = details.get("jobError") or {}
            code, message = error.get("code", "UNKNOWN"), error.get("message", "")
            hint = JOB_ERROR_HINTS.get(code, "see the job in the IAM console")
            raise SourceError(f"Access Analyzer job {job_id} failed: {code}: {message}; {hint}")
        if status == "CANCELED":
            raise SourceError(
                f"Access Analyzer job {job_id} was cancelled before it finished (by another "
                "run or a person); run again"
            )
        result = response.get("generatedPolicyResult", {})
        statements: list[GeneratedStatement] = []
        for item in result.get("generatedPolicies", []):
            try:
                statements.extend(parse_generated_policy(item.get("policy", "")))
            except GeneratedPolicyError as exc:
                raise SourceError(
                    f"Access Analyzer job {job_id} returned an unreadable policy: {exc}"
                ) from None
        properties = result.get("properties", {})
        complete = bool(properties.get("isComplete", True))
        self.stats.is_complete = complete
        trails = properties.get("cloudTrailProperties", {}).get("trailProperties", [])
        return GenerationResult(job_id, tuple(statements), complete, list(trails))
