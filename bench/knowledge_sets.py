"""The knowledge bases the answer benchmarks run over, built once and cached.

``samples`` is the shipped sample knowledge base (what ``make run`` serves); ``laws`` is
the 78 employment documents of the real laws-cn corpus
(../shared/corpora/laws-cn/employment.txt), read in place. Both are built through the
eval workspace machinery, so they share the cache of ``jiuye eval`` (~/.cache/jiuye/eval)
and a second run embeds nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

from figures import REPO_ROOT

from assistant.conversations import ConversationState
from assistant.engine import Assistant
from assistant.models import Role, Turn
from assistant.runtime import build_assistant, build_database, build_embedder
from assistant.settings import Settings
from assistant.tools import Toolbox, ToolContext
from connectors.vectorstore import VectorStore
from eval.loader import LoadedSuite
from eval.spec import SuiteSpec
from eval.workspace import open_workspace, workspace_settings
from knowledge.policies.knowledge_base import KnowledgeBase, collection_name
from knowledge.policies.models import Citation

__all__ = ["LAWS_CN", "KnowledgeSet", "SetName", "open_knowledge_set", "passage_matches"]

LAWS_CN = REPO_ROOT.parent / "shared" / "corpora" / "laws-cn"
SetName = Literal["samples", "laws"]


def passage_matches(citation: Citation, expected: dict[str, object]) -> bool:
    """Whether ``citation`` is the passage a label names: its document (a path suffix) and
    its article (``article_no``) or explainer section (``section``, a heading prefix)."""
    if not citation.source.replace("\\", "/").endswith(str(expected.get("path", ""))):
        return False
    if "article_no" in expected:
        return citation.article_no == int(str(expected["article_no"]))
    section = str(expected.get("section", ""))
    return not section or (citation.chapter or "").startswith(section)


def _suite(name: SetName) -> LoadedSuite:
    setup: dict[str, object]
    if name == "samples":
        setup = {"use_samples": True}
    else:
        setup = {
            "use_samples": False,
            "knowledge": [
                {
                    "manifest": str(LAWS_CN / "manifest.jsonl"),
                    "only": str(LAWS_CN / "employment.txt"),
                }
            ],
        }
    spec = SuiteSpec.model_validate(
        {"suite": f"bench-{name}", "setup": setup, "cases": [{"id": "x", "turns": [{"user": "x"}]}]}
    )
    return LoadedSuite(spec, REPO_ROOT / "bench" / f"{name}.yaml")


@dataclass
class KnowledgeSet:
    """An assistant over one knowledge base, and a way to make a turn's tool context."""

    name: SetName
    assistant: Assistant
    knowledge: KnowledgeBase

    @property
    def toolbox(self) -> Toolbox:
        return self.assistant.offline.toolbox

    def context(self, region: str, on_date: date, role: Role = "job_seeker") -> ToolContext:
        """A fresh conversation's tool context, as for a first question."""
        turn = Turn(channel="api", user_id="bench", role=role, region=region, text="bench")
        state = ConversationState.for_turn(turn)
        return ToolContext(state=state, region=region, on_date=on_date, role=role)


@contextmanager
def open_knowledge_set(name: SetName, cache_dir: Path | None = None) -> Iterator[KnowledgeSet]:
    """The knowledge set ``name`` in a throw-away copy of its cached template."""
    if name == "laws" and not (LAWS_CN / "manifest.jsonl").exists():
        raise SystemExit(f"the laws-cn corpus is not at {LAWS_CN}")
    embedder = build_embedder(Settings())
    suite = _suite(name)
    with open_workspace(
        suite, cache_dir=cache_dir, embedder=embedder, progress=lambda what: print(f"  {what}")
    ) as workspace:
        settings = workspace_settings(workspace.data_dir)
        database = build_database(settings)
        vectors = VectorStore(collection_name(embedder.name), path=settings.chroma_path)
        knowledge = KnowledgeBase(database, vectors, embedder)
        try:
            yield KnowledgeSet(
                name, build_assistant(settings, knowledge, brain="offline"), knowledge
            )
        finally:
            database.dispose()
