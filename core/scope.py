"""Scope arithmetic: which sessions the support contract includes.

A contract says what is included (no charge, no prepaid hours consumed) and what
is billed on top. Rules are tried in order; the first one whose criteria all
match a session decides, a session no rule matches takes the company default.

Conditions refine the outcome of the matching rule:

- grace period (any rule): during the first ``grace_days`` days from the
  customer's contract start the session is included, whatever the outcome;
- repeat (included rules): billable when the same customer had an earlier
  session, on another ticket of the same category, within ``repeat_days`` days;
- monthly allowance (included rules): included up to ``allowance_minutes`` per
  calendar month for the sessions the rule matches, for one customer, taken in
  chronological order; the session crossing the limit is split.

Everything here is plain data: the caller gathers the facts (in batches) and
words the reasons in the user's language.
"""

import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

INCLUDED = "included"
BILLABLE = "billable"
OUTCOMES = (INCLUDED, BILLABLE)

# Reason codes of a decision (the caller words them).
REASON_DEFAULT = "default"  # no rule matches: the company default
REASON_RULE = "rule"  # the rule's outcome, nothing else applies
REASON_GRACE = "grace"  # included: grace period, args: until (last day)
REASON_REPEAT = "repeat"  # billable: args: ticket_id, date (earlier session)
REASON_ALLOWANCE = "allowance"  # included within the allowance, args: used, limit
REASON_ALLOWANCE_SPLIT = "allowance_split"  # crosses it, args: used, limit
REASON_ALLOWANCE_USED = "allowance_used"  # billable, args: used, limit

# Grace periods and repeat windows are counted in days, at most ten years:
# longer is a typo, and the day arithmetic would leave the calendar.
MAX_RULE_DAYS = 3660


def normalize_text(text):
    """Lower case without accents, so that "Formación" finds "formacion"."""
    text = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in text if not unicodedata.combining(c)).casefold()


def parse_keywords(keywords):
    """Comma-separated keywords (the rule's field) as normalized words."""
    return tuple(
        word
        for word in (normalize_text(w).strip() for w in (keywords or "").split(","))
        if word
    )


@dataclass(frozen=True)
class Rule:
    """A scope rule's criteria and conditions. Empty criteria match anything."""

    id: int
    outcome: str = INCLUDED
    category_ids: frozenset = frozenset()
    tag_ids: frozenset = frozenset()
    team_ids: frozenset = frozenset()
    channel_ids: frozenset = frozenset()
    priority: str | None = None
    keywords: tuple = ()  # normalized (see parse_keywords)
    profile_ids: frozenset = frozenset()
    grace_days: int = 0
    allowance_minutes: int = 0
    repeat_days: int = 0

    def problems(self):
        """Why the rule cannot be used, as (code, figure) pairs.

        Codes: ``negative`` (the figure is the attribute name),
        ``too_many_days`` (a day count over MAX_RULE_DAYS),
        ``condition_on_billable`` (an allowance or a repeat window on a billable
        rule), ``unknown_outcome``.
        """
        problems = []
        for figure in ("grace_days", "allowance_minutes", "repeat_days"):
            if getattr(self, figure) < 0:
                problems.append(("negative", figure))
        for figure in ("grace_days", "repeat_days"):
            if getattr(self, figure) > MAX_RULE_DAYS:
                problems.append(("too_many_days", figure))
        if self.outcome == BILLABLE:
            for figure in ("allowance_minutes", "repeat_days"):
                if getattr(self, figure) > 0:
                    problems.append(("condition_on_billable", figure))
        elif self.outcome != INCLUDED:
            problems.append(("unknown_outcome", "outcome"))
        return problems


@dataclass(frozen=True)
class SessionFacts:
    """What a session and its ticket say, as the rules see them."""

    id: int
    start: datetime  # in the company's time zone (naive)
    minutes: int  # the session's total
    partner_id: int  # the commercial partner
    ticket_id: int = 0
    category_id: int | None = None
    tag_ids: frozenset = frozenset()
    team_id: int | None = None
    channel_id: int | None = None
    priority: str | None = None
    text: str = ""  # ticket title, description and session note, normalized
    profile_id: int | None = None  # the profile billing the customer that day
    contract_start: date | None = None


@dataclass(frozen=True)
class PastSession:
    """A session other sessions may repeat (any state)."""

    id: int
    start: datetime
    partner_id: int
    ticket_id: int
    category_id: int | None


@dataclass(frozen=True)
class Decision:
    session_id: int
    scope: str
    rule_id: int | None
    included_minutes: int
    billable_minutes: int
    reason: str
    args: dict = field(default_factory=dict)


