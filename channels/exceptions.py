"""Gateway errors.

UpstreamError
 ├── UpstreamTimeout      a dependency (Rasa, WeChat API) did not answer in time
 └── UpstreamUnavailable  a dependency refused the connection or answered 5xx
"""

from __future__ import annotations


class UpstreamError(Exception):
    """A service the gateway depends on failed."""


class UpstreamTimeout(UpstreamError):
    """The dependency did not answer in time."""


class UpstreamUnavailable(UpstreamError):
    """The dependency cannot be reached or failed."""
