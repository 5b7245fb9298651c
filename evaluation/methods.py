"""The methods note every release carries: what the figures can and cannot show.

Built from the release's own configuration (instruments, waves, k, privacy, studies),
so it always describes the data it travels with.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def note(
    *,
    instruments: Sequence[dict[str, Any]],
    followup_days: int,
    k: int,
    dp_epsilon: float | None,
    studies: Sequence[str] = (),
) -> list[str]:
    """Paragraphs of the methods note, in the active language."""
    paragraphs = []
    if studies:
        paragraphs.append(
            _(
                "Design: change is measured within people, before and after. Only the "
                "randomised comparisons (%(studies)s) have a comparison group: every other "
                "change in this report could have happened without the service."
            )
            % {"studies": ", ".join(studies)}
        )
    else:
        paragraphs.append(
            _(
                "Design: change is measured within people, before and after, with no "
                "comparison group. It shows how people's answers changed, not that the "
                "service caused the change."
            )
        )
    paragraphs.append(
        _(
            "Regression to the mean: people often reach out when they feel at their worst, "
            "so their later answers tend to look better even without any help. Improvements "
            "from a high starting point are the most affected."
        )
    )
    unvalidated = sorted({f"{i['id']} v{i['version']}" for i in instruments if not i["validated"]})
    if unvalidated:
        paragraphs.append(
            ngettext(
                "Instruments: %(names)s was written for this service and is not clinically "
                "validated; compare within this programme, not with published norms.",
                "Instruments: %(names)s were written for this service and are not clinically "
                "validated; compare within this programme, not with published norms.",
                len(unvalidated),
            )
            % {"names": ", ".join(unvalidated)}
        )
    paragraphs.append(
        _(
            "Timing of waves: 'pre' is answered just before a chat (questions asked once, "
            "just before the first chat); 'post' just after the same chat ends; "
            "'follow-up' is offered when the person comes back at least %(days)d days after "
            "their first 'pre' answer. Trait-like measures (attitudes, intentions) are "
            "compared at follow-up, not minutes after a chat."
        )
        % {"days": followup_days}
    )
    paragraphs.append(
        _(
            "Missing data: a response counts when every subscale of its instrument is scored; "
            "pairs are complete cases. People who did not complete a later wave are compared "
            "with those who did at baseline, and the change is re-estimated with inverse "
            "probability weighting (the attrition table), which assumes completion depends "
            "only on the baseline scores, language and background answers."
        )
    )
    privacy = _(
        "Disclosure control: every count below %(k)d is suppressed, and the suppression is "
        "audited across all tables of the release, so no hidden count below %(k)d can be "
        "narrowed to fewer than %(k)d possible values from what is shown."
    ) % {"k": k}
    if dp_epsilon is not None:
        privacy += " " + _(
            "Counts carry differentially private noise (epsilon %(epsilon)s for the day's "
            "release); means and other statistics do not."
        ) % {"epsilon": dp_epsilon}
    paragraphs.append(privacy)
    return paragraphs
