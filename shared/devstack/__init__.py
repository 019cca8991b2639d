"""Local infrastructure for `make run`, tests and CI (DESIGN §3): PostgreSQL, a Tansu broker and
a SeaweedFS S3 server on 127.0.0.1, started and stopped by PID. See `stack.LocalStack`;
`python -m shared.devstack --help` for the command line."""

from shared.devstack.endpoints import StackEndpoints
from shared.devstack.errors import DevstackError
from shared.devstack.stack import DEFAULT_TOPICS, LocalStack, Part, StackOptions

__all__ = ["DEFAULT_TOPICS", "DevstackError", "LocalStack", "Part", "StackEndpoints", "StackOptions"]
