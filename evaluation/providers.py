"""The builders of a release's tables: ``EVALUATION_TABLE_PROVIDERS`` in the settings.

A provider is a module with
- ``SPECS``: the specs of the tables it builds (evaluation.tables.TableSpec), so the
  codebook and the API schema list them without any data;
- ``build(period)``: the tables filled for a release period (evaluation.metrics.Period),
  as an evaluation.tables.Bundle that also says how their counts relate across tables.

Every table of every provider goes through the same release: one k, one privacy
budget, and one disclosure audit across all of them (evaluation.disclosure). A new
kind of table (programme fidelity, supervision, cost, retention...) is a new provider
module listed in the setting; nothing else changes.
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

from django.conf import settings

from evaluation.tables import TableSpec


def providers() -> list[ModuleType]:
    modules = [import_module(path) for path in settings.EVALUATION_TABLE_PROVIDERS]
    for module in modules:
        if not hasattr(module, "SPECS") or not callable(getattr(module, "build", None)):
            raise TypeError(f"{module.__name__} is not a table provider (needs SPECS and build)")
    return modules


def specs() -> list[TableSpec]:
    """Every table a release can hold, in the order the providers list them."""
    found: list[TableSpec] = []
    for module in providers():
        for spec in module.SPECS:
            if any(existing.name == spec.name for existing in found):
                raise ValueError(f"two providers define the table {spec.name!r}")
            found.append(spec)
    return found
