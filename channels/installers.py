"""The packages that attach state to the gateway at start-up, in order."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI

from bot.applications.router import install as install_applications
from channels.notifications import install as install_notifications
from feedback.install import install as install_tickets
from govassist.settings import Settings

Installer = Callable[[FastAPI, Settings], Awaitable[None]]

INSTALLERS: tuple[Installer, ...] = (install_tickets, install_applications, install_notifications)
