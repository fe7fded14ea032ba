"""Which web origins may use the citizen endpoints: the gateway's own, PUBLIC_BASE_URL's, and
CORS_ALLOWED_ORIGINS (the city portal and other pages that embed the widget)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit


def origin_of(url: str) -> str:
    """`scheme://host[:port]` of a URL, lower-cased ("" when it has none)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else ""


@dataclass(frozen=True)
class OriginPolicy:
    """Decides whether a request's Origin header may talk to the citizen endpoints."""

    allowed: frozenset[str]
    allow_any: bool = False

    @classmethod
    def build(cls, configured: tuple[str, ...], public_base_url: str) -> OriginPolicy:
        own = origin_of(public_base_url)
        return cls(
            allowed=frozenset({*(o for o in configured if o != "*"), *([own] if own else [])}),
            allow_any="*" in configured,
        )

    def allows(self, origin: str | None, host: str | None) -> bool:
        """No Origin (non-browser clients), the same host, or a configured origin."""
        if not origin:
            return True
        origin = origin.lower()
        if self.allow_any or origin in self.allowed:
            return True
        return bool(host) and urlsplit(origin).netloc == str(host).lower()

    def is_cross_origin(self, origin: str | None, host: str | None) -> bool:
        return bool(origin) and urlsplit(str(origin).lower()).netloc != str(host or "").lower()
