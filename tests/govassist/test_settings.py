"""Production refuses every development secret, naming each variable that still has one."""

from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError

from govassist.settings import Settings

SECRETS = {
    "SECRET_KEY": "k" * 40,  # also the key of personal data encrypted at rest
    "AGENT_TOKEN": "agent-7f3a9c",
    "DISPATCH_TOKEN": "dispatch-51be0d",
    "WECHAT_TOKEN": "wx-token-9d2e",
    "WECHAT_APP_SECRET": "wx-secret-04af",
    "RASA_AUTH_TOKEN": "rasa-c0ffee",
    "DEPARTMENT_TOKENS": "housing=h-81f2,police=p-3b9a",
}


def _production(**overrides: str) -> Settings:
    values = {name.lower(): value for name, value in {**SECRETS, **overrides}.items()}
    return Settings(govassist_env="production", **values)  # type: ignore[arg-type]


def _problems(**overrides: str) -> str:
    with pytest.raises(ValidationError) as info:
        _production(**overrides)
    return str(info.value)


def test_production_with_real_secrets_starts() -> None:
    settings = _production(WECHAT_AES_KEY="Q" * 43)
    assert settings.agent_token.get_secret_value() == SECRETS["AGENT_TOKEN"]


def test_every_development_default_is_named_in_one_error() -> None:
    with pytest.raises(ValidationError) as info:
        Settings(govassist_env="production")
    message = str(info.value)
    for name in SECRETS:
        assert name in message
    assert "WECHAT_AES_KEY" not in message  # not set: plain-text mode, nothing to refuse


@pytest.mark.parametrize("name", sorted(set(SECRETS) - {"DEPARTMENT_TOKENS"}))
def test_each_secret_left_at_its_default_is_refused(name: str) -> None:
    default = Settings.model_fields[name.lower()].default
    assert isinstance(default, SecretStr)
    message = _problems(**{name: default.get_secret_value()})
    assert f"{name} (is the development default)" in message
    assert [other for other in SECRETS if other in message] == [name]


@pytest.mark.parametrize(
    "name", ["AGENT_TOKEN", "DISPATCH_TOKEN", "WECHAT_APP_SECRET", "WECHAT_AES_KEY"]
)
def test_env_example_placeholders_are_refused(name: str) -> None:
    assert f"{name} (is empty or the .env.example placeholder)" in _problems(
        **{name: "change-me-please"}
    )


def test_empty_secret_is_refused() -> None:
    assert "AGENT_TOKEN (is empty" in _problems(AGENT_TOKEN="")


@pytest.mark.parametrize(
    ("tokens", "named"),
    [
        ("", "DEPARTMENT_TOKENS (empty"),
        ("housing=h-81f2,police=police-dev-token", "development token for police"),
        ("housing=change-me", "development token for housing"),
    ],
)
def test_department_dev_tokens_are_refused(tokens: str, named: str) -> None:
    assert named in _problems(DEPARTMENT_TOKENS=tokens)


def test_local_keeps_the_development_defaults() -> None:
    assert Settings(govassist_env="local").agent_token.get_secret_value() == "agent-dev-token"
