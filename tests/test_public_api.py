"""Every module declares its public names in ``__all__``, and each of them exists."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

PACKAGES = ["assistant", "connectors", "knowledge"]


def _modules() -> list[str]:
    names = []
    for package in PACKAGES:
        module = importlib.import_module(package)
        names.append(package)
        for info in pkgutil.walk_packages(module.__path__, prefix=f"{package}."):
            if ".migrations" not in info.name:
                names.append(info.name)
    return names


@pytest.mark.parametrize("name", _modules())
def test_all_is_declared_and_complete(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    is_package = bool(module.__file__ and module.__file__.endswith("__init__.py"))
    if exported is None and is_package:
        return  # a package with only a docstring re-exports nothing
    assert exported is not None, f"{name} has no __all__"
    missing = [n for n in exported if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ names missing objects: {missing}"
    assert len(set(exported)) == len(exported), f"{name}.__all__ has duplicates"
