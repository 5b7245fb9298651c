"""Crisis resources shown on every participant page, per region."""

from __future__ import annotations

import datetime

from django.conf import settings

from chatplatform.models import CrisisResource, Participant

STALE_AFTER = datetime.timedelta(days=365)
# Where a visitor's chosen region is kept before (and besides) Participant.crisis_region.
REGION_SESSION_KEY = "crisis_region"


def regions() -> list[tuple[str, str]]:
    """(code, name) of every region that has at least one active line."""
    seen: dict[str, str] = {}
    for code, name in CrisisResource.objects.filter(is_active=True).values_list(
        "region", "region_name"
    ):
        seen.setdefault(code, name)
    return sorted(seen.items(), key=lambda item: item[1])


def resolve_region(requested: str | None) -> str:
    codes = {code for code, _ in regions()}
    if requested and requested in codes:
        return requested
    return settings.DEFAULT_CRISIS_REGION


def resources_for(region: str) -> list[CrisisResource]:
    return list(CrisisResource.objects.filter(region=region, is_active=True))


def is_stale(resource: CrisisResource, today: datetime.date | None = None) -> bool:
    return (today or datetime.date.today()) - resource.last_checked > STALE_AFTER


def do_remember_region(participant: Participant | None, region: str) -> None:
    """Keep the chosen region on the participant too, for crisis panels sent over websockets."""
    if participant is not None and participant.crisis_region != region:
        participant.crisis_region = region
        participant.save(update_fields=["crisis_region"])
