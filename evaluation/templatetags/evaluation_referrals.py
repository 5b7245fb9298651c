"""The referral tool on a mentor's 1:1 chat page (one template tag)."""

from __future__ import annotations

from typing import Any

from django import template

from evaluation import referrals

register = template.Library()


@register.inclusion_tag("evaluation/_referral_tool.html")
def referral_tool(room_id: int, is_staff: bool, kind: str) -> dict[str, Any]:
    """For staff in a 1:1 chat: record the kind of help suggested (no text)."""
    if not is_staff or kind != "direct":
        return {"show": False}
    recorded = referrals.recorded_in(room_id)
    return {
        "show": True,
        "room_id": room_id,
        "choices": [
            (kind, label) for kind, label in referrals.LABELS.items() if kind not in recorded
        ],
        "recorded": [referrals.LABELS[kind] for kind in recorded],
    }
