"""Builds and runs the rasa-sdk action server over the assistant's running parts.

rasa-sdk normally discovers action classes by importing a package; Jiuye's actions need
the toolbox, stores and NLU, so instances are registered on an ``ActionExecutor`` here and
served by rasa-sdk's own Sanic app (``/health``, ``/actions``, ``/webhook``) in a single
process, so the parts are built once and never pickled into workers.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk.endpoint import create_app
from rasa_sdk.executor import ActionExecutor

from assistant.settings import Settings
from connectors.rasa.base import JiuyeAction
from connectors.rasa.context import RasaParts
from connectors.rasa.eligibility import CheckEligibilityAction, EligibilityFormValidation
from connectors.rasa.handoff import HandoffAction
from connectors.rasa.package import ServicePackageAction
from connectors.rasa.search import SearchPoliciesAction, SearchVacanciesAction, ServicePointsAction

__all__ = ["ACTION_NAMES", "build_executor", "build_parts", "run_server"]

_ACTIONS: tuple[type[JiuyeAction], ...] = (
    SearchPoliciesAction,
    CheckEligibilityAction,
    SearchVacanciesAction,
    ServicePointsAction,
    ServicePackageAction,
    HandoffAction,
)
ACTION_NAMES: tuple[str, ...] = (
    *(action.action_name for action in _ACTIONS),
    "validate_eligibility_form",
)
logger = logging.getLogger(__name__)


def build_parts(settings: Settings) -> RasaParts:
    """The assistant's running parts for the actions (loads the embedder and NLU)."""
    from assistant.nlu.lexicon import load_lexicon
    from assistant.nlu.vacancy import VacancyReader
    from assistant.runtime import build_assistant

    assistant = build_assistant(settings, brain="offline")
    nlu = assistant.offline.nlu
    reader = VacancyReader(load_lexicon().vacancy)
    nlu.warm_up()
    reader.warm_up()
    return RasaParts(
        toolbox=assistant.toolbox,
        conversations=assistant.conversations,
        handoffs=assistant.handoffs,
        nlu=nlu,
        vacancy_reader=reader,
        default_region=settings.default_region,
    )


def build_executor(parts: RasaParts) -> ActionExecutor:
    executor = ActionExecutor()
    for action in _ACTIONS:
        executor.register_action(action(parts))
    executor.register_action(EligibilityFormValidation(parts))
    return executor


def run_server(settings: Settings, *, host: str, port: int, cors: Any = "*") -> None:
    """Serves the actions until interrupted (Ctrl-C / SIGTERM)."""
    parts = build_parts(settings)
    app = create_app(build_executor(parts), cors_origins=cors)
    logger.info("Jiuye Rasa action server on http://%s:%s/webhook", host, port)
    app.run(host=host, port=port, single_process=True, access_log=False, motd=False)
