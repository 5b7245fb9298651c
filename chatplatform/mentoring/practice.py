"""Practice chats: a trainee talks to a scripted participant on the ordinary chat page.

The room is of kind ``practice``, so it is never a 1:1 chat: no queue, no caseload, no
metric or export counts it, and a participant can never open it. The scripted lines are
posted as plain notices, so they never pass the risk check and never page anyone.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chatplatform import roles
from chatplatform.actors import Actor
from chatplatform.errors import ServiceError
from chatplatform.events import publish_on_commit
from chatplatform.mentoring import certification
from chatplatform.mentoring.curriculum import text
from chatplatform.mentoring.models import PracticeSession
from chatplatform.mentoring.scenarios import Node, Scenario, load_scenarios
from chatplatform.mentoring.supervision import SupervisorScope
from chatplatform.models import Message, Room, RoomMembership
from chatplatform.services.messages import do_post_notice, room_group

SHIPPED_DIR = Path(__file__).resolve().parent / "data" / "scenarios"


@cache
def _load(directory: str) -> dict[str, Scenario]:
    return load_scenarios(Path(directory) if directory else SHIPPED_DIR)


def scenarios() -> dict[str, Scenario]:
    return _load(settings.MENTOR_SCENARIO_DIR)


def check_scenario(scenario_id: str) -> Scenario:
    scenario = scenarios().get(scenario_id)
    if scenario is None:
        raise ServiceError("not_found", _("There is no such practice scenario."))
    return scenario


def _simulated(scenario: Scenario, language: str) -> Actor:
    return Actor(
        kind="simulated", id=0, handle=text(scenario.persona, language), role=roles.PARTICIPANT
    )


def _say(room: Room, scenario: Scenario, node: Node, language: str) -> None:
    do_post_notice(
        room,
        text(node.say, language),
        kind=Message.Kind.CHAT,
        sender=_simulated(scenario, language),
    )


def do_start_practice(actor: Actor, scenario_id: str, language: str) -> Room:
    """Open a practice room for the trainee; the scripted participant speaks first."""
    user = certification.check_trainee(actor)
    scenario = check_scenario(scenario_id)
    language = language if language in ("en", "es") else "en"
    with transaction.atomic():
        room = Room.objects.create(
            kind=Room.Kind.PRACTICE,
            slug=f"practice-{secrets.token_hex(8)}",
            title=_("Practice chat: %(title)s") % {"title": text(scenario.title, language)},
            is_listed=False,
        )
        RoomMembership.objects.create(room=room, user=user, role=RoomMembership.Role.MENTOR)
        PracticeSession.objects.create(
            room=room,
            trainee=user,
            scenario=scenario.id,
            scenario_version=scenario.version,
            language=language,
            node=scenario.start,
            path=[scenario.start],
        )
        do_post_notice(
            room,
            _(
                "This is a practice chat with a scripted participant. Nothing here is real, "
                "and nothing is counted. A supervisor may read it to give you feedback."
            ),
        )
        _say(room, scenario, scenario.nodes[scenario.start], language)
    return room


def _end(room_id: int, session: PracticeSession, now: datetime) -> None:
    session.ended_at = now
    Room.objects.filter(pk=room_id).update(closed_at=now, closed_by_role="system")
    do_post_notice(Room.objects.get(pk=room_id), _("The practice chat has ended."))
    publish_on_commit(
        room_group(room_id),
        {"type": "chat.frame", "frame": {"type": "chat.ended", "room": room_id, "by": "system"}},
    )


def on_message_stored(message: Message, body: str, actor: Actor, **kwargs: Any) -> None:
    """Inside the storing transaction: the trainee spoke, the scripted participant answers."""
    if not actor.is_staff:
        return
    session = (
        PracticeSession.objects.select_for_update()
        .filter(room_id=message.room_id, trainee_id=actor.id, ended_at__isnull=True)
        .first()
    )
    if session is None:
        return
    scenario = scenarios().get(session.scenario)
    if scenario is None or session.node not in scenario.nodes:
        return
    node = scenario.next_node(session.node, body)
    if node is None:
        return
    session.node = node.id
    session.path = [*session.path, node.id]
    _say(Room.objects.get(pk=message.room_id), scenario, node, session.language)
    if node.end:
        _end(message.room_id, session, timezone.now())
    session.save(update_fields=["node", "path", "ended_at"])


def practices_to_review(scope: SupervisorScope) -> list[PracticeSession]:
    return list(
        PracticeSession.objects.filter(
            trainee__in=scope.mentors(), reviewed_at__isnull=True, ended_at__isnull=False
        )
        .select_related("trainee")
        .order_by("ended_at")
    )


def check_practice(scope: SupervisorScope, session_id: int) -> PracticeSession:
    session = next((p for p in practices_to_review(scope) if p.pk == session_id), None)
    if session is None:
        raise ServiceError("not_found", _("There is no such practice chat to review."))
    return session


def do_review_practice(
    scope: SupervisorScope, supervisor: Actor, session: PracticeSession, module_id: str = ""
) -> None:
    """Mark a practice chat reviewed and, if asked, sign off the module it practised."""
    with transaction.atomic():
        if module_id:
            module = certification.check_module(module_id)
            if module.practice != session.scenario:
                raise ServiceError(
                    "invalid", _("This practice chat is not that module's practice.")
                )
            certification.do_sign_off(supervisor, session.trainee, module)
        session.reviewed_by = scope.user
        session.reviewed_at = timezone.now()
        session.save(update_fields=["reviewed_by", "reviewed_at"])


def signoff_modules(session: PracticeSession) -> list[Any]:
    """Modules waiting for this trainee's sign-off that this scenario practises."""
    return [
        s.module
        for s in certification.standings(session.trainee)
        if s.state == certification.AWAITING_SIGNOFF and s.module.practice == session.scenario
    ]
