"""``jiuye rasa-actions``: the Rasa action server command (imports rasa-sdk only when run)."""

from __future__ import annotations

from typing import Annotated

import typer

__all__ = ["rasa_actions"]


def rasa_actions(
    host: Annotated[str, typer.Option(help="监听地址")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口（Rasa endpoints.yml 的 action_endpoint）")] = 5055,
) -> None:
    """启动 Rasa 自定义动作服务器（rasa-sdk），让 Rasa 调用就业助手的工具。"""
    from assistant.settings import get_settings
    from assistant.terminal import console
    from connectors.rasa.server import ACTION_NAMES, run_server

    console.print(f"Rasa 动作服务器：http://{host}:{port}/webhook")
    console.print("动作：" + "、".join(ACTION_NAMES))
    run_server(get_settings(), host=host, port=port)
