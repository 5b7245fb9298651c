"""The codebook: every table of the evaluation report and every column in it.

The same specs drive the report, the CSV/JSON exports, the codebook export, the OpenAPI
schema and the dashboard's labels, so the documentation cannot drift from the data.
Labels are lazy translations (they need no settings until they are shown); nothing else
here uses Django.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext_lazy as _

from evaluation.tables import COUNT, DIMENSION, MEASURE, NOTE, RATIO, Column, TableSpec

CODEBOOK_VERSION = 2
CSV_COLUMNS = ("table", "row", "column", "value", "status")

# Counts that anchor an analysis are expensive to suppress: complements go elsewhere first.
ANCHOR = 10.0
MARGIN = 5.0

# What readers see for each column (the dashboard, the codebook); names stay in exports.
LABELS = {
    "instrument": _("Instrument"),
    "version": _("Version"),
    "subscale": _("Subscale"),
    "comparison": _("Comparison"),
    "higher_is_better": _("Higher is better"),
    "items": _("Items"),
    "n_baseline": _("People at baseline"),
    "n_later": _("People at the later wave"),
    "n_paired": _("People with both (paired)"),
    "n_baseline_only": _("Baseline only"),
    "n_later_only": _("Later wave only"),
    "mean_baseline": _("Mean at baseline"),
    "sd_baseline": _("SD at baseline"),
    "mean_later": _("Mean at the later wave"),
    "sd_later": _("SD at the later wave"),
    "mean_change": _("Mean change"),
    "sd_change": _("SD of change"),
    "ci_low": _("95% CI, low"),
    "ci_high": _("95% CI, high"),
    "t": _("t statistic"),
    "p_t": _("p-value (t-test)"),
    "p_t_holm": _("p-value (t-test, Holm)"),
    "wilcoxon_w": _("Wilcoxon W"),
    "p_wilcoxon": _("p-value (Wilcoxon)"),
    "p_wilcoxon_holm": _("p-value (Wilcoxon, Holm)"),
    "d_z": _("Cohen's d_z"),
    "d_z_ci_low": _("d_z 95% CI, low"),
    "d_z_ci_high": _("d_z 95% CI, high"),
    "g_z": _("Hedges' g_z"),
    "g_z_ci_low": _("g_z 95% CI, low"),
    "g_z_ci_high": _("g_z 95% CI, high"),
    "alpha_baseline": _("Cronbach's alpha at baseline"),
    "alpha_later": _("Cronbach's alpha later"),
    "reliability_used": _("Reliability used"),
    "sd_rci": _("SD used for reliable change"),
    "reliable_change_note": _("Reliable change: note"),
    "n_reliably_improved": _("Reliably improved"),
    "n_reliably_worse": _("Reliably worse"),
    "n_no_reliable_change": _("No reliable change"),
    "share_reliably_improved": _("Share reliably improved"),
    "share_reliably_worse": _("Share reliably worse"),
    "wave": _("Wave"),
    "band": _("Score band"),
    "n": _("People"),
    "breakdown": _("Breakdown"),
    "group": _("Group"),
    "share_paired": _("Share completed"),
    "n_completers": _("Completers"),
    "n_non_completers": _("Non-completers"),
    "mean_baseline_completers": _("Baseline mean, completers"),
    "mean_baseline_non_completers": _("Baseline mean, non-completers"),
    "smd_baseline": _("Standardised difference at baseline"),
    "attrition_p": _("p-value (baseline difference)"),
    "mean_change_ipw": _("Mean change, weighted (IPW)"),
    "ci_low_ipw": _("IPW 95% CI, low"),
    "ci_high_ipw": _("IPW 95% CI, high"),
    "effective_n_ipw": _("Effective n of the weights"),
    "item": _("Question"),
    "n_answered": _("Answered yes or no"),
    "n_yes": _("Answered yes"),
    "n_no": _("Answered no"),
    "share_yes": _("Share yes"),
    "participants": _("People"),
    "week": _("Week"),
    "new_participants": _("New people"),
    "chats": _("Chats"),
    "wait_p50_seconds": _("Wait, median (s)"),
    "wait_p90_seconds": _("Wait, 90th percentile (s)"),
    "chats_replied": _("Chats with a mentor reply"),
    "first_reply_p50_seconds": _("First reply, median (s)"),
    "first_reply_p90_seconds": _("First reply, 90th percentile (s)"),
    "month": _("Month"),
    "chats_ended": _("Chats ended"),
    "duration_p50_minutes": _("Length, median (min)"),
    "duration_p90_minutes": _("Length, 90th percentile (min)"),
    "messages_mean": _("Messages per chat, mean"),
    "messages_p50": _("Messages per chat, median"),
    "topic": _("Topic"),
    "window_days": _("Window (days)"),
    "cohort": _("First seen"),
    "returned": _("Came back"),
    "not_returned": _("Did not come back"),
    "rate": _("Return rate"),
    "level": _("Level"),
    "escalations": _("Escalations"),
    "per_100_chats": _("Per 100 chats"),
    "acknowledged": _("Acknowledged"),
    "acknowledge_p50_minutes": _("Time to acknowledge, median (min)"),
    "acknowledge_p90_minutes": _("Time to acknowledge, 90th percentile (min)"),
    "resolved": _("Resolved"),
    "resolve_p50_minutes": _("Time to resolve, median (min)"),
    "resolve_p90_minutes": _("Time to resolve, 90th percentile (min)"),
    "mentors": _("Active mentors"),
    "chats_per_mentor_mean": _("Chats per mentor, mean"),
    "chats_per_mentor_p50": _("Chats per mentor, median"),
    "chats_per_mentor_p90": _("Chats per mentor, 90th percentile"),
    "study": _("Study"),
    "arm": _("Arm"),
    "allocated": _("Allocated"),
    "received": _("Received the intervention"),
    "withdrew": _("Withdrew"),
    "analysed": _("Analysed"),
    "not_analysed": _("Not analysed"),
    "reference_arm": _("Reference arm"),
    "n_arm": _("People in the arm"),
    "n_reference": _("People in the reference arm"),
    "estimate": _("Adjusted difference"),
    "se": _("Standard error"),
    "p": _("p-value"),
    "baseline_slope": _("Baseline slope"),
    "element": _("Checklist element"),
    "checklist_version": _("Checklist version"),
    "chats_rated": _("Chats rated"),
    "applied": _("Chats where it applied"),
    "done": _("Chats where it was done"),
    "done_share": _("Share done"),
    "reviewed": _("Chats also reviewed"),
    "kappa": _("Agreement (Cohen's kappa)"),
    "sessions": _("Supervision sessions"),
    "mentors_supervised": _("Mentors supervised"),
    "supervision_hours": _("Supervision hours"),
    "debriefs_opened": _("Debriefs opened"),
    "debriefs_on_time": _("Debriefs on time"),
    "on_time_share": _("Share on time"),
    "mentors_active": _("Active mentors"),
    "hours_online": _("Hours online"),
    "hours_supervision": _("Hours of supervision"),
    "hours_training": _("Hours of training"),
    "currency": _("Currency"),
    "cost": _("Cost"),
    "cost_per_chat": _("Cost per chat"),
    "cost_per_participant": _("Cost per participant"),
    "cohort_size": _("Mentors in the cohort"),
    "active": _("Active in the month"),
    "retained_share": _("Share retained"),
    "checkins": _("Check-ins"),
    "suggest_conversation": _("Suggested a conversation"),
    "suggest_share": _("Share suggesting a conversation"),
}
TITLES = {
    "survey_change": _("Change between waves"),
    "score_distribution": _("Score distributions"),
    "survey_groups": _("Completion and change by group"),
    "attrition": _("Attrition and weighted sensitivity analysis"),
    "proportions": _("What people did (shares answering yes)"),
    "survey_reach": _("Who takes part in the surveys"),
    "reach_weekly": _("Weekly reach"),
    "waits_weekly": _("Weekly waits and first replies"),
    "chats_monthly": _("Chats per month"),
    "topics_monthly": _("People by room topic and month"),
    "return_rate": _("Return rate"),
    "escalations": _("Escalations"),
    "mentor_caseload": _("Mentor caseload"),
    "study_flow": _("Randomised studies: participant flow (CONSORT)"),
    "study_effects": _("Randomised studies: effect estimates (intention to treat)"),
    "programme_fidelity": _("Programme fidelity"),
    "programme_supervision": _("Supervision and debriefs"),
    "programme_cost": _("Programme cost"),
    "mentor_retention": _("Mentor retention"),
    "mentor_checkins": _("Mentor wellbeing check-ins"),
}


def _dim(name: str, description: str, type_: str = "string") -> Column:
    return Column(name, DIMENSION, type_, description, label=LABELS[name])


def _count(name: str, description: str, cost: float = 0.0) -> Column:
    return Column(name, COUNT, "integer", description, unit="people", cost=cost, label=LABELS[name])


def _measure(name: str, description: str, unit: str, *depends_on: str) -> Column:
    return Column(
        name, MEASURE, "number", description, unit=unit, depends_on=depends_on, label=LABELS[name]
    )


def _note(name: str, description: str) -> Column:
    return Column(name, NOTE, "string", description, label=LABELS[name])


def _ratio(name: str, description: str, numerator: str, denominator: str, per: float) -> Column:
    unit = "per 100" if per == 100 else "share (0-1)"
    return Column(
        name,
        RATIO,
        "number",
        description,
        unit=unit,
        ratio=(numerator, denominator),
        multiplier=per,
        label=LABELS[name],
    )


_INSTRUMENT = _dim("instrument", "Instrument id (see the instruments list in the release).")
_VERSION = _dim("version", "Instrument version the responses answered.", "integer")
_SUBSCALE = _dim("subscale", "Subscale id within the instrument.")
_COMPARISON = _dim(
    "comparison",
    "pre_post: before a chat vs after the same chat (the person's first chat with both, the "
    "after answer given after the before answer); pre_followup: the person's first 'before' "
    "answer vs their first follow-up answer given after it. A response counts when every "
    "subscale of its instrument is scored, so the subscales of one instrument share one set "
    "of people. Linked devices (self-generated code) count as one person.",
)

SURVEY_CHANGE = TableSpec(
    "survey_change",
    "Change in each subscale, one row per instrument, subscale and comparison. The unit of "
    "analysis is the participant. Change is later minus baseline.",
    (
        _INSTRUMENT,
        _VERSION,
        _SUBSCALE,
        _COMPARISON,
        _dim("higher_is_better", "true when a higher score is the better outcome.", "boolean"),
        _dim("items", "Number of items in the subscale.", "integer"),
        _count("n_baseline", "Participants with a score at baseline (pre).", MARGIN),
        _count("n_later", "Participants with a score at the later wave.", MARGIN),
        _count("n_paired", "Participants with a score at both waves.", ANCHOR),
        _count("n_baseline_only", "Participants scored at baseline but not at the later wave."),
        _count("n_later_only", "Participants scored at the later wave but not at baseline."),
        _measure(
            "mean_baseline", "Mean baseline score, all baseline respondents.", "score", "n_baseline"
        ),
        _measure("sd_baseline", "SD (n-1) of baseline scores.", "score", "n_baseline"),
        _measure("mean_later", "Mean later score, all later respondents.", "score", "n_later"),
        _measure("sd_later", "SD (n-1) of later scores.", "score", "n_later"),
        _measure("mean_change", "Mean paired change (later minus baseline).", "score", "n_paired"),
        _measure("sd_change", "SD (n-1) of paired changes.", "score", "n_paired"),
        _measure(
            "ci_low",
            "Lower bound of the 95% CI of the mean change (Student t).",
            "score",
            "n_paired",
        ),
        _measure(
            "ci_high",
            "Upper bound of the 95% CI of the mean change (Student t).",
            "score",
            "n_paired",
        ),
        _measure("t", "Paired t statistic (scipy.stats.ttest_rel).", "", "n_paired"),
        _measure(
            "p_t",
            "Two-sided p-value of the paired t-test. Every p-value in the report is at least "
            "1e-300: 1e-300 means p < 1e-300 (too small for floating point), never 0.",
            "p",
            "n_paired",
        ),
        _measure(
            "p_t_holm",
            "p_t adjusted with Holm's method across all subscales of this comparison.",
            "p",
            "n_paired",
        ),
        _measure(
            "wilcoxon_w",
            "Wilcoxon signed-rank statistic (scipy.stats.wilcoxon; zero changes dropped).",
            "",
            "n_paired",
        ),
        _measure(
            "p_wilcoxon", "Two-sided p-value of the Wilcoxon signed-rank test.", "p", "n_paired"
        ),
        _measure(
            "p_wilcoxon_holm",
            "p_wilcoxon adjusted with Holm's method across all subscales of this comparison.",
            "p",
            "n_paired",
        ),
        _measure("d_z", "Cohen's d_z: mean change / SD of change.", "SD units", "n_paired"),
        _measure(
            "d_z_ci_low",
            "Lower bound of the 95% CI of d_z (noncentral t; Algina & Keselman 2003).",
            "SD units",
            "n_paired",
        ),
        _measure("d_z_ci_high", "Upper bound of the 95% CI of d_z.", "SD units", "n_paired"),
        _measure(
            "g_z",
            "Hedges' g_z: d_z times the exact small-sample correction J(n-1).",
            "SD units",
            "n_paired",
        ),
        _measure(
            "g_z_ci_low",
            "Lower bound of the 95% CI of g_z (the d_z bounds times J).",
            "SD units",
            "n_paired",
        ),
        _measure("g_z_ci_high", "Upper bound of the 95% CI of g_z.", "SD units", "n_paired"),
        _measure(
            "alpha_baseline", "Cronbach's alpha at baseline (complete cases).", "", "n_baseline"
        ),
        _measure(
            "alpha_later", "Cronbach's alpha at the later wave (complete cases).", "", "n_later"
        ),
        _measure(
            "reliability_used",
            "Reliability used for reliable change: the instrument's published value, else "
            "alpha at baseline; only values of at least 0.6 are used.",
            "",
            "n_paired",
        ),
        _measure(
            "sd_rci",
            "SD of the baseline scores of the paired participants, used in the RCI's "
            "standard error of the difference.",
            "score",
            "n_paired",
        ),
        _note(
            "reliable_change_note",
            "Why reliable change is not computed, when it is not (e.g. 'single item without a "
            "published reliability', 'reliability below 0.6'); empty when it is.",
        ),
        _count(
            "n_reliably_improved", "Paired participants with reliable improvement (|RCI| > 1.96)."
        ),
        _count(
            "n_reliably_worse", "Paired participants with reliable deterioration (|RCI| > 1.96)."
        ),
        _count(
            "n_no_reliable_change", "Paired participants whose change is within measurement error."
        ),
        _ratio(
            "share_reliably_improved",
            "Jacobson-Truax: share of paired participants reliably improved.",
            "n_reliably_improved",
            "n_paired",
            1,
        ),
        _ratio(
            "share_reliably_worse",
            "Jacobson-Truax: share of paired participants reliably worse.",
            "n_reliably_worse",
            "n_paired",
            1,
        ),
    ),
)

SCORE_DISTRIBUTION = TableSpec(
    "score_distribution",
    "How many participants scored in each band, per subscale and wave. The 'all' row is the "
    "total of its bands.",
    (
        _INSTRUMENT,
        _VERSION,
        _SUBSCALE,
        _dim("wave", "pre, post or followup."),
        _dim(
            "band",
            "Score band 'low-high' (low included, high excluded; the last band includes its "
            "top), or 'all'.",
        ),
        _count("n", "Participants with a score in this band."),
    ),
)

SURVEY_GROUPS = TableSpec(
    "survey_groups",
    "Completion and change by pre-defined group, per comparison: survey language, month of "
    "the baseline response and each demographic item. Every group the definitions allow has "
    "a row, empty ones included; 'all' is the total of the groups; 'not_answered' holds "
    "people who skipped the item.",
    (
        _dim("breakdown", "language, month, or a demographic item id."),
        _dim("group", "The group's value (e.g. 'es', '2025-03', '18_24')."),
        _INSTRUMENT,
        _VERSION,
        _SUBSCALE,
        _COMPARISON,
        _count("n_baseline", "People in the group with a baseline score.", MARGIN),
        _count("n_paired", "Of those, people with a paired later score.", MARGIN),
        _count("n_baseline_only", "Of those, people without a paired later score."),
        _ratio("share_paired", "n_paired / n_baseline.", "n_paired", "n_baseline", 1),
        _measure("mean_change", "Mean change in the group.", "score", "n_paired"),
        _measure("ci_low", "Lower bound of the 95% CI.", "score", "n_paired"),
        _measure("ci_high", "Upper bound of the 95% CI.", "score", "n_paired"),
    ),
)

ATTRITION = TableSpec(
    "attrition",
    "Attrition: people with a baseline who completed the later wave (completers) against "
    "those who did not, and the change re-estimated with inverse probability weighting "
    "(IPW) beside the complete-case estimate. Completion is modelled by logistic regression "
    "on the baseline scores of the instrument's subscales, survey language and the "
    "demographic items; completers are weighted by 1 / P(completion), stabilised. IPW "
    "assumes completion depends only on those; it is a sensitivity analysis.",
    (
        _INSTRUMENT,
        _VERSION,
        _SUBSCALE,
        _COMPARISON,
        _count("n_completers", "People with a baseline and a paired later score.", ANCHOR),
        _count("n_non_completers", "People with a baseline but no paired later score."),
        _measure(
            "mean_baseline_completers",
            "Mean baseline score of completers.",
            "score",
            "n_completers",
        ),
        _measure(
            "mean_baseline_non_completers",
            "Mean baseline score of non-completers.",
            "score",
            "n_non_completers",
        ),
        _measure(
            "smd_baseline",
            "Standardised difference of the baseline means (non-completers minus completers, "
            "pooled SD).",
            "SD units",
            "n_completers",
            "n_non_completers",
        ),
        _measure(
            "attrition_p",
            "Welch t-test p-value comparing the two baseline means.",
            "p",
            "n_completers",
            "n_non_completers",
        ),
        _measure(
            "mean_change",
            "Complete-case mean change (as in survey_change).",
            "score",
            "n_completers",
        ),
        _measure(
            "mean_change_ipw",
            "IPW mean change of the completers.",
            "score",
            "n_completers",
            "n_non_completers",
        ),
        _measure(
            "ci_low_ipw",
            "Lower bound of the 95% CI of the IPW mean change (HC1 sandwich SE, weights "
            "treated as known, normal quantile).",
            "score",
            "n_completers",
            "n_non_completers",
        ),
        _measure(
            "ci_high_ipw",
            "Upper bound of the 95% CI of the IPW mean change.",
            "score",
            "n_completers",
            "n_non_completers",
        ),
        _measure(
            "effective_n_ipw",
            "Kish's effective sample size of the weights (what the weighting costs in precision).",
            "people",
            "n_completers",
            "n_non_completers",
        ),
    ),
)

PROPORTIONS = TableSpec(
    "proportions",
    "Yes/no items reported as shares (instruments with analysis: proportions, such as "
    "help_actions: what people did since their first chat, and whether they followed a "
    "referral a mentor recorded). One row per item and group, from each person's first "
    "answer at the wave; 'don't know' and skipped answers are not counted.",
    (
        _dim("breakdown", "language or a demographic item id."),
        _dim("group", "The group's value, 'not_answered' or 'all'."),
        _INSTRUMENT,
        _VERSION,
        _dim("wave", "pre, post or followup."),
        _dim("item", "Item id within the instrument."),
        _count("n_answered", "People who answered yes or no.", MARGIN),
        _count("n_yes", "People who answered yes."),
        _count("n_no", "People who answered no."),
        _ratio("share_yes", "n_yes / n_answered.", "n_yes", "n_answered", 1),
        _measure(
            "ci_low",
            "Lower bound of the 95% Wilson score interval of the share.",
            "share (0-1)",
            "n_yes",
            "n_no",
        ),
        _measure(
            "ci_high",
            "Upper bound of the 95% Wilson score interval of the share.",
            "share (0-1)",
            "n_yes",
            "n_no",
        ),
    ),
)

SURVEY_REACH = TableSpec(
    "survey_reach",
    "Consenting participants by pre-defined group (equity of reach). 'all' is the total.",
    (
        _dim("breakdown", "language or a demographic item id."),
        _dim("group", "The group's value, 'not_answered' or 'all'."),
        _count("participants", "Consenting participants in the group.", MARGIN),
    ),
)

REACH_WEEKLY = TableSpec(
    "reach_weekly",
    "Reach: unique participants who used the service in each ISO week.",
    (
        _dim("week", "ISO week, e.g. 2025-W07."),
        _count("participants", "Unique participants seen on at least one day of the week."),
        _count("new_participants", "Participants whose first day falls in the week."),
    ),
)

WAITS_WEEKLY = TableSpec(
    "waits_weekly",
    "Queue waits and time to the first mentor reply for 1:1 chats that started in the week.",
    (
        _dim("week", "ISO week of the chat request."),
        _count("chats", "Queue requests matched with a mentor."),
        _measure("wait_p50_seconds", "Median wait from request to match.", "seconds", "chats"),
        _measure(
            "wait_p90_seconds", "90th percentile wait from request to match.", "seconds", "chats"
        ),
        _count("chats_replied", "Matched chats in which a mentor sent a chat message."),
        _measure(
            "first_reply_p50_seconds",
            "Median time from chat start to the first mentor chat message.",
            "seconds",
            "chats_replied",
        ),
        _measure(
            "first_reply_p90_seconds",
            "90th percentile time from chat start to the first mentor chat message.",
            "seconds",
            "chats_replied",
        ),
    ),
    privacy_unit="chat",
)

CHATS_MONTHLY = TableSpec(
    "chats_monthly",
    "1:1 chats by the month they started: how long they lasted and how many messages.",
    (
        _dim("month", "Month, e.g. 2025-03."),
        _count("chats", "1:1 chats started in the month."),
        _count("chats_ended", "Of those, chats that have ended."),
        _measure(
            "duration_p50_minutes", "Median chat length (ended chats).", "minutes", "chats_ended"
        ),
        _measure("duration_p90_minutes", "90th percentile chat length.", "minutes", "chats_ended"),
        _measure(
            "messages_mean",
            "Mean chat messages per chat (delivered, people only).",
            "messages",
            "chats",
        ),
        _measure("messages_p50", "Median chat messages per chat.", "messages", "chats"),
    ),
    privacy_unit="chat",
)

TOPICS_MONTHLY = TableSpec(
    "topics_monthly",
    "Unique participants by room topic and month. Topic is the group room's topic slug or "
    "'one_to_one'. A participant can appear under several topics, so rows do not add up.",
    (
        _dim("topic", "Room topic."),
        _dim("month", "Month."),
        _count("participants", "Unique participants who joined a room of this topic."),
    ),
)

RETURN_RATE = TableSpec(
    "return_rate",
    "Return rate: of participants first seen at least N days before the release date, how "
    "many came back on a later day within N days of their first day.",
    (
        _dim("window_days", "30 or 90.", "integer"),
        _count(
            "cohort", "Participants first seen at least window_days before the release.", MARGIN
        ),
        _count("returned", "Of the cohort, those seen again within the window."),
        _count("not_returned", "Of the cohort, those not seen again within the window."),
        _ratio("rate", "returned / cohort.", "returned", "cohort", 1),
    ),
)

ESCALATIONS = TableSpec(
    "escalations",
    "Escalations in 1:1 chats by level, per 100 1:1 chats in the release period, and how fast "
    "they were acknowledged and resolved. 'all' is the total of the levels.",
    (
        _dim("level", "low, high, imminent or all."),
        _count("chats", "1:1 chats in the period (the denominator).", ANCHOR),
        _count("escalations", "Escalations raised in 1:1 chats.", MARGIN),
        _ratio("per_100_chats", "escalations / chats x 100.", "escalations", "chats", 100),
        _count("acknowledged", "Escalations acknowledged by a supervisor."),
        _measure(
            "acknowledge_p50_minutes",
            "Median time from raised to acknowledged.",
            "minutes",
            "acknowledged",
        ),
        _measure(
            "acknowledge_p90_minutes",
            "90th percentile time to acknowledge.",
            "minutes",
            "acknowledged",
        ),
        _count("resolved", "Escalations resolved."),
        _measure(
            "resolve_p50_minutes", "Median time from raised to resolved.", "minutes", "resolved"
        ),
        _measure("resolve_p90_minutes", "90th percentile time to resolve.", "minutes", "resolved"),
    ),
    privacy_unit="chat or escalation",
)

MENTOR_CASELOAD = TableSpec(
    "mentor_caseload",
    "Mentor caseload: 1:1 chats taken per active mentor in each month.",
    (
        _dim("month", "Month."),
        _count("mentors", "Mentors who took at least one 1:1 chat in the month."),
        _measure("chats_per_mentor_mean", "Mean chats per active mentor.", "chats", "mentors"),
        _measure("chats_per_mentor_p50", "Median chats per active mentor.", "chats", "mentors"),
        _measure(
            "chats_per_mentor_p90", "90th percentile chats per active mentor.", "chats", "mentors"
        ),
    ),
    privacy_unit="mentor",
)

# The mentor programme's implementation tables (built by evaluation.programme).


def _mentors(name: str, description: str) -> Column:
    return Column(name, COUNT, "integer", description, unit="mentors", label=LABELS[name])


def _tally(name: str, description: str, unit: str) -> Column:
    """A count of things (chats, sessions, check-ins), not of people."""
    return Column(name, COUNT, "integer", description, unit=unit, label=LABELS[name])


PROGRAMME_FIDELITY = TableSpec(
    "programme_fidelity",
    "Fidelity to the programme's core elements (implementation). Per element of the fidelity "
    "checklist: 1:1 chats in the release period their mentor rated, in how many the element "
    "applied and was done, and for the chats drawn at random for a supervisor's review, "
    "agreement between the mentor and the supervisor (Cohen's kappa over yes/no/did not apply).",
    (
        _dim("element", "Checklist element id (see the checklist file)."),
        _dim("checklist_version", "Version of the checklist rated.", "integer"),
        _tally("chats_rated", "Chats rated by their mentor.", "chats"),
        _tally("applied", "Chats where the element applied (yes or no).", "chats"),
        _tally("done", "Chats where the mentor ticked it done.", "chats"),
        _ratio(
            "done_share",
            "Share of the chats where it applied in which it was done.",
            "done",
            "applied",
            1,
        ),
        _tally("reviewed", "Chats also rated by a supervisor.", "chats"),
        _measure("kappa", "Cohen's kappa, mentor vs supervisor.", "kappa", "reviewed"),
    ),
    privacy_unit="chat",
)

PROGRAMME_SUPERVISION = TableSpec(
    "programme_supervision",
    "Supervision and debriefs by month (implementation). Debriefs are owed after every chat "
    "with a high or imminent escalation; on time means held before it was due.",
    (
        _dim("month", "Month."),
        _tally("sessions", "Supervision sessions held.", "sessions"),
        _mentors("mentors_supervised", "Mentors in at least one session."),
        _measure("supervision_hours", "Hours of supervision held.", "hours", "sessions"),
        _tally("debriefs_opened", "Debriefs opened.", "debriefs"),
        _tally("debriefs_on_time", "Of those, held on time.", "debriefs"),
        _ratio(
            "on_time_share",
            "Share of debriefs held on time.",
            "debriefs_on_time",
            "debriefs_opened",
            1,
        ),
    ),
    privacy_unit="mentor",
)

PROGRAMME_COST = TableSpec(
    "programme_cost",
    "Programme cost inputs by month: mentor hours by activity, and, when the organisation "
    "entered hourly costs (Django admin, 'Cost rates'), the cost, cost per 1:1 chat and cost "
    "per participant. Hours and costs are blanked with the count of active mentors.",
    (
        _dim("month", "Month."),
        _mentors("mentors_active", "Mentors online or in a 1:1 chat in the month."),
        _measure("hours_online", "Mentor hours online.", "hours", "mentors_active"),
        _measure("hours_supervision", "Supervision hours.", "hours", "mentors_active"),
        _measure(
            "hours_training", "Training hours (modules completed).", "hours", "mentors_active"
        ),
        _tally("chats", "1:1 chats started.", "chats"),
        _count("participants", "Participants in a 1:1 chat that started in the month."),
        _dim("currency", "Currency of the costs."),
        _measure("cost", "Hours times the hourly costs entered.", "currency", "mentors_active"),
        _measure(
            "cost_per_chat", "Cost divided by 1:1 chats.", "currency", "mentors_active", "chats"
        ),
        _measure(
            "cost_per_participant",
            "Cost divided by participants.",
            "currency",
            "mentors_active",
            "participants",
        ),
    ),
    privacy_unit="mentor",
)

MENTOR_RETENTION = TableSpec(
    "mentor_retention",
    "Mentor retention (RE-AIM maintenance): mentors active in each month (online or in a 1:1 "
    "chat), by the month they started in the programme (cohort). 'all' is every cohort.",
    (
        _dim("cohort", "Month the mentors started, or 'all'."),
        _dim("month", "Month."),
        _mentors("cohort_size", "Mentors in the cohort who had started by the month."),
        _mentors("active", "Of those, active in the month."),
        _ratio(
            "retained_share", "Share of the cohort active in the month.", "active", "cohort_size", 1
        ),
    ),
    privacy_unit="mentor",
)

MENTOR_CHECKINS = TableSpec(
    "mentor_checkins",
    "Mentor wellbeing check-ins by month (written for the service, not validated): how many "
    "were answered and how many suggested a conversation with a supervisor.",
    (
        _dim("month", "Month."),
        _tally("checkins", "Check-ins answered.", unit="check-ins"),
        _tally(
            "suggest_conversation",
            "Of those, check-ins that suggested a conversation.",
            "check-ins",
        ),
        _ratio(
            "suggest_share",
            "Share suggesting a conversation.",
            "suggest_conversation",
            "checkins",
            1,
        ),
    ),
    privacy_unit="mentor",
)

STUDY_FLOW = TableSpec(
    "study_flow",
    "Randomised studies, CONSORT flow per arm: everyone allocated (at consent), who was shown "
    "their arm's intervention, who withdrew, and who is in the intention-to-treat analysis "
    "(a baseline and a later score for the primary outcome). 'all' is the total of the arms.",
    (
        _dim("study", "The study's slug (its pre-registration is on the studies page)."),
        _dim("arm", "The arm's id, or 'all'."),
        _count("allocated", "People allocated to the arm.", MARGIN),
        _count("received", "Of those, people shown the arm's intervention."),
        _count("withdrew", "Of those, people who withdrew from the research afterwards."),
        _count("analysed", "People with a baseline and a later primary-outcome score.", ANCHOR),
        _count("not_analysed", "People allocated, not withdrawn, but without both scores."),
    ),
)

STUDY_EFFECTS = TableSpec(
    "study_effects",
    "Randomised studies, intention-to-treat estimate of the primary outcome per arm against "
    "the reference arm: ANCOVA (OLS) of the later score on arm, adjusting for the baseline "
    "score; Student t 95% CI on the residual degrees of freedom.",
    (
        _dim("study", "The study's slug."),
        _dim("arm", "The arm compared with the reference arm."),
        _dim("reference_arm", "The reference arm (as pre-registered)."),
        _dim("instrument", "Primary outcome: instrument id."),
        _dim("subscale", "Primary outcome: subscale id."),
        _dim("comparison", "Primary outcome: pre_post or pre_followup."),
        _count("n_arm", "People analysed in the arm.", ANCHOR),
        _count("n_reference", "People analysed in the reference arm.", ANCHOR),
        _measure(
            "estimate",
            "Adjusted difference in the later score, arm minus reference.",
            "score",
            "n_arm",
            "n_reference",
        ),
        _measure("se", "Its standard error.", "score", "n_arm", "n_reference"),
        _measure("ci_low", "Lower bound of the 95% CI.", "score", "n_arm", "n_reference"),
        _measure("ci_high", "Upper bound of the 95% CI.", "score", "n_arm", "n_reference"),
        _measure("p", "Two-sided p-value of the arm's coefficient.", "p", "n_arm", "n_reference"),
        _measure(
            "baseline_slope",
            "Coefficient of the baseline score in the model.",
            "",
            "n_arm",
            "n_reference",
        ),
    ),
)

TABLES: tuple[TableSpec, ...] = (
    SURVEY_CHANGE,
    SCORE_DISTRIBUTION,
    SURVEY_GROUPS,
    ATTRITION,
    PROPORTIONS,
    SURVEY_REACH,
    REACH_WEEKLY,
    WAITS_WEEKLY,
    CHATS_MONTHLY,
    TOPICS_MONTHLY,
    RETURN_RATE,
    ESCALATIONS,
    MENTOR_CASELOAD,
    PROGRAMME_FIDELITY,
    PROGRAMME_SUPERVISION,
    PROGRAMME_COST,
    MENTOR_RETENTION,
    MENTOR_CHECKINS,
    STUDY_FLOW,
    STUDY_EFFECTS,
)

CSV_DESCRIPTION = {
    "table": "Name of the table (see tables).",
    "row": "Row number within the table, from 1. Pivot on (table, row) to get wide rows.",
    "column": "Column name within the table (see tables).",
    "value": "The value; empty when suppressed or not available.",
    "status": "dimension (a grouping value), shown, suppressed (count below k, a "
    "complementary cell, or a statistic depending on one) or not_available (not computable).",
}

RELEASE_FIELDS = {
    "generated_on": "Day the release was made (no finer time is ever published).",
    "period_start": "First day of the process metrics' period (the last twelve months).",
    "codebook_version": "Version of this codebook the release follows.",
    "methods": "The methods note: design, regression to the mean, instruments not validated, "
    "timing of waves, missing data, disclosure control.",
    "demo_data": "true when the database holds a synthetic demo cohort: not real people.",
    "k": "Minimum published count; smaller counts and their complements are suppressed.",
    "dp_epsilon": "Epsilon budget of the release when differential privacy is on, else null.",
    "dp_epsilon_spent": "Epsilon the release actually spent (at most dp_epsilon).",
    "instruments": "Instrument versions in the release, with whether each is clinically validated.",
    "studies": "Slugs of the registered randomised studies in the release.",
}


def title_of(spec: TableSpec) -> Any:
    """The table's title for readers: its own, else the built-in one, else its name."""
    return spec.title or TITLES.get(spec.name, spec.name)


