"""Local infrastructure for `make run`, tests and CI (docs/design.md#local-infrastructure): PostgreSQL, a
Tansu broker and a SeaweedFS S3 server on 127.0.0.1, started and stopped by PID. See `stack.LocalStack`;
`python -m devtools --help` for the command line."""

from devtools.endpoints import StackEndpoints
from devtools.errors import DevstackError
from devtools.stack import DEFAULT_TOPICS, LocalStack, Part, StackOptions

__all__ = ["DEFAULT_TOPICS", "DevstackError", "LocalStack", "Part", "StackEndpoints", "StackOptions"]
