"""The participant's safety plan (after the Stanley-Brown Safety Planning Intervention).

Mentor and participant fill it in together in their 1:1 chat; the participant
can view, edit and download it, and move it to another device with a one-time
code. It belongs to the participant.

Stored like messages: sealed with AES-GCM under the data key of the chat it was
made in (``chatplatform.services.keys``), bound to its row by its ``uid``, so
the chat's retention and crypto-shredding apply to it. It is resealed under the
chat's current key whenever it is saved, opened by its owner, or moved with a
code, so it lasts MESSAGE_RETENTION_DAYS after it was last used. "Delete my
data" deletes it (and the chat's keys are shredded). No export holds it, and
evaluators never read it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chatplatform import audit, logs, throttle
from chatplatform.crypto import DecryptionError
from chatplatform.errors import ServiceError
from chatplatform.events import publish_on_commit
from chatplatform.models import Participant, Room
from chatplatform.services import crisis, keys
from chatplatform.services import messages as message_service
from chatplatform.services.access import RoomAccess
from escalation import access, opening
from escalation.models import SafetyPlan, SafetyPlanCode

SECTION_MAX_LENGTH = 2000
# (code, title, what goes in it): the Stanley-Brown steps, and what matters most.
SECTIONS = (
    (
        "warning_signs",
        gettext_lazy("Warning signs"),
        gettext_lazy(
            "Thoughts, feelings, situations or things I do that tell me a crisis may be starting."
        ),
    ),
    (
        "coping",
        gettext_lazy("Things I can do on my own"),
        gettext_lazy("Things that help me take my mind off my problems without contacting anyone."),
    ),
    (
        "distractions",
        gettext_lazy("People and places that take my mind off things"),
        gettext_lazy("People I can be with and places I can go."),
    ),
    (
        "people",
        gettext_lazy("People I can ask for help"),
        gettext_lazy("Who they are and how to reach them."),
    ),
    (
        "professionals",
        gettext_lazy("Professionals and crisis lines"),
        gettext_lazy("Services I can contact in a crisis, and the crisis lines where I am."),
    ),
    (
        "safer_surroundings",
        gettext_lazy("Making my surroundings safer"),
        gettext_lazy(
            "Steps that keep me safer when I feel this way, with someone's help if I need it."
        ),
    ),
    (
        "reasons",
        gettext_lazy("What matters most to me"),
        gettext_lazy("The people and things that are most important to me."),
    ),
)
SECTION_CODES = tuple(code for code, _title, _help in SECTIONS)
# Letters and digits that cannot be mistaken for each other when read out or typed.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12
CODE_ATTEMPTS_PER_HOUR = 10


def _aad_uid(plan_uid: uuid.UUID) -> str:
    return f"safety-plan:{plan_uid}"


# --- Reading ---------------------------------------------------------------------------------


def plan_of(participant: Participant) -> SafetyPlan | None:
    return SafetyPlan.objects.filter(participant=participant).first()


def sections_of(plan: SafetyPlan) -> dict[str, str] | None:
    """The plan's text by section; None when its chat's key was shredded (it is gone)."""
    version_keys = keys.room_keys(plan.room_id, {plan.key_version})
    data_key = version_keys.get(plan.key_version)
    if data_key is None:
        return None
    try:
        text = keys.decrypt_body(
            plan.room_id, _aad_uid(plan.uid), plan.key_version, plan.body_ciphertext, data_key
        )
    except DecryptionError:
        return None
    sections = json.loads(text)
    logs.mark_private(list(sections.values()))
    return {code: str(sections.get(code, "")) for code in SECTION_CODES}


def prefilled(participant: Participant) -> dict[str, str]:
    """A new plan: empty but for the crisis lines of the participant's region."""
    lines = crisis.panel(crisis.choice_for_participant(participant))
    listed = []
    for group in lines["regions"]:
        if group["emergency_number"]:
            listed.append(
                _("Emergency (%(region)s): %(number)s")
                % {"region": group["name"], "number": group["emergency_number"]}
            )
        for line in group["lines"]:
            ways = "; ".join(way["label"] for way in line["ways"])
            listed.append(f"{line['service']}: {ways}")
    return {code: "\n".join(listed) if code == "professionals" else "" for code in SECTION_CODES}


