"""The packages that attach state to the gateway at start-up, in order."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI

from govassist.settings import Settings

Installer = Callable[[FastAPI, Settings], Awaitable[None]]

INSTALLERS: tuple[Installer, ...] = ()
