"""Exit codes a script can rely on, and how outcomes map to them. Pure."""

from __future__ import annotations

import enum

from .errors import ApiError
from .models import JobStatus


class ExitCode(enum.IntEnum):
    OK = 0  # the job completed (or the command did what it was asked)
    FAILED = 1  # the job failed, or an import refused rows
    USAGE = 2  # bad arguments, missing configuration, or the API judged the request invalid
    CANCELLED = 3  # the job was cancelled
    API_ERROR = 4  # the API refused (401/403/404/409/429/5xx), the network failed, or a wait timed out
    INTERRUPTED = 130  # Ctrl-C without cancelling: the job goes on (128 + SIGINT, as shells do)


EPILOG = """\
exit codes:
  0    completed (status: also while still pending/processing)
  1    the job failed; for import: some rows were refused
  2    usage error: bad arguments, API_URL/API_KEY missing, or the API refused
       the request as invalid (400/422)
  3    the job was cancelled
  4    API or network error (401, 403, 404, 409, 429, 5xx, unreachable,
       download size mismatch), or --timeout expired with the job still running
  130  interrupted with Ctrl-C and the job left running

configuration: API_URL and API_KEY come from the environment, else from a file
of KEY=value lines: --env-file PATH, by default .run/demo.env (`make run` writes
it). --api-url overrides API_URL.
"""


def for_status(status: JobStatus) -> ExitCode:
    """A job's state as an exit code; a job still running counts as success so far."""
    if status.is_cancelled:
        return ExitCode.CANCELLED
    if status.status == "failed":
        return ExitCode.FAILED
    return ExitCode.OK


def for_error(error: ApiError) -> ExitCode:
    # 400 and 422 mean the request built from the arguments was wrong: the caller's mistake, the
    # same class as an argparse error. Everything else is about the service or the network.
    if error.status in (400, 422):
        return ExitCode.USAGE
    return ExitCode.API_ERROR
