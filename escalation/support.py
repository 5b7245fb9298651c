"""What a participant is told when a crisis panel opens: one reviewed text per situation.

Each text follows safe-messaging guidance (#chatsafe; the Samaritans media
guidelines): caring and direct, no detail of any method, hope without promises,
and a clear way to reach a person now. The situations:

* ``automatic_high``: the detector's guess. It asks and offers; it never orders,
  and the emergency number comes after the words of support.
* ``automatic_imminent``: the detector's guess at imminent risk. Still an offer
  ("you can call 112"), but the emergency number comes first.
* ``urgent_help``: the participant pressed "I need urgent help now". They asked,
  so the words are plain: help is on its way, and call the emergency number now
  if they are in immediate danger (first, as the press is always imminent).
* ``mentor``: their mentor asked a supervisor to help. Reassuring: they are not
  in trouble and can keep talking.
* ``urgent_help_closed``: a participant's request (banned or not), resolved by a
  supervisor without a chat: it says so, gives the lines again (the emergency number
  first) and how to ask again; a person still in the queue also sees their place.
* ``third_party``: the risk is to someone they are worried about (the detector
  says ``who`` is ``other``): how to help a friend, and lines for both of them.

Only imminent risk puts the emergency number first. Every number comes from the
crisis lines of the participant's region (``chatplatform.services.crisis``).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from chatplatform.crisis_locale import RegionChoice
from chatplatform.services import crisis
from escalation.models import Escalation

AUTOMATIC_HIGH = "automatic_high"
AUTOMATIC_IMMINENT = "automatic_imminent"
URGENT_HELP = "urgent_help"
MENTOR = "mentor"
THIRD_PARTY = "third_party"
# The urgent-help press of a banned participant: a supervisor, not the queue, comes.
URGENT_HELP_BANNED = "urgent_help_banned"
# An urgent-help press a defence kept from opening a case: nobody is coming, so the
# words say so and point to the lines and the emergency number.
URGENT_HELP_UNREACHED = "urgent_help_unreached"
# An urgent-help case a supervisor resolved without opening a chat (banned or not):
# nobody is coming on it, so the words say so, give the lines again and the way to ask again.
URGENT_HELP_CLOSED = "urgent_help_closed"
KINDS = (
    AUTOMATIC_HIGH,
    AUTOMATIC_IMMINENT,
    URGENT_HELP,
    URGENT_HELP_BANNED,
    URGENT_HELP_UNREACHED,
    URGENT_HELP_CLOSED,
    MENTOR,
    THIRD_PARTY,
)


def kind_for(source: str, level: str, third_party: bool = False) -> str:
    """Which text a signal from ``source`` at ``level`` gets."""
    if source == Escalation.Source.PARTICIPANT:
        return URGENT_HELP
    if third_party:
        return THIRD_PARTY
    if source == Escalation.Source.MENTOR:
        return MENTOR
    if level == Escalation.Level.IMMINENT:
        return AUTOMATIC_IMMINENT
    return AUTOMATIC_HIGH


def closed_without_chat() -> str:
    """What a participant's page says when their case is closed without a chat."""
    return _("A supervisor closed your request for urgent help without opening a chat.")


def still_queued() -> str:
    """What an ordinary participant's page adds when their case was closed in the queue."""
    return _(
        "You are still in the queue for a peer mentor. Keep this page open; we'll take "
        "you to the chat as soon as someone joins."
    )


def queue_place(position: int | None) -> str:
    """Their place in the queue, as the queue's socket says it (that page's first words)."""
    return _("You are number %(position)s in the queue.") % {"position": position}


def _stay_safer() -> str:
    return _(
        "If you can, put some distance between yourself and anything you could use to "
        "hurt yourself, and stay near someone you trust."
    )


