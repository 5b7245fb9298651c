"""Signals the feature apps listen to, so the core never imports them.

``message_stored`` is sent inside the transaction that stored the message;
receivers that publish must do so with ``transaction.on_commit``.
"""

from django.dispatch import Signal

# kwargs: message (Message), body (str, private: never log), outcome (pipeline.Outcome),
# actor (Actor)
message_stored = Signal()
# kwargs: room (Room), participant (Participant), mentor (User), ticket (QueueTicket)
chat_matched = Signal()
# kwargs: room (Room), ended_by (Actor)
chat_ended = Signal()
# kwargs: participant (Participant). Sent when a participant asks to delete their data;
# receivers unlink or shred whatever they hold for that participant.
participant_erased = Signal()
# kwargs: participant (Participant), day (date). Sent the first time a participant is seen
# on a given day (at creation and when last_seen_on moves on); evaluation keeps visit days.
participant_seen = Signal()
# kwargs: user_id (int), status (str, or None for a console heartbeat), at (datetime).
# Sent when a mentor sets their availability and on every console heartbeat; the mentor
# programme keeps hours online from it.
mentor_presence = Signal()