def view(participant: Participant, plan: SafetyPlan | None) -> dict[str, Any]:
    """What the plan's panels and pages show: titles, help, text and revision."""
    sections = sections_of(plan) if plan is not None else None
    exists = sections is not None
    if sections is None:
        sections = prefilled(participant)
    return {
        "exists": exists,
        "revision": plan.revision if exists and plan is not None else 0,
        "updated_at": plan.updated_at.isoformat() if exists and plan is not None else None,
        "sections": [
            {"code": code, "title": str(title), "help": str(help_text), "text": sections[code]}
            for code, title, help_text in SECTIONS
        ],
    }


def as_text(participant: Participant) -> str:
    """The plan as a plain-text file the participant keeps."""
    plan = plan_of(participant)
    sections = sections_of(plan) if plan is not None else None
    if sections is None:
        raise ServiceError("not_found", _("You have no safety plan yet."))
    parts = [_("My safety plan"), ""]
    for number, (code, title, _help) in enumerate(SECTIONS, start=1):
        parts += [f"{number}. {title}", sections[code] or "-", ""]
    return "\n".join(parts)


# --- Writing ---------------------------------------------------------------------------------


def _clean(sections: dict[str, Any]) -> dict[str, str]:
    unknown = set(sections) - set(SECTION_CODES)
    if unknown:
        raise ServiceError("invalid", _("The safety plan has no such section."))
    clean = {}
    for code in SECTION_CODES:
        text = sections.get(code, "")
        if not isinstance(text, str):
            raise ServiceError("invalid", _("Each part of the safety plan must be text."))
        text = message_service.normalise_body(text) if text.strip() else ""
        if len(text) > SECTION_MAX_LENGTH:
            raise ServiceError(
                "too_long",
                _("Each part of the safety plan can be at most %(max)d characters.")
                % {"max": SECTION_MAX_LENGTH},
                limit=SECTION_MAX_LENGTH,
            )
        clean[code] = text
    logs.mark_private(list(clean.values()))
    return clean


def _seal(plan: SafetyPlan, sections: dict[str, str], now: datetime) -> None:
    """Encrypt under the plan's chat's current key. Preconditions: the room row is locked."""
    plan.key_version, plan.body_ciphertext = keys.encrypt_body(
        plan.room_id, _aad_uid(plan.uid), json.dumps(sections)
    )
    plan.sealed_at = now


def _lock_room(room_id: int) -> None:
    # Creating a room's next data key needs its row lock (keys.current_room_key).
    Room.objects.select_for_update().filter(pk=room_id).first()


def do_save(
    participant: Participant,
    room_id: int | None,
    sections: dict[str, Any],
    revision: int,
    *,
    saved_by: int | None = None,
    now: datetime | None = None,
) -> SafetyPlan:
    """Store the whole plan. ``revision`` is the one the editor started from (0: a new plan).

    Preconditions: the caller checked who may edit it. A plan is first made in a
    chat (``room_id``); later saves keep it under that chat's key. A stale
    ``revision`` is refused as ``conflict``: someone else saved in between.
    ``saved_by`` is the staff member who saved it (audited), None for the participant.
    """
    now = now or timezone.now()
    clean = _clean(sections)
    with transaction.atomic():
        plan = SafetyPlan.objects.select_for_update().filter(participant=participant).first()
        current = plan.revision if plan is not None else 0
        if revision != current:
            raise ServiceError(
                "conflict",
                _("Someone else has just changed the safety plan. Here is the latest version."),
                revision=current,
            )
        if plan is None:
            if room_id is None:
                raise ServiceError(
                    "no_chat", _("A safety plan is made with your mentor in a chat.")
                )
            plan = SafetyPlan(
                uid=uuid.uuid4(), participant=participant, room_id=room_id, created_at=now
            )
        else:
            plan.revision += 1
        _lock_room(plan.room_id)
        _seal(plan, clean, now)
        plan.updated_at = now
        plan.save()
        if saved_by is not None:
            audit.record(
                audit.staff_label(saved_by),
                "safety_plan.saved",
                target=f"safety_plan:{plan.pk}",
                room_id=plan.room_id,
                data={"revision": plan.revision},
            )
    return plan


def do_keep_alive(plan: SafetyPlan, now: datetime | None = None) -> None:
    """Reseal a plan its owner opened, so it lasts as long as it is used."""
    now = now or timezone.now()
    if now - plan.sealed_at < keys.bucket_length():
        return
    sections = sections_of(plan)
    if sections is None:
        return
    with transaction.atomic():
        _lock_room(plan.room_id)
        _seal(plan, sections, now)
        plan.save(update_fields=["key_version", "body_ciphertext", "sealed_at"])


