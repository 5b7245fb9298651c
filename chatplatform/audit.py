"""The tamper-evident audit log: append-only, each entry HMAC-chained to the one before.

Editing or deleting any row breaks the chain from that row on, and
``verify_chain`` names the first bad entry. The chain key is derived from
SECRET_KEY, so someone with database access alone cannot forge a new chain.
Entries hold pseudonymous handles and staff ids, never message text.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from chatplatform.models import AuditChainHead, AuditEntry

GENESIS = "0" * 64
AUTOMOD = "automod"
SYSTEM = "system"


def staff_label(user_id: int) -> str:
    return f"staff:{user_id}"


def _chain_key() -> bytes:
    return hashlib.sha256(b"audit-chain|" + settings.SECRET_KEY.encode()).digest()


def entry_digest(entry: AuditEntry, previous_hash: str) -> str:
    canonical = json.dumps(
        {
            "seq": entry.seq,
            "at": entry.created_at.isoformat(),
            "actor": entry.actor,
            "action": entry.action,
            "target": entry.target,
            "room": entry.room_id,
            "reason": entry.reason,
            "data": entry.data,
            "prev": previous_hash,
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    return hmac.new(_chain_key(), canonical.encode(), hashlib.sha256).hexdigest()


def record(
    actor: str,
    action: str,
    *,
    target: str = "",
    room_id: int | None = None,
    reason: str = "",
    data: dict | None = None,
) -> AuditEntry:
    """Append one entry. ``actor`` is ``staff:<id>``, ``automod`` or ``system``."""
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        entry = AuditEntry(
            seq=head.last_seq + 1,
            actor=actor,
            action=action,
            target=target,
            room_id=room_id,
            reason=reason[:500],
            data=data or {},
            prev_hash=head.last_hash,
        )
        entry.hash = entry_digest(entry, head.last_hash)
        entry.save()
        head.last_seq = entry.seq
        head.last_hash = entry.hash
        head.save(update_fields=["last_seq", "last_hash"])
    return entry


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    problem: str


def verify_chain(entries: Iterable[AuditEntry] | None = None) -> ChainProblem | None:
    """The first entry that was edited, deleted or reordered, or None when the chain holds."""
    expected_seq = 1
    previous = GENESIS
    rows = entries if entries is not None else AuditEntry.objects.order_by("seq").iterator()
    for entry in rows:
        if entry.seq != expected_seq:
            return ChainProblem(expected_seq, f"entry {expected_seq} is missing")
        if entry.prev_hash != previous:
            return ChainProblem(entry.seq, "does not link to the entry before it")
        if not hmac.compare_digest(entry.hash, entry_digest(entry, previous)):
            return ChainProblem(entry.seq, "was changed after it was written")
        previous = entry.hash
        expected_seq += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and head.last_seq != expected_seq - 1:
        return ChainProblem(expected_seq, f"entries after {expected_seq - 1} were deleted")
    return None
