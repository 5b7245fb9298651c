"""A re-sent ``client_id`` on a real PostgreSQL: stored once, its original id, no gap.

The send path stores a message without a savepoint: the INSERT skips a row that
breaks the (room, sender, client_id) constraint (``ON CONFLICT DO NOTHING``) and
the id it took is given back. On PostgreSQL an error inside a transaction would
abort the whole batch, so this runs there too, including a re-send that waited
for the room's row lock while another node stored the original.
"""

from __future__ import annotations

import pytest

from tests.servers import run_script_on_database

pytestmark = pytest.mark.integration

SCRIPT = r"""
import contextvars, os, uuid
import django
django.setup()
from tests.pg_locks import run_while_blocked
import psycopg
from chatplatform.actors import participant_actor
from chatplatform.models import Message, Participant, Room
from chatplatform.services import messages
from chatplatform.services.access import check_room_access
from chatplatform.services.rooms import do_create_group_room

room = do_create_group_room("dedup", "Dedup")
alice = Participant.objects.create(handle="Quiet Heron 1")
bob = Participant.objects.create(handle="Calm Otter 2")
as_alice = check_room_access(participant_actor(alice), room.pk)
as_bob = check_room_access(participant_actor(bob), room.pk)
url = os.environ["DATABASE_URL"]

def send(batch):
    return messages.do_send_messages([
        messages.SendRequest(access, client_id, body, contextvars.copy_context())
        for access, client_id, body in batch
    ])

def last_seq():
    return Room.objects.get(pk=room.pk).last_seq

first, second = str(uuid.uuid4()), str(uuid.uuid4())
outcomes = send([(as_alice, first, "one"), (as_bob, second, "two"), (as_alice, first, "one")])
assert [(o.id, o.duplicate) for o in outcomes] == [(1, False), (2, False), (1, True)], outcomes
assert last_seq() == 2

# Bob's client_id sent by Alice is hers, not a duplicate of his.
outcomes = send([(as_bob, second, "two"), (as_alice, second, "three")])
assert [(o.id, o.duplicate) for o in outcomes] == [(2, True), (3, False)], outcomes
assert last_seq() == 3

# The other node stores Alice's message under the room's row lock and has not
# committed yet; this node's re-send of it waits for the lock, then collides.
third = str(uuid.uuid4())
other = psycopg.connect(url)
other.execute("UPDATE chatplatform_room SET last_seq = last_seq + 1 WHERE id = %s", [room.pk])
other.execute(
    "INSERT INTO chatplatform_message (room_id, seq, uid, client_id, sender_participant_id, "
    "sender_role, sender_handle, kind, audience, body_length, status, created_at, "
    "delivered_at, hidden_reason) VALUES (%s, 4, %s, %s, %s, 'participant', 'Quiet Heron 1', "
    "'chat', 'room', 4, 'delivered', now(), now(), '')",
    [room.pk, uuid.uuid4(), third, alice.pk],
)

result = run_while_blocked(url, other, lambda: send([(as_alice, third, "four")])[0], "the re-send")
assert (result.id, result.duplicate) == (4, True), result
assert last_seq() == 4

[after] = send([(as_bob, str(uuid.uuid4()), "five")])
assert after.id == 5 and not after.duplicate
assert list(Message.objects.filter(room=room).order_by("seq").values_list("seq", flat=True)) == [
    1, 2, 3, 4, 5
]
assert Message.objects.filter(room=room, client_id=first).count() == 1
print("OK")
"""


def test_a_re_sent_client_id_is_stored_once_with_its_original_id_and_no_gap(postgres_database):
    run_script_on_database(postgres_database(), SCRIPT)
