"""Two nodes storing a cold room's first messages at once, on a real PostgreSQL.

The send path takes the next id and reads the room's key versions in one
statement (``UPDATE room ... RETURNING`` with subqueries). A sender that waited
for the room's row lock gets the row as the other transaction left it, but the
subqueries still read the snapshot from before the wait: they miss the data key
the other sender has just created, and the send tried to create the same key
version again (an IntegrityError that failed the whole batch; the soak found it).
"""

from __future__ import annotations

import pytest

from tests.servers import run_script_on_database

pytestmark = pytest.mark.integration

SCRIPT = r"""
import os, uuid
import django
django.setup()
from tests.pg_locks import run_while_blocked
import psycopg
from django.conf import settings
from chatplatform import crypto
from chatplatform.actors import participant_actor
from chatplatform.models import Message, Participant, RoomKey
from chatplatform.services import messages
from chatplatform.services.access import check_room_access
from chatplatform.services.rooms import do_create_group_room

room = do_create_group_room("race", "Race")
participant = Participant.objects.create(handle="Quiet Heron 1")
access = check_room_access(participant_actor(participant), room.pk)
url = os.environ["DATABASE_URL"]

# The other node: holds the room's row lock while it stores the room's first
# message with a new data key (version 1), then commits.
other = psycopg.connect(url)
other.execute("UPDATE chatplatform_room SET last_seq = last_seq + 1 WHERE id = %s", [room.pk])
data_key = crypto.new_data_key()
kek_id, wrapped = crypto.wrap_data_key(settings.ENCRYPTION_KEYRING, room.pk, 1, data_key)
other.execute(
    "INSERT INTO chatplatform_roomkey (room_id, version, kek_id, wrapped_key, created_at) "
    "VALUES (%s, 1, %s, %s, now())",
    [room.pk, kek_id, wrapped],
)

def send():
    return messages.do_send_message(access, str(uuid.uuid4()), "hello there")

result = run_while_blocked(url, other, send, "the send")
assert result.id == 2, result
message = Message.objects.get(room=room, seq=2)
assert message.key_version == 1
assert messages.decrypt_message(message) == "hello there"
assert list(RoomKey.objects.filter(room=room).values_list("version", flat=True)) == [1]
print("OK")
"""


def test_a_send_that_waited_for_the_room_lock_uses_the_key_created_meanwhile(postgres_database):
    run_script_on_database(postgres_database(), SCRIPT)
