"""A mentor's post-chat feedback: the "after" survey's experience items for the chats they
took, for the mentor and their supervisor only, and only once at least k participants
answered. Never ranked, never compared with other mentors.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings

from chatplatform.models import Room, RoomMembership
from evaluation.models import ChatRecord, SurveyResponse

INSTRUMENT = "experience"


@dataclass(frozen=True)
class Feedback:
    """Mean answer per item, or None for every item while fewer than k people answered."""

    participants: int
    enough: bool
    # (item id, its wording by language, mean answer or None)
    items: tuple[tuple[str, dict[str, str], float | None], ...]


def mentor_feedback(mentor_id: int, k: int | None = None) -> Feedback:
    k = settings.EVALUATION_MIN_CELL if k is None else k
    mentored = set(ChatRecord.objects.filter(mentor_id=mentor_id).values_list("room_id", flat=True))
    responses = list(
        SurveyResponse.objects.filter(
            wave=SurveyResponse.Wave.POST,
            instrument_version__instrument=INSTRUMENT,
            identity__participant__isnull=False,
        ).values_list(
            "identity__participant_id", "chat_number", "answers", "instrument_version__definition"
        )
    )
    participants = {p for p, _n, _a, _d in responses}
    rooms: dict[int, list[int]] = defaultdict(list)
    for participant_id, room_id in (
        RoomMembership.objects.filter(
            participant_id__in=participants,
            role=RoomMembership.Role.PARTICIPANT,
            room__kind=Room.Kind.DIRECT,
        )
        .order_by("room__created_at", "room_id")
        .values_list("participant_id", "room_id")
    ):
        if room_id not in rooms[participant_id]:
            rooms[participant_id].append(room_id)
    answered: set[int] = set()
    values: dict[str, list[float]] = defaultdict(list)
    wording: dict[str, dict[str, str]] = {}
    for participant_id, number, answers, definition in responses:
        chats = rooms.get(participant_id, [])
        if not 1 <= number <= len(chats) or chats[number - 1] not in mentored:
            continue
        answered.add(participant_id)
        ids = [item["id"] for item in definition["items"]]
        for item in definition["items"]:
            wording.setdefault(item["id"], item["text"])
        for item_id, answer in zip(ids, answers, strict=False):
            if isinstance(answer, int | float) and not isinstance(answer, bool):
                values[item_id].append(float(answer))
    enough = len(answered) >= k
    items = tuple(
        (
            item_id,
            text,
            (sum(values[item_id]) / len(values[item_id])) if enough and values[item_id] else None,
        )
        for item_id, text in wording.items()
    )
    return Feedback(participants=len(answered) if enough else 0, enough=enough, items=items)
