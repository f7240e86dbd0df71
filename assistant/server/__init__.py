"""The HTTP service (``jiuye serve``): FastAPI routes and pages over the assistant."""

from assistant.server.app import create_app

__all__ = ["create_app"]