def do_delete(participant: Participant) -> bool:
    deleted, _ = SafetyPlan.objects.filter(participant=participant).delete()
    return bool(deleted)


def forget_participant(participant: Participant, **kwargs: Any) -> None:
    """``participant_erased``: "Delete my data" deletes the plan and its codes."""
    do_delete(participant)


# --- In the chat -----------------------------------------------------------------------------


def check_plan_in_room(room_access: RoomAccess) -> Participant:
    """The 1:1 chat's participant, whose plan the caller may see and edit.

    The participant themself, or the chat's mentor (or a supervisor in it).
    """
    participant = opening.room_participant(room_access)
    if participant is None:
        raise ServiceError("invalid", _("A safety plan is made in a 1:1 chat."))
    if room_access.actor.is_staff:
        access.check_can_escalate(room_access)
    elif room_access.actor.id != participant.pk:
        raise ServiceError("forbidden", _("This is not your chat."))
    return participant


def room_frame(room_access: RoomAccess, participant: Participant) -> dict[str, Any]:
    return {
        "type": "safety_plan",
        "room": room_access.room_id,
        **view(participant, plan_of(participant)),
    }


def do_save_in_room(
    room_access: RoomAccess, sections: dict[str, Any], revision: int
) -> dict[str, Any]:
    """Save from the chat; everyone in the chat sees the new version (after commit)."""
    participant = check_plan_in_room(room_access)
    actor = room_access.actor
    saved_by = actor.id if actor.is_staff else None
    try:
        with transaction.atomic():
            do_save(participant, room_access.room_id, sections, revision, saved_by=saved_by)
            frame = room_frame(room_access, participant)
            publish_on_commit(
                message_service.room_group(room_access.room_id),
                {"type": "chat.frame", "frame": frame},
            )
    except ServiceError as error:
        if error.code != "conflict":
            raise
        return {**room_frame(room_access, participant), "conflict": error.detail}
    return frame


# --- One-time codes --------------------------------------------------------------------------


def _hash(code: str) -> str:
    normal = "".join(ch for ch in code.upper() if ch in CODE_ALPHABET)
    return hmac.new(settings.SECRET_KEY.encode(), normal.encode(), hashlib.sha256).hexdigest()


def _new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def do_create_code(participant: Participant, now: datetime | None = None) -> tuple[str, datetime]:
    """A one-time code for the participant's plan, shown once; earlier unused codes stop working."""
    now = now or timezone.now()
    plan = plan_of(participant)
    if plan is None:
        raise ServiceError("not_found", _("You have no safety plan yet."))
    code = _new_code()
    expires = now + timedelta(hours=settings.SAFETY_PLAN_CODE_HOURS)
    with transaction.atomic():
        SafetyPlanCode.objects.filter(plan=plan, used_at__isnull=True).delete()
        SafetyPlanCode.objects.create(
            plan=plan, code_hash=_hash(code), created_at=now, expires_at=expires
        )
    return code, expires


def do_redeem_code(
    participant: Participant, code: str, network_key: str, now: datetime | None = None
) -> SafetyPlan:
    """Move the plan a code was made for to this participant (this device). Once per code."""
    now = now or timezone.now()
    wait = throttle.window_hit("plan-code", network_key, CODE_ATTEMPTS_PER_HOUR, 3600)
    if wait:
        raise ServiceError(
            "rate_limited",
            _("Too many tries. Please wait a while and try again."),
            retry_after=round(wait),
        )
    refused = ServiceError(
        "invalid_code", _("This code is not valid. Check it, or make a new one.")
    )
    with transaction.atomic():
        found = (
            SafetyPlanCode.objects.select_for_update()
            .select_related("plan")
            .filter(code_hash=_hash(code), used_at__isnull=True, expires_at__gt=now)
            .first()
        )
        if found is None:
            raise refused
        plan = found.plan
        if plan.participant_id != participant.pk:
            if SafetyPlan.objects.filter(participant=participant).exists():
                raise ServiceError(
                    "plan_exists",
                    _("This device already has a safety plan. Delete it first to bring another."),
                )
            plan.participant = participant
        found.used_at = now
        found.save(update_fields=["used_at"])
        sections = sections_of(plan)
        if sections is None:
            raise refused
        _lock_room(plan.room_id)
        _seal(plan, sections, now)
        plan.save()
        audit.record(
            audit.SYSTEM, "safety_plan.moved", target=f"safety_plan:{plan.pk}", room_id=plan.room_id
        )
    return plan