def _words(kind: str, in_chat: bool) -> dict[str, Any]:
    """Heading, paragraphs, tips and question of one text.

    ``danger_at`` is where the emergency sentence goes when the risk is not
    imminent; at imminent risk it always comes first.
    """
    if kind == AUTOMATIC_HIGH:
        return {
            "heading": _("It sounds like things are really hard right now"),
            "paragraphs": [
                _("Thank you for telling us. You matter, and you don't have to face this alone."),
                _(
                    "If you are having thoughts of suicide, talking to someone can help. "
                    "You can reach someone at the lines below."
                ),
                _(
                    "We have also let a supervisor from our team know, so you get the support "
                    "you need."
                ),
            ],
            "danger_at": 2,
            "question": _("Are you safe right now?"),
        }
    if kind == AUTOMATIC_IMMINENT:
        return {
            "heading": _("Your safety matters to us"),
            "paragraphs": [
                _("Thank you for telling us what's going on. You don't have to face this alone."),
                _(
                    "A supervisor from our team has been asked to join you and will be here "
                    "as soon as they can."
                ),
                _stay_safer(),
            ],
            "danger_at": 1,
            "question": _("Are you safe right now?"),
        }
    if kind == URGENT_HELP:
        return {
            "heading": _("We're getting someone for you now"),
            "paragraphs": [
                _(
                    "A supervisor has been alerted and will join your chat as soon as they can. "
                    "Please stay here with us."
                )
                if in_chat
                else _(
                    "A supervisor has been alerted, and you are now at the front of the queue "
                    "for a chat. Please keep this page open."
                ),
                _("While you wait, you can also talk to someone at one of the lines below."),
                _stay_safer(),
            ],
            "danger_at": 1,
            "question": "",
        }
    if kind == URGENT_HELP_BANNED:
        return {
            "heading": _("We're getting someone for you now"),
            "paragraphs": [
                _(
                    "A supervisor has been alerted and will open a private chat with you as "
                    "soon as they can. You can't use the peer chat at the moment, but this "
                    "chat is with a supervisor only."
                ),
                _(
                    "Please keep this page open: it takes you to the chat when it is ready. "
                    "You can also reload it to check."
                ),
                _("While you wait, you can also talk to someone at one of the lines below."),
                _stay_safer(),
            ],
            "danger_at": 2,
            "question": "",
        }
    if kind == URGENT_HELP_UNREACHED:
        return {
            "heading": _("Please reach one of these lines now"),
            "paragraphs": [
                _("You can talk to someone at one of the lines below."),
                _stay_safer(),
            ],
            "danger_at": 0,
            "question": "",
        }
    if kind == URGENT_HELP_CLOSED:
        return {
            "heading": _("Your request was closed without a chat"),
            "paragraphs": [
                closed_without_chat(),
                _("You can talk to someone at one of the lines below."),
                _(
                    'If you need help again, you can press "I need urgent help now" on this '
                    "page. The supervisors on duty will see that you asked."
                ),
            ],
            "danger_at": 0,
            "question": "",
        }
    if kind == MENTOR:
        return {
            "heading": _("Your mentor has asked a colleague to help"),
            "paragraphs": [
                _(
                    "Your mentor wants to make sure you get the best support, so they have asked "
                    "a supervisor from our team to help. You are not in trouble, and you can "
                    "keep talking."
                ),
                _("You can also talk to someone at one of the lines below."),
            ],
            "danger_at": 1,
            "question": "",
        }
    return {
        "heading": _("Worried about someone?"),
        "paragraphs": [
            _(
                "Thank you for looking out for them. It can be hard to know what to do, "
                "so here are some things that help."
            ),
        ],
        "danger_at": 1,
        "tips": [
            _(
                "Ask them directly whether they are thinking about suicide. Asking does not put "
                "the idea in their head, and being asked can be a relief."
            ),
            _("Listen without judging, and tell them you care."),
            _("If they are not safe, stay with them or stay in touch, and help them get support."),
            _(
                "Help them contact one of the lines below. You can also call a line yourself "
                "for advice."
            ),
            _("Look after yourself too. You can talk it through with us here."),
        ],
        "question": "",
    }


def crisis_support(
    choice: RegionChoice,
    *,
    source: str,
    level: str,
    third_party: bool = False,
    in_chat: bool,
    kind: str = "",
) -> dict[str, Any]:
    """The crisis panel, as a ``crisis.support`` frame and as the urgent-help page's content.

    ``kind`` overrides the one ``source`` and ``level`` give (URGENT_HELP_BANNED,
    URGENT_HELP_UNREACHED, URGENT_HELP_CLOSED). Preconditions: the caller has activated
    the participant's language.
    """
    kind = kind or kind_for(source, level, third_party)
    imminent = level == Escalation.Level.IMMINENT
    lines = crisis.panel(choice)
    danger = crisis.emergency_sentence(
        lines["regions"],
        about_someone_else=kind == THIRD_PARTY,
        direct=kind in (URGENT_HELP, URGENT_HELP_BANNED, URGENT_HELP_UNREACHED, URGENT_HELP_CLOSED),
    )
    words = _words(kind, in_chat)
    # Only imminent risk puts the emergency number first.
    words["paragraphs"].insert(0 if imminent else words["danger_at"], danger)
    return {
        "type": "crisis.support",
        "kind": kind,
        "level": level,
        "heading": words["heading"],
        "paragraphs": words["paragraphs"],
        "tips": words.get("tips", []),
        "question": words["question"],
        "answers": (
            {"safe": _("Yes, I'm safe for now"), "not_safe": _("No, I need help now")}
            if words["question"]
            else {}
        ),
        "emergency_first": imminent,
        "emergency_calls": crisis.emergency_calls(lines["regions"]),
        "resources_heading": (
            _("Lines that can help them, and you:")
            if kind == THIRD_PARTY
            else _("You can talk to someone at these lines:")
        ),
        "region": lines["region"],
        "regions": lines["regions"],
    }
