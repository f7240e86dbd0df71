"""The package re-exports exactly the public names of its modules."""

from __future__ import annotations

import importlib

import assistant.guardrails as guardrails

MODULES = ["grounding", "injection", "pii", "sensitive"]


def test_the_package_exports_every_public_name_of_its_modules() -> None:
    names: set[str] = set()
    for name in MODULES:
        module = importlib.import_module(f"assistant.guardrails.{name}")
        names.update(module.__all__)
        for exported in module.__all__:
            assert getattr(guardrails, exported) is getattr(module, exported)
    assert set(guardrails.__all__) == names
