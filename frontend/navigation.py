"""The staff links of the site header: each role sees only the pages it can open.

Each entry names the role set the page's own check uses, so the header and the page
cannot disagree (tests/test_staff_navigation.py opens every link as every role).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from chatplatform import roles
from chatplatform.services.access import SUPERVISING_ROLES
from chatplatform.services.queue import MENTORING_ROLES
from evaluation.services import EVALUATING_ROLES


@dataclass(frozen=True)
class StaffLink:
    label: str | Promise
    url_name: str
    roles: frozenset[str]


STAFF_LINKS = (
    StaffLink(_("Console"), "staff-console", frozenset(MENTORING_ROLES)),
    StaffLink(_("Escalations"), "supervisor-console", frozenset(SUPERVISING_ROLES)),
    StaffLink(_("Moderation"), "moderation-queue", frozenset(roles.CHAT_ROLES)),
    StaffLink(_("Audit log"), "moderation-audit", frozenset(SUPERVISING_ROLES)),
    StaffLink(_("Evaluation"), "evaluation:dashboard", frozenset(EVALUATING_ROLES)),
    StaffLink(_("Admin"), "admin:index", frozenset({roles.ADMIN})),
)


def links_for(role: str | None) -> list[dict[str, str]]:
    """The header links this role may open, in order."""
    return [
        {"label": str(link.label), "url": reverse(link.url_name)}
        for link in STAFF_LINKS
        if role in link.roles
    ]
