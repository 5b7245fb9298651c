"""Create N 1:1 rooms (a participant and a mentor each) and print their session keys as JSON.

Run with the benchmark server's environment: ``python benchmarks/seed_pairs.py --pairs 500``.
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

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY  # noqa: E402
from django.contrib.auth import SESSION_KEY as USER_SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.db import transaction  # noqa: E402

from chatplatform import roles  # noqa: E402
from chatplatform.handles import generate_handle  # noqa: E402
from chatplatform.models import Participant, Room, RoomMembership  # noqa: E402
from chatplatform.services.participants import SESSION_KEY  # noqa: E402
from chatplatform.services.staff import do_add_staff  # noqa: E402


def staff_session(user) -> str:
    store = SessionStore()
    store[USER_SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return store.session_key


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pairs", type=int, required=True)
    parser.add_argument("--mentors", type=int, default=50)
    args = parser.parse_args()
    if args.pairs < 1 or args.mentors < 1:
        parser.error("--pairs and --mentors must be at least 1")
    with transaction.atomic():
        mentors = [
            do_add_staff(f"bench-mentor-{n}@example.org", roles.MENTOR, "bench-password-123").user
            for n in range(args.mentors)
        ]
        mentor_sessions = [staff_session(m) for m in mentors]
        pairs = []
        for n in range(args.pairs):
            participant = Participant.objects.create(handle=generate_handle())
            room = Room.objects.create(kind=Room.Kind.DIRECT, title="1:1 chat")
            mentor_index = n % len(mentors)
            RoomMembership.objects.create(room=room, participant=participant, role="participant")
            RoomMembership.objects.create(room=room, user=mentors[mentor_index], role="mentor")
            store = SessionStore()
            store[SESSION_KEY] = participant.pk
            store.save()
            pairs.append(
                {
                    "room": room.pk,
                    "participant": store.session_key,
                    "mentor": mentor_sessions[mentor_index],
                }
            )
    json.dump(pairs, sys.stdout)


if __name__ == "__main__":
    main()
