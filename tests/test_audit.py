"""The audit log is append-only and tamper-evident."""

from __future__ import annotations

from chatplatform import audit
from chatplatform.models import AuditEntry


def test_untouched_chain_verifies(db):
    for n in range(3):
        audit.record(
            audit.staff_label(7), "hide", target="Quiet Heron 17", room_id=1, reason=f"r{n}"
        )
    assert audit.verify_chain() is None


def test_an_edited_row_is_named(db):
    for n in range(4):
        audit.record(audit.AUTOMOD, "mask", target="Calm Fox 3", room_id=2, reason=f"r{n}")
    AuditEntry.objects.filter(seq=2).update(reason="nothing happened")
    problem = audit.verify_chain()
    assert problem is not None and problem.seq == 2


def test_a_deleted_row_is_named(db):
    for n in range(4):
        audit.record(audit.AUTOMOD, "mask", reason=f"r{n}")
    AuditEntry.objects.filter(seq=3).delete()
    problem = audit.verify_chain()
    assert problem is not None and problem.seq == 3


def test_deleting_the_newest_rows_is_noticed(db):
    for n in range(3):
        audit.record(audit.AUTOMOD, "mask", reason=f"r{n}")
    AuditEntry.objects.filter(seq=3).delete()
    problem = audit.verify_chain()
    assert problem is not None and problem.seq == 3
