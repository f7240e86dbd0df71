"""Small dependencies shared by the routes."""

from __future__ import annotations

from fastapi import Request

from assistant.server.services import Services

__all__ = ["services"]


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found
