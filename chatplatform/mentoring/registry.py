"""The curriculum this site uses, and the module versions mentors have taken.

The shipped curriculum is in ``data/curriculum``; ``MENTOR_CURRICULUM_DIR`` replaces it
with an organisation's own. ``MENTOR_REQUIRED_MODULES`` names the modules a mentor must
hold to take chats (empty: every module of the curriculum).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.conf import settings

from chatplatform.mentoring.curriculum import CurriculumError, Module, load_curriculum
from chatplatform.mentoring.models import ModuleVersion

SHIPPED_DIR = Path(__file__).resolve().parent / "data" / "curriculum"


@cache
def _load(directory: str) -> tuple[Module, ...]:
    return load_curriculum(Path(directory) if directory else SHIPPED_DIR)


def curriculum() -> tuple[Module, ...]:
    """Every module, in order, loaded and validated once per process."""
    return _load(settings.MENTOR_CURRICULUM_DIR)


def module(module_id: str) -> Module | None:
    return next((m for m in curriculum() if m.id == module_id), None)


def required_modules() -> tuple[Module, ...]:
    """The modules a mentor must hold, current, to take chats.

    Raises CurriculumError when the setting names a module the curriculum lacks.
    """
    wanted = settings.MENTOR_REQUIRED_MODULES
    modules = curriculum()
    if not wanted:
        return modules
    known = {m.id for m in modules}
    unknown = [name for name in wanted if name not in known]
    if unknown:
        raise CurriculumError(
            "MENTOR_REQUIRED_MODULES", f"names modules the curriculum lacks: {', '.join(unknown)}"
        )
    return tuple(m for m in modules if m.id in wanted)


def record_version(module: Module) -> ModuleVersion:
    """The stored version for this definition, created the first time it is taken."""
    version, created = ModuleVersion.objects.get_or_create(
        module=module.id,
        version=module.version,
        defaults={"digest": module.digest, "definition": module.definition()},
    )
    if not created and version.digest != module.digest:
        raise CurriculumError(
            module.source,
            f"version {module.version} of {module.id!r} was already taken with different "
            "wording; give the changed module a new version number",
        )
    return version
