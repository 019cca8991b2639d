"""The one list of errors worth retrying: the connection or the peer failed, not the request.

Every retry loop of both services asks `is_transient`; anything else is a bug or a bad input and
is handled as such (logged with its traceback, dead-lettered, or the job failed).
"""

from __future__ import annotations

import asyncpg
from aiokafka.errors import KafkaError, KafkaTimeoutError

from shared.s3 import is_transient_s3_error

TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.AdminShutdownError,  # the database is restarting
    asyncpg.exceptions.InternalClientError,  # a pooled connection the restart broke
    # aiokafka marks it non-retriable, but it only means the broker did not answer in time.
    KafkaTimeoutError,
)


def is_transient(exc: BaseException) -> bool:
    """True for connection trouble with PostgreSQL, Kafka or the object store."""
    if isinstance(exc, TRANSIENT_ERRORS):
        return True
    if isinstance(exc, KafkaError):
        return bool(exc.retriable)
    return is_transient_s3_error(exc)
