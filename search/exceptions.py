"""Search errors.

SearchError
 ├── IndexNotReady   no usable index on disk and none could be built
 ├── IndexMismatch   the index on disk was built for another KB, encoder or format
 └── InvalidQuery    the question is not text at all (unsearchable text gives not_found instead)
"""

from __future__ import annotations


class SearchError(Exception):
    """Base class of search errors."""


class IndexNotReady(SearchError):
    """Raised when no usable index exists."""


class IndexMismatch(SearchError):
    """Raised when the index manifest does not match the KB or the encoder."""


class InvalidQuery(SearchError, ValueError):
    """Raised for a question that cannot be searched; the message is the reason."""
