"""The one list of errors worth retrying: the connection or the peer failed, not the request.

Every retry loop of both services asks `is_transient`; anything else is a bug or a bad input and
is handled as such (logged with its traceback, dead-lettered, or the job failed).
"""

from __future__ import annotations

import asyncpg
from aiokafka.errors import (
    CorruptRecordException,
    InvalidTimestampError,
    KafkaError,
    KafkaTimeoutError,
    MessageSizeTooLargeError,
    RecordListTooLargeError,
    RecordTooLargeError,
    UnsupportedForMessageFormatError,
)

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


# What the broker (or the producer, before sending) says about one record itself: sending the
# same bytes again can never succeed. Every other broker error — UnknownError while a broker shuts
# down, authorization or metadata trouble — says something about the broker, not the record.
RECORD_FAULTS: tuple[type[BaseException], ...] = (
    MessageSizeTooLargeError,
    RecordTooLargeError,
    RecordListTooLargeError,
    CorruptRecordException,
    InvalidTimestampError,
    UnsupportedForMessageFormatError,
)


def is_record_fault(exc: BaseException) -> bool:
    """True when this record can never be published as it is (retrying would be useless).

    Errors that are not Kafka's at all (a TypeError from the serializer, say) are faults of the
    record too; a broker error that names no fault of the record is not, whatever its
    `retriable` flag says: the broker may come back, the record stays as it was.
    """
    if isinstance(exc, RECORD_FAULTS):
        return True
    return not isinstance(exc, KafkaError) and not is_transient(exc)
