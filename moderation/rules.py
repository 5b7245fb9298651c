"""Matching automatic moderation rules against a message body. No Django here.

A ``RuleSet`` is compiled once from ``RuleSpec`` values (kept as data in the
database or a YAML file) and then evaluates each new message: which rules
matched, where, and the strongest action among them. Masked spans are replaced
by ``[removed]``. Nothing here logs or keeps the text it is given.

Speed matters: every message passes through here before it is stored (see
benchmarks/moderation_rules.py). The expensive step, phone-number validation
with ``phonenumbers``, only runs on digit runs that could be a phone number;
dates, times, prices and short numbers are ruled out by cheap patterns first.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import phonenumbers

MASK_TEXT = "[removed]"

BLOCK = "block"
HOLD = "hold"
MASK = "mask"
FLAG = "flag"
ACTIONS = (BLOCK, HOLD, MASK, FLAG)
_STRENGTH = {FLAG: 0, MASK: 1, HOLD: 2, BLOCK: 3}

TERMS = "terms"
REGEX = "regex"
LINKS = "links"
CONTACT = "contact"
MATCHES = (TERMS, REGEX, LINKS, CONTACT)

PHONE = "phone"
EMAIL = "email"
HANDLE = "handle"
CONTACT_KINDS = (PHONE, EMAIL, HANDLE)

Span = tuple[int, int]
Finder = Callable[[str], list[Span]]


class RuleError(ValueError):
    """A rule that cannot be compiled. The message names the rule."""


@dataclass(frozen=True)
class RuleSpec:
    """One rule as data. ``patterns`` means: terms or phrases for ``terms``, regular
    expressions for ``regex``, domains for ``links`` (none: every link), contact kinds
    for ``contact`` (none: all of phone, email and handle). ``allow`` lists matches
    that are exempt (a term, a domain, an address or a number)."""

    name: str
    match: str
    action: str
    patterns: tuple[str, ...] = ()
    allow: tuple[str, ...] = ()
    room_id: int | None = None
    exempt_staff: bool = True
    notice: str = ""
    id: int | None = None


@dataclass(frozen=True)
class Hit:
    rule: RuleSpec
    spans: tuple[Span, ...]


@dataclass(frozen=True)
class Evaluation:
    """What the rules made of a body. ``action`` is None when no rule matched."""

    action: str | None
    body: str
    hits: tuple[Hit, ...]

    @property
    def masked(self) -> bool:
        return any(hit.rule.action == MASK for hit in self.hits)

    @property
    def deciding_rule(self) -> RuleSpec | None:
        """The first rule with the strongest action: its notice is what the sender is told."""
        return next((hit.rule for hit in self.hits if hit.rule.action == self.action), None)

    def __repr__(self) -> str:
        return f"Evaluation(action={self.action!r}, rules={[h.rule.name for h in self.hits]})"


# --- terms and regular expressions ------------------------------------------------------


def _term_pattern(term: str) -> str:
    """A term matches whole words, in any case, with any run of spaces between words.
    A trailing ``*`` also matches longer words that start with the term."""
    term = term.strip().lower()
    prefix = term.endswith("*")
    words = term.rstrip("*").split()
    body = r"\s+".join(re.escape(word) for word in words)
    return body + (r"\w*" if prefix else "")


def _regex_finder(pattern: re.Pattern[str]) -> Finder:
    def find(text: str) -> list[Span]:
        return [m.span() for m in pattern.finditer(text) if m.end() > m.start()]

    return find


def _terms_finder(rule: RuleSpec) -> Finder:
    terms = [t for t in rule.patterns if t.strip()]
    if not terms:
        raise RuleError(f"rule {rule.name!r}: a terms rule needs at least one term")
    alternation = "|".join(_term_pattern(t) for t in sorted(terms, key=len, reverse=True))
    return _regex_finder(re.compile(rf"(?<!\w)(?:{alternation})(?!\w)", re.IGNORECASE))


def _regex_rule_finder(rule: RuleSpec) -> Finder:
    expressions = [p for p in rule.patterns if p.strip()]
    if not expressions:
        raise RuleError(f"rule {rule.name!r}: a regex rule needs at least one expression")
    try:
        compiled = re.compile("|".join(f"(?:{p})" for p in expressions), re.IGNORECASE)
    except re.error as error:
        raise RuleError(f"rule {rule.name!r}: invalid regular expression ({error})") from None
    return _regex_finder(compiled)


# --- links ------------------------------------------------------------------------------

_TLDS = (
    "com|net|org|edu|gov|io|me|gg|ly|co|app|info|biz|xyz|link|tv|us|uk|ca|au|nz|ie|de|es|fr|"
    "it|nl|to|cc|ai|dev|page|site|online|club|live|chat|social|fm|be|ch|at|in|mx|ar|br|cl"
)
_LINK = re.compile(
    r"(?<![\w@.])(?:"
    r"(?:https?://|www\.)[^\s<>\"']+"
    rf"|(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:{_TLDS})\b(?:/[^\s<>\"']*)?"
    r")",
    re.IGNORECASE,
)


def _host(link: str) -> str:
    host = re.sub(r"^(?:https?://)?(?:www\.)?", "", link.lower())
    return re.split(r"[/?#:]", host, maxsplit=1)[0].rstrip(".,;!)")


def _domain_in(host: str, domains: Iterable[str]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def _links_finder(rule: RuleSpec) -> Finder:
    domains = tuple(d.strip().lower() for d in rule.patterns if d.strip())
    allowed = tuple(d.strip().lower() for d in rule.allow if d.strip())

    def find(text: str) -> list[Span]:
        spans = []
        for match in _LINK.finditer(text):
            host = _host(match.group())
            if domains and not _domain_in(host, domains):
                continue
            if _domain_in(host, allowed):
                continue
            end = match.end()
            # Sentence punctuation after a link is not part of it.
            while end > match.start() and text[end - 1] in ".,;:!?)":
                end -= 1
            spans.append((match.start(), end))
        return spans

    return find


# --- contact details --------------------------------------------------------------------

_EMAIL = re.compile(
    r"(?<![\w.+-])[\w.+-]+"
    r"(?:\s*@\s*|\s*[(\[{]\s*at\s*[)\]}]\s*|\s+at\s+(?=[\w-]+\s*(?:\.|dot|[(\[{]dot[)\]}])))"
    r"[\w-]+(?:\s*(?:\.|\s+dot\s+|\s*[(\[{]\s*dot\s*[)\]}]\s*)\s*[\w-]+)*"
    r"\s*(?:\.|\s+dot\s+|\s*[(\[{]\s*dot\s*[)\]}]\s*)\s*"
    r"(?:com|net|org|edu|gov|io|me|co|uk|ca|au|nz|ie|de|es|fr|it|nl|info|mail)\b",
    re.IGNORECASE,
)
_AT_HANDLE = re.compile(r"(?<![\w@.])@([A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?)")
# Participants address each other by generated handles like "@Quiet Heron 17": not contact details.
_PLATFORM_HANDLE_AFTER_AT = re.compile(r"[A-Z][a-z]+ [A-Z][a-z]+ \d{1,4}\b")
_PLATFORM_CUE = re.compile(
    r"\b(?:insta(?:gram)?|ig|snap(?:chat)?|tik\s?tok|twitter|discord|telegram|kik|"
    r"facebook|fb|whats\s?app|signal|threads|reddit|twitch|steam|xbox|psn)\b"
    r"(?P<sep>\s*(?:[:=@-]|\bis\b|\bname\b|\bhandle\b|\bid\b|\buser(?:name)?\b)(?:\s*[:=@-])?)+\s*"
    r"@?(?P<handle>[A-Za-z0-9_.#]{3,32})",
    re.IGNORECASE,
)
_HANDLE_LIKE = re.compile(r"[\d_.#]")
# Digit runs that could be phone numbers: 7 or more digits joined by spaces, dashes, dots or
# brackets. Commas, slashes and colons never join, so prices, dates and times stay out.
_PHONE_CANDIDATE = re.compile(r"(?<![\w+])(?:\+|\(\+?)?\d(?:[ .()-]{0,3}\d){6,16}(?![\w])")
_DATE_LIKE = re.compile(r"\d{4}[-. ]\d{1,2}[-. ]\d{1,2}|\d{1,2}[-. ]\d{1,2}[-. ]\d{2,4}")
_NON_DIGIT = re.compile(r"\D")


def _digits(value: str) -> str:
    return _NON_DIGIT.sub("", value)


class _PhoneFinder:
    def __init__(self, regions: Sequence[str], allow: Iterable[str]) -> None:
        self.regions = tuple(regions)
        self.allowed = frozenset(d.lstrip("0") for d in (_digits(a) for a in allow) if d)

    def _valid(self, candidate: str) -> phonenumbers.PhoneNumber | None:
        international = candidate.lstrip("(").startswith("+")
        for region in (None,) if international else self.regions:
            try:
                number = phonenumbers.parse(candidate, region)
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_valid_number(number):
                return number
        return None

    def __call__(self, text: str) -> list[Span]:
        spans = []
        for match in _PHONE_CANDIDATE.finditer(text):
            candidate = match.group()
            if _DATE_LIKE.fullmatch(candidate):
                continue
            number = self._valid(candidate)
            if number is None:
                continue
            if self.allowed and (
                str(number.national_number) in self.allowed
                or _digits(candidate).lstrip("0") in self.allowed
            ):
                continue
            spans.append(match.span())
        return spans


def _contact_finder(rule: RuleSpec, phone_regions: Sequence[str]) -> Finder:
    kinds = tuple(k.strip().lower() for k in rule.patterns if k.strip()) or CONTACT_KINDS
    unknown = set(kinds) - set(CONTACT_KINDS)
    if unknown:
        raise RuleError(
            f"rule {rule.name!r}: unknown contact kinds {sorted(unknown)}; "
            f"choose from {', '.join(CONTACT_KINDS)}"
        )
    allowed = frozenset(a.strip().lower() for a in rule.allow if a.strip())
    finders: list[Finder] = []
    if PHONE in kinds:
        finders.append(_PhoneFinder(phone_regions, rule.allow))
    if EMAIL in kinds:

        def find_emails(text: str) -> list[Span]:
            return [m.span() for m in _EMAIL.finditer(text) if m.group().lower() not in allowed]

        finders.append(find_emails)
    if HANDLE in kinds:

        def find_handles(text: str) -> list[Span]:
            spans = []
            for m in _AT_HANDLE.finditer(text):
                if _PLATFORM_HANDLE_AFTER_AT.match(text, m.start() + 1):
                    continue
                if m.group().lower() not in allowed and m.group(1).lower() not in allowed:
                    spans.append(m.span())
            for m in _PLATFORM_CUE.finditer(text):
                handle = m.group("handle")
                explicit = any(c in m.group("sep") for c in ":=@-")
                if handle.lower() in allowed or not (explicit or _HANDLE_LIKE.search(handle)):
                    continue
                spans.append(m.span("handle"))
            return spans

        finders.append(find_handles)

    def find(text: str) -> list[Span]:
        return [span for finder in finders for span in finder(text)]

    return find


# --- compiling and evaluating -----------------------------------------------------------


def _allowed_terms(rule: RuleSpec, finder: Finder) -> Finder:
    """For terms and regex rules: drop matches whose text is on the rule's allow-list."""
    allowed = frozenset(a.strip().lower() for a in rule.allow if a.strip())
    if not allowed:
        return finder

    def find(text: str) -> list[Span]:
        return [(s, e) for s, e in finder(text) if text[s:e].lower() not in allowed]

    return find


