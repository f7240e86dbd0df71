"""Jiuye (就业): the conversation, its settings and its command line."""

from assistant.settings import Settings, get_settings

__all__ = ["Settings", "get_settings"]
