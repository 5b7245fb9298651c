"""Create N group rooms and two anonymous participants for each; print their sessions as JSON.

The rooms are new and cold: no member yet (each participant joins when their
socket opens, as from the room list) and no data key (the first message creates
it), as real rooms are at the start of a day.

Run with the benchmark server's environment: ``python benchmarks/seed_groups.py --rooms 500``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatplatform.settings")

import django

django.setup()

from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.db import transaction  # noqa: E402

from chatplatform.handles import generate_handle  # noqa: E402
from chatplatform.models import Participant, Room  # noqa: E402
from chatplatform.services.participants import SESSION_KEY  # noqa: E402


def participant_session() -> str:
    participant = Participant.objects.create(handle=generate_handle())
    store = SessionStore()
    store[SESSION_KEY] = participant.pk
    store.save()
    return store.session_key


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rooms", type=int, required=True)
    parser.add_argument("--members", type=int, default=2, help="participants per room")
    args = parser.parse_args()
    if args.rooms < 1 or args.members < 1:
        parser.error("--rooms and --members must be at least 1")
    rooms = []
    with transaction.atomic():
        for n in range(args.rooms):
            room = Room.objects.create(
                kind=Room.Kind.GROUP, slug=f"bench-{n}", title=f"Group {n}", is_listed=True
            )
            sessions = [participant_session() for _ in range(args.members)]
            rooms.append({"room": room.pk, "members": sessions})
    json.dump(rooms, sys.stdout)


if __name__ == "__main__":
    main()