def codebook(specs: Sequence[TableSpec] = TABLES) -> dict[str, Any]:
    """The data dictionary, as JSON-ready data (``specs``: the release's tables)."""
    return {
        "version": CODEBOOK_VERSION,
        "release": RELEASE_FIELDS,
        "csv": dict(zip(CSV_COLUMNS, (CSV_DESCRIPTION[c] for c in CSV_COLUMNS), strict=True)),
        "tables": {
            spec.name: {
                "title": str(title_of(spec)),
                "description": spec.description,
                "privacy_unit": spec.privacy_unit,
                "columns": [
                    {
                        "name": c.name,
                        "label": str(c.label or c.name),
                        "role": c.role,
                        "type": c.type,
                        "unit": c.unit,
                        "description": c.description,
                    }
                    for c in spec.columns
                ],
            }
            for spec in specs
        },
    }


def codebook_rows(
    specs: Sequence[TableSpec] = TABLES,
) -> list[tuple[str, str, str, str, str, str]]:
    """The codebook flattened for CSV: (table, column, role, type, unit, description)."""
    rows = [("csv", name, "", "", "", text) for name, text in codebook(specs)["csv"].items()]
    for spec in specs:
        rows.append((spec.name, "", "table", "", "", spec.description))
        rows.extend(
            (spec.name, c.name, c.role, c.type, c.unit, c.description) for c in spec.columns
        )
    return rows
