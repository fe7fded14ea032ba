"""Runtime patches for the Rasa 3.6 server: the same behaviour, less repeated work per turn.

1. Validate action-server replies with one cached validator.

`RemoteAction._validate_action_result` calls `jsonschema.validate(result, schema)`, which checks the
large, constant events schema against its meta-schema on *every* action call before validating the
reply. A py-spy profile of our Rasa server under load put about a quarter of its CPU there (see
docs/benchmarks/system.md). The patch validates every reply against the same schema with a cached
validator: the same replies pass, the same errors are raised with the same message, only the
per-call schema check is gone. Installed by `bot.rest_channel` when the Rasa server loads it.

2. Resolve event type names through a cache (`Event.resolve_by_type` walked every Event subclass
for each stored event it restored: 11% of the server's CPU).

(The faster tracker save lives in `bot.tracker_store`, the encrypted tracker store.)
"""

from __future__ import annotations

from typing import Any

_DOCS = "https://rasa.com/docs/rasa/custom-actions"


def install_cached_action_validation() -> bool:
    """Patch RemoteAction once; returns False when Rasa's internals are not what we expect."""
    from jsonschema import ValidationError
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    if getattr(RemoteAction, "_govassist_cached_validation", False):
        return True
    if not hasattr(RemoteAction, "_validate_action_result"):
        return False
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)  # once, at start-up
    validator = validator_class(schema)

    def validate_action_result(self: Any, result: dict[str, Any]) -> bool:  # noqa: ARG001
        try:
            validator.validate(result)
        except ValidationError as e:
            e.message += (
                ". Failed to validate Action server response from API, make sure your response "
                "from the Action endpoint is valid. For more information about the format "
                f"visit {_DOCS}"
            )
            raise
        return True

    RemoteAction._validate_action_result = validate_action_result
    RemoteAction._govassist_cached_validation = True
    return True


def install_event_type_cache() -> bool:
    """Patch Event.resolve_by_type once; returns False when Rasa's internals are not as expected."""
    from rasa.shared.core.events import Event

    original = Event.__dict__.get("resolve_by_type")
    if getattr(Event, "_govassist_type_cache", None) is not None:
        return True
    if not isinstance(original, staticmethod):
        return False
    resolve = original.__func__
    cache: dict[str, Any] = {}

    def resolve_by_type(type_name: str, default: Any = None) -> Any:
        cls = cache.get(type_name)
        if cls is not None:
            return cls
        cls = resolve(type_name, default)  # Rasa's own semantics: "topic", default, ValueError
        if cls is not None and cls is not default:
            cache[type_name] = cls
        return cls

    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign]
    Event._govassist_type_cache = cache  # type: ignore[attr-defined]
    return True


def install_all() -> list[str]:
    """Install every patch; returns the names of those that could not be installed."""
    skipped = []
    if not install_cached_action_validation():
        skipped.append("cached action validation")
    if not install_event_type_cache():
        skipped.append("event type cache")
    return skipped
