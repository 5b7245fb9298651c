"""Warnings every admin sees on every staff page while they hold (base template banner):
the dead man's switch, and a hole in the on-call rota ahead."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from chatplatform import roles
from escalation import console_watch, oncall


def staff_alerts(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or roles.role_of(user) != roles.ADMIN:
        return {}
    return {"staff_alerts": SimpleLazyObject(lambda: alerts_for_admins())}


def alerts_for_admins() -> list[str]:
    alerts = []
    alarm = console_watch.banner()
    if alarm is not None:
        waiting = ngettext(
            "%(count)s escalation is waiting",
            "%(count)s escalations are waiting",
            alarm["waiting"],
        ) % {"count": alarm["waiting"]}
        if alarm["minutes"] is None:
            alerts.append(
                _("%(waiting)s and no supervisor console has been connected.")
                % {"waiting": waiting}
            )
        else:
            alerts.append(
                _("%(waiting)s and no supervisor console has been connected for %(minutes)s min.")
                % {"waiting": waiting, "minutes": alarm["minutes"]}
            )
    gap = oncall.gap_warning()
    if gap:
        alerts.append(gap)
    return alerts