def matches(rule, facts):
    """Whether every criterion the rule sets is met by the session."""
    if rule.category_ids and facts.category_id not in rule.category_ids:
        return False
    if rule.tag_ids and not rule.tag_ids & facts.tag_ids:
        return False
    if rule.team_ids and facts.team_id not in rule.team_ids:
        return False
    if rule.channel_ids and facts.channel_id not in rule.channel_ids:
        return False
    if rule.priority and facts.priority != rule.priority:
        return False
    if rule.profile_ids and facts.profile_id not in rule.profile_ids:
        return False
    if rule.keywords and not any(word in facts.text for word in rule.keywords):
        return False
    return True


def first_match(rules, facts):
    """The first rule (in the given order) matching the session, or None."""
    return next((rule for rule in rules if matches(rule, facts)), None)


def month_of(moment):
    return (moment.year, moment.month)


def grace_until(rule, facts):
    """Last day of the grace period covering the session, or None."""
    if not rule.grace_days or not facts.contract_start:
        return None
    day = facts.start.date()
    last = facts.contract_start + timedelta(days=rule.grace_days - 1)
    if facts.contract_start <= day <= last:
        return last
    return None


def find_repeat(rule, facts, past_sessions):
    """The latest earlier session of the same customer, on another ticket of the
    same category, within the rule's repeat window; None when there is none."""
    if not rule.repeat_days or not facts.category_id:
        return None
    window = timedelta(days=rule.repeat_days)
    found = None
    for past in past_sessions:
        if (
            past.id != facts.id
            and past.partner_id == facts.partner_id
            and past.category_id == facts.category_id
            and past.ticket_id != facts.ticket_id
            and (past.start, past.id) < (facts.start, facts.id)
            and facts.start - past.start <= window
            and (found is None or (past.start, past.id) > (found.start, found.id))
        ):
            found = past
    return found


def split_allowance(minutes, used, limit):
    """(included, billable) parts of a session of ``minutes`` when ``used`` of
    the ``limit`` minutes of allowance are already taken."""
    left = max(limit - used, 0)
    included = min(minutes, left)
    return included, minutes - included


def classify(rules, sessions, past_sessions=(), used_minutes=None, default=BILLABLE):
    """Decide the scope of ``sessions`` (SessionFacts); return their Decisions.

    ``rules``: in order, the first match wins. ``past_sessions``: PastSession
    looked up for repeats (the sessions being classified may be among them).
    ``used_minutes``: {(rule id, partner id, (year, month)): minutes} of
    allowance already taken by sessions that are no longer classified (rated);
    the sessions given here then take what is left in chronological order.
    """
    used = defaultdict(int, used_minutes or {})
    by_partner = defaultdict(list)
    for past in past_sessions:
        by_partner[past.partner_id].append(past)
    decisions = {}
    for facts in sorted(sessions, key=lambda s: (s.start, s.id)):
        decisions[facts.id] = _decide(rules, facts, by_partner, used, default)
    return [decisions[facts.id] for facts in sessions]


def _decide(rules, facts, past_by_partner, used, default):
    minutes = facts.minutes

    def decision(scope, rule, reason, included=None, **args):
        if included is None:
            included = minutes if scope == INCLUDED else 0
        return Decision(
            session_id=facts.id,
            scope=scope,
            rule_id=rule.id if rule else None,
            included_minutes=included,
            billable_minutes=minutes - included,
            reason=reason,
            args=args,
        )

    rule = first_match(rules, facts)
    if rule is None:
        return decision(default, None, REASON_DEFAULT)
    until = grace_until(rule, facts)
    if until:
        return decision(INCLUDED, rule, REASON_GRACE, until=until)
    if rule.outcome == BILLABLE:
        return decision(BILLABLE, rule, REASON_RULE)
    repeat = find_repeat(rule, facts, past_by_partner.get(facts.partner_id, ()))
    if repeat:
        return decision(
            BILLABLE,
            rule,
            REASON_REPEAT,
            ticket_id=repeat.ticket_id,
            date=repeat.start.date(),
        )
    if rule.allowance_minutes:
        key = (rule.id, facts.partner_id, month_of(facts.start))
        before = used[key]
        included, billable = split_allowance(minutes, before, rule.allowance_minutes)
        used[key] = before + included
        args = {"used": before, "limit": rule.allowance_minutes}
        if not billable:
            return decision(INCLUDED, rule, REASON_ALLOWANCE, **args)
        if not included:
            return decision(BILLABLE, rule, REASON_ALLOWANCE_USED, included=0, **args)
        # Crossing the limit: both parts are kept; the session is billable
        # (it carries a charge) for its billable part.
        return decision(
            BILLABLE, rule, REASON_ALLOWANCE_SPLIT, included=included, **args
        )
    return decision(INCLUDED, rule, REASON_RULE)
