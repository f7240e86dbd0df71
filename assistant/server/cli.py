"""``jiuye serve`` (the HTTP service and its pages) and ``jiuye token`` (access tokens)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from assistant.settings import ServiceRole, get_settings
from assistant.terminal import console, fail

__all__ = ["serve", "token_app"]

token_app = typer.Typer(help="访问令牌（坐席、人工服务专员、管理员）。", no_args_is_help=True)
_ROLES: tuple[ServiceRole, ...] = ("agent", "caseworker", "admin")


def serve(
    host: Annotated[str | None, typer.Option(help="监听地址（默认 127.0.0.1）")] = None,
    port: Annotated[int | None, typer.Option(help="端口（默认 8000）")] = None,
    samples: Annotated[
        bool, typer.Option(help="先导入示例知识库、岗位和网点（已导入时只核对）")
    ] = True,
) -> None:
    """启动 HTTP 服务：网页对话、坐席辅助、人工坐席台和 API。"""
    import uvicorn

    from assistant.chat_cli import prepare_samples
    from assistant.runtime import build_knowledge_base
    from assistant.server.app import create_app
    from assistant.server.auth import new_token
    from assistant.server.observability import configure_logging
    from assistant.server.services import build_services

    settings = get_settings()
    host = host or settings.host
    port = port or settings.port
    try:
        knowledge = prepare_samples(settings) if samples else build_knowledge_base(settings)
        services = build_services(settings, knowledge)
        app = create_app(settings, services)
    except ValueError as exc:
        raise fail(str(exc), 2) from exc
    base = f"http://{host}:{port}"
    console.print(
        f"[bold]就业服务助手已启动[/]（{services.assistant.default_brain}）\n"
        f"  网页对话    {base}/\n"
        f"  坐席辅助    {base}/agent\n"
        f"  人工坐席台  {base}/console\n"
        f"  接口文档    {base}/docs\n"
        f"  运行指标    {base}/metrics",
        highlight=False,
    )
    if not settings.access_tokens:
        token = new_token()
        app.state.tokens.add("管理员", "admin", token)
        console.print(
            f"未配置 JIUYE_ACCESS_TOKENS，本次运行的管理员令牌：[bold]{token}[/]\n"
            "（用它登录 /agent 和 /console；正式使用请用 `jiuye token create` 配置令牌）",
            highlight=False,
        )
    configure_logging()
    uvicorn.run(app, host=host, port=port, log_config=None, access_log=False)


@token_app.command("create")
def create_token(
    role: Annotated[str, typer.Option(help="agent（坐席）/ caseworker（人工服务专员）/ admin")],
    name: Annotated[str, typer.Option(help="姓名或系统名，如 王老师")],
) -> None:
    """生成一个访问令牌：令牌本身只显示这一次，设置里只保存它的 SHA-256。"""
    from assistant.server.auth import hash_token, new_token
    from assistant.settings import AccessToken

    if role not in _ROLES:
        raise fail(f"角色只能是 {' / '.join(_ROLES)}：{role}", 2)
    token = new_token()
    entry = AccessToken.model_validate({"name": name, "role": role, "sha256": hash_token(token)})
    typer.echo(f"令牌（请交给 {name}，不会再次显示）：{token}")
    typer.echo("加入 JIUYE_ACCESS_TOKENS（JSON 列表）的条目：")
    typer.echo(json.dumps(entry.model_dump(), ensure_ascii=False))