def compile_rule(rule: RuleSpec, phone_regions: Sequence[str] = ("US",)) -> Finder:
    """Check a rule and build its matcher. Raises RuleError naming the rule."""
    if rule.action not in ACTIONS:
        raise RuleError(f"rule {rule.name!r}: action must be one of {', '.join(ACTIONS)}")
    if rule.match == TERMS:
        return _allowed_terms(rule, _terms_finder(rule))
    if rule.match == REGEX:
        return _allowed_terms(rule, _regex_rule_finder(rule))
    if rule.match == LINKS:
        return _links_finder(rule)
    if rule.match == CONTACT:
        return _contact_finder(rule, phone_regions)
    raise RuleError(f"rule {rule.name!r}: match must be one of {', '.join(MATCHES)}")


def merge_spans(spans: Iterable[Span]) -> list[Span]:
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def mask(text: str, spans: Iterable[Span]) -> str:
    pieces = []
    cursor = 0
    for start, end in merge_spans(spans):
        pieces.append(text[cursor:start])
        pieces.append(MASK_TEXT)
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)


class RuleSet:
    """Compiled rules, evaluated in order. Build one per change to the rules, not per message."""

    def __init__(self, rules: Iterable[RuleSpec], phone_regions: Sequence[str] = ("US",)) -> None:
        self.rules = tuple((rule, compile_rule(rule, phone_regions)) for rule in rules)

    def __len__(self) -> int:
        return len(self.rules)

    def evaluate(
        self, body: str, *, room_id: int | None = None, is_staff: bool = False
    ) -> Evaluation:
        hits: list[Hit] = []
        action: str | None = None
        for rule, find in self.rules:
            if rule.room_id is not None and rule.room_id != room_id:
                continue
            if is_staff and rule.exempt_staff:
                continue
            spans = find(body)
            if not spans:
                continue
            hits.append(Hit(rule=rule, spans=tuple(spans)))
            if action is None or _STRENGTH[rule.action] > _STRENGTH[action]:
                action = rule.action
        mask_spans = [span for hit in hits if hit.rule.action == MASK for span in hit.spans]
        return Evaluation(
            action=action,
            body=mask(body, mask_spans) if mask_spans else body,
            hits=tuple(hits),
        )
