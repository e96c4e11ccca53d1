"""The “risk + credit” grading rule (风险+信用 分级分类监管), in one place.

No source document gives the weights: Daxing's plan only asks for “风险＋信用” tiered supervision. Every
number below is a row of GradingWeight / GradeMatrixCell — rows without a district are the project's
starting proposal (fixtures/supervision_grading.csv, fixtures/supervision_grade_matrix.csv), and a district
sets its own by adding rows for itself. Nothing here is a constant.

The rule, as of a date D (by default today), for one facility:

Risk points (风险分) — what could go wrong there:
  1. every finding found on or before D that is not verified:     + risk_open_finding[severity]
     … and if its deadline is before D (overdue):                   + risk_overdue_finding
  2. every verified finding found within risk_recent_months of D:   + risk_recent_finding[severity]
     (older verified findings no longer count)
  3. the facility's kind:                                           + risk_kind[kind]   (no row: 0)
  4. children (enrolled, else slots) ≥ risk_large_from (if > 0):    + risk_large
  5. serves meals:                                                  + risk_meals
  6. has a class for infants under 12 months (by class-type ages): + risk_infant_class
  Risk level: ≥ risk_high_from → high; ≥ risk_medium_from → medium; otherwise low.

Credit points (信用分) — the facility's record, from credit_start down (never below 0); records older than
credit_window_months before D do not count:
  1. operating or suspended but not filed:                          − credit_not_filed
  2. every finding overdue on D:                                    − credit_overdue_finding
  3. every answer (rectification submitted) within the window that
     came after the deadline it was due by (rectified late):        − credit_late_rectification
  4. every time a rectification was sent back, within the window:   − credit_reopened
  5. every substantiated complaint received within the window:      − credit_complaint
  6. operating or suspended facilities, each disclosure item
     missing (public phone, fees, filing number):                   − credit_disclosure[item]
  Credit level: ≥ credit_good_from → good; ≥ credit_fair_from → fair; otherwise poor.

Grade: the GradeMatrixCell in force on D for (risk level, credit level) — A, B, C or D.
Suggested inspection interval: interval_months[grade] months after the last inspection that visited the
facility (never inspected: due at once).

Point weights with no row count 0; a missing level threshold, matrix cell or interval stops the grading with
a message naming what to set (GradingRuleMissing) rather than guessing.

Deadlines and lateness (answer_rounds): a finding is answered in rounds — the first from its registration,
then one after each reopening. Each round is due by the deadline that was in force when its answer was due:
the deadline in force when the round began, replaced by a later one only if that was set before the
deadline in force had passed (an extension granted in time). A deadline set after the due date had passed,
or a reopening with a new deadline, never makes an earlier answer on time: the round stays late, and the
deadline history (FindingDeadline) keeps every deadline. “Overdue” (1. and 2. above) means the latest round
is not answered and its due date is before D.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.months import add_months
from facilities.models import ClassUnit, Facility
from supervision.models import (
    Complaint,
    CreditLevel,
    Finding,
    FindingAction,
    FindingDeadline,
    GradeMatrixCell,
    GradingWeight,
    Inspection,
    RiskLevel,
)

Key = GradingWeight.Key
ZERO = Decimal(0)
ACTIVE_STATUSES = (Facility.OperatingStatus.OPERATING, Facility.OperatingStatus.SUSPENDED)


class GradingRuleMissing(LookupError):
    """A threshold, matrix cell or interval the rule needs has no row (for the district or as proposal)."""


# ---------------------------------------------------------------- the rule's numbers


@dataclass(frozen=True)
class RuleSet:
    """The weights and matrix that apply to one district: its own rows over the project's proposal."""

    district_id: int | None
    weights: dict[tuple[str, str], Decimal]
    own: frozenset[tuple[str, str]]  # weights the district set itself
    matrix: dict[tuple[str, str], str]
    own_matrix: bool

    def points(self, key: str, subject: str = "") -> Decimal:
        """A point weight; a factor without a row counts 0."""
        return self.weights.get((key, subject), ZERO)

    def required(self, key: str, subject: str = "") -> Decimal:
        try:
            return self.weights[(key, subject)]
        except KeyError:
            label = GradingWeight.Key(key).label
            shown = f"{label}［{subject}］" if subject else str(label)
            raise GradingRuleMissing(
                _("分级规则缺少参数“%(name)s”，请在本区的“分级评分参数”页面设定。") % {"name": shown}
            ) from None

    def is_own(self, key: str, subject: str = "") -> bool:
        return (key, subject) in self.own

    def grade_for(self, risk: str, credit: str) -> str:
        try:
            return self.matrix[(risk, credit)]
        except KeyError:
            raise GradingRuleMissing(
                _("分级矩阵缺少“%(risk)s × %(credit)s”，请在本区的“分级矩阵”页面设定。")
                % {"risk": RiskLevel(risk).label, "credit": CreditLevel(credit).label}
            ) from None

    @property
    def uses_proposal(self) -> bool:
        """True while any number in use is still the project's starting proposal."""
        return len(self.own) < len(self.weights) or not self.own_matrix


def load_rules(district_id: int | None, on: datetime.date | None = None) -> RuleSet:
    """The weights and matrix cells in force on `on` (today when None): a weight or cell changed from a
    date grades the periods before it with the earlier value. Read afresh on every call (no cache), so a
    change saved on the weights or matrix page is used by the next grading."""
    weights: dict[tuple[str, str], Decimal] = {}
    own: set[tuple[str, str]] = set()
    on = on or timezone.localdate()
    in_force = (Q(effective_from__isnull=True) | Q(effective_from__lte=on)) & (
        Q(effective_to__isnull=True) | Q(effective_to__gte=on)
    )
    rows = GradingWeight.objects.filter(in_force, district__isnull=True)
    if district_id:
        rows = rows | GradingWeight.objects.filter(in_force, district_id=district_id)
    # Proposal rows first, the district's own rows then replace them.
    for row in sorted(rows, key=lambda r: r.district_id is not None):
        weights[(row.key, row.subject)] = row.value
        if row.district_id:
            own.add((row.key, row.subject))
    matrix: dict[tuple[str, str], str] = {}
    cells = GradeMatrixCell.objects.filter(in_force, district__isnull=True)
    if district_id:
        cells = cells | GradeMatrixCell.objects.filter(in_force, district_id=district_id)
    own_matrix = False
    for cell in sorted(cells, key=lambda c: c.district_id is not None):
        matrix[(cell.risk_level, cell.credit_level)] = cell.grade
        own_matrix = own_matrix or cell.district_id is not None
    return RuleSet(district_id, weights, frozenset(own), matrix, own_matrix)


# ---------------------------------------------------------------- the facts about one facility


@dataclass(frozen=True)
class Round:
    """One round of answering a finding: when it began (None: at registration), the date it was due by,
    and when it was answered (None: not yet)."""

    started_on: datetime.date | None
    due: datetime.date
    answered_on: datetime.date | None

    @property
    def late_days(self) -> int:
        if self.answered_on is None or self.answered_on <= self.due:
            return 0
        return (self.answered_on - self.due).days

    def overdue_on(self, day: datetime.date) -> bool:
        return self.answered_on is None and self.due < day


def _due(
    deadlines: list[tuple[datetime.date | None, datetime.date]],
    start: datetime.date | None,
    end: datetime.date | None,
) -> datetime.date:
    """The deadline a round running from `start` to `end` was due by (see the module docstring)."""
    if start is None:
        current, later = deadlines[0], deadlines[1:]
    else:
        before = [d for d in deadlines if d[0] is None or d[0] <= start]
        current = before[-1] if before else deadlines[0]
        later = [d for d in deadlines if d[0] is not None and d[0] > start]
    for version in later:
        if end is not None and version[0] > end:
            break
        if version[0] > current[1]:
            break  # set after the due date had passed: the round was already late
        current = version
    return current[1]


def answer_rounds(
    deadlines: list[tuple[datetime.date | None, datetime.date]],
    answers: list[datetime.date],
    reopenings: list[datetime.date],
    as_of: datetime.date,
) -> list[Round]:
    """The rounds of one finding up to `as_of`. `deadlines`: (set on, deadline) in the order they were set,
    the first one being the deadline given at registration; `answers` and `reopenings`: dates, in order
    (each reopening follows an answer, so the k-th answer belongs to the k-th round)."""
    answers = sorted(a for a in answers if a <= as_of)
    starts: list[datetime.date | None] = [None, *sorted(r for r in reopenings if r <= as_of)]
    rounds = []
    for index, start in enumerate(starts):
        answered = answers[index] if index < len(answers) else None
        rounds.append(Round(start, _due(deadlines, start, answered or as_of), answered))
    return rounds


@dataclass
class Facts:
    facility: Facility
    findings: list[Finding] = field(default_factory=list)  # each with .found_on (the inspection date)
    reopenings: list[tuple[int, datetime.date]] = field(default_factory=list)  # (finding id, date)
    complaints: list[Complaint] = field(default_factory=list)
    last_inspected_on: datetime.date | None = None
    has_infant_class: bool = False
    # The deadline history ((set on, deadline), in order) and the answer dates, per finding. A finding
    # without them is read from its own fields: one deadline, at most one answer (submitted_on).
    deadlines: dict[int, list[tuple[datetime.date | None, datetime.date]]] = field(default_factory=dict)
    answers: dict[int, list[datetime.date]] = field(default_factory=dict)

    def rounds(self, finding: Finding, as_of: datetime.date) -> list[Round]:
        deadlines = self.deadlines.get(finding.pk) or [(None, finding.deadline)]
        if finding.pk in self.answers:
            answers = self.answers[finding.pk]
        else:
            answers = [finding.submitted_on] if finding.submitted_on else []
        reopened = [day for finding_id, day in self.reopenings if finding_id == finding.pk]
        return answer_rounds(deadlines, answers, reopened, as_of)


def collect_facts(facilities: Iterable[Facility], as_of: datetime.date) -> dict[int, Facts]:
    """Everything the rule reads, for many facilities in a fixed number of queries."""
    facts = {f.pk: Facts(facility=f) for f in facilities}
    ids = list(facts)
    if not ids:
        return facts
    findings = (
        Finding.objects.filter(facility_id__in=ids, inspection__inspected_on__lte=as_of)
        .annotate(found_on=F("inspection__inspected_on"))
        .order_by("deadline", "pk")
    )
    for finding in findings:
        facts[finding.facility_id].findings.append(finding)
    # Answers and reopenings by the day they happened (a backfilled record's own dates), in order.
    steps = (
        FindingAction.objects.filter(
            finding__facility_id__in=ids,
            action__in=(FindingAction.Action.SUBMITTED, FindingAction.Action.REOPENED),
        )
        .values_list("finding__facility_id", "finding_id", "action", "happened_on", "acted_at")
        .order_by("acted_at", "pk")
    )
    for facility_id, finding_id, action, happened_on, acted_at in steps:
        day = happened_on or _local_date(acted_at)
        if day > as_of:
            continue
        if action == FindingAction.Action.REOPENED:
            facts[facility_id].reopenings.append((finding_id, day))
        else:
            facts[facility_id].answers.setdefault(finding_id, []).append(day)
    history = FindingDeadline.objects.filter(finding__facility_id__in=ids).values_list(
        "finding__facility_id", "finding_id", "in_force_from", "deadline"
    )
    for facility_id, finding_id, in_force_from, deadline in history.order_by("in_force_from", "set_at", "pk"):
        if in_force_from <= as_of:
            facts[facility_id].deadlines.setdefault(finding_id, []).append((in_force_from, deadline))
    for complaint in Complaint.objects.filter(facility_id__in=ids, received_on__lte=as_of):
        facts[complaint.facility_id].complaints.append(complaint)
    visits = (
        Inspection.facilities.through.objects.filter(facility_id__in=ids, inspection__inspected_on__lte=as_of)
        .values_list("facility_id", "inspection__inspected_on")
        .order_by()
    )
    for facility_id, day in visits:
        current = facts[facility_id].last_inspected_on
        if current is None or day > current:
            facts[facility_id].last_inspected_on = day
    infants = ClassUnit.objects.filter(facility_id__in=ids, class_type__min_age_months__lt=12).values_list(
        "facility_id", flat=True
    )
    for facility_id in infants:
        facts[facility_id].has_infant_class = True
    return facts


def _local_date(moment: datetime.datetime) -> datetime.date:
    from django.utils import timezone

    return timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()


# ---------------------------------------------------------------- the result, with its reasons


@dataclass(frozen=True)
class Line:
    """One reason for the points: which part, which weight, what record, how many points (+ risk,
    − credit)."""

    part: str  # "risk" or "credit"
    key: str
    subject: str
    label: str
    detail: str
    points: Decimal
    finding_id: int | None = None
    complaint_id: int | None = None
    own_weight: bool = False


@dataclass
class GradeResult:
    facility: Facility
    as_of: datetime.date
    risk_points: Decimal
    risk_level: str
    credit_points: Decimal
    credit_level: str
    grade: str
    interval_months: int
    last_inspected_on: datetime.date | None
    next_due: datetime.date
    lines: list[Line]
    rules: RuleSet
    open_findings: int = 0
    overdue_findings: int = 0
    thresholds: dict[str, Decimal] = field(default_factory=dict)

    @property
    def risk_lines(self) -> list[Line]:
        return [line for line in self.lines if line.part == "risk"]

    @property
    def credit_lines(self) -> list[Line]:
        return [line for line in self.lines if line.part == "credit"]

    @property
    def risk_label(self) -> str:
        return str(RiskLevel(self.risk_level).label)

    @property
    def credit_label(self) -> str:
        return str(CreditLevel(self.credit_level).label)

    @property
    def never_inspected(self) -> bool:
        return self.last_inspected_on is None

    @property
    def reasoning(self) -> list[str]:
        """The rule's steps for this facility, in words (shown under the grade)."""
        t = {k: f"{v.normalize() + 0}" for k, v in self.thresholds.items()}
        return [
            _("风险分 %(p)s：中风险线 %(m)s，高风险线 %(h)s → %(level)s")
            % {
                "p": self.risk_points.normalize() + 0,
                "m": t.get("risk_medium_from"),
                "h": t.get("risk_high_from"),
                "level": self.risk_label,
            },
            _("信用分 %(p)s：一般线 %(f)s，良好线 %(g)s → %(level)s")
            % {
                "p": self.credit_points.normalize() + 0,
                "f": t.get("credit_fair_from"),
                "g": t.get("credit_good_from"),
                "level": self.credit_label,
            },
            _("%(risk)s × %(credit)s → %(grade)s级（分级矩阵）；建议每 %(n)s 个月检查一次")
            % {
                "risk": self.risk_label,
                "credit": self.credit_label,
                "grade": self.grade,
                "n": self.interval_months,
            },
        ]

    def is_due(self, within_days: int = 0) -> bool:
        return self.next_due <= self.as_of + datetime.timedelta(days=within_days)


def grade(facts: Facts, rules: RuleSet, as_of: datetime.date) -> GradeResult:
    """Apply the rule in the module docstring to one facility's facts."""
    facility = facts.facility
    lines: list[Line] = []

    def add(part, key, subject, label, detail, points, **refs):
        if points:
            lines.append(
                Line(
                    part,
                    key,
                    subject,
                    str(label),
                    detail,
                    points,
                    own_weight=rules.is_own(key, subject),
                    **refs,
                )
            )

    # ---- risk
    recent_from = add_months(as_of, -int(rules.required(Key.RISK_RECENT_MONTHS)))
    window_from = add_months(as_of, -int(rules.required(Key.CREDIT_WINDOW_MONTHS)))
    open_count = overdue_count = 0
    rounds = {finding.pk: facts.rounds(finding, as_of) for finding in facts.findings}
    for finding in facts.findings:
        what = _finding_text(finding)
        severity = finding.get_severity_display()
        latest = rounds[finding.pk][-1]
        if finding.status != Finding.Status.VERIFIED:
            open_count += 1
            add(
                "risk",
                Key.RISK_OPEN_FINDING,
                finding.severity,
                _("未销号的%(severity)s问题") % {"severity": severity},
                what,
                rules.points(Key.RISK_OPEN_FINDING, finding.severity),
                finding_id=finding.pk,
            )
            if latest.overdue_on(as_of):
                overdue_count += 1
                add(
                    "risk",
                    Key.RISK_OVERDUE_FINDING,
                    "",
                    _("逾期未整改"),
                    _("%(what)s，整改期限 %(deadline)s") % {"what": what, "deadline": latest.due.isoformat()},
                    rules.points(Key.RISK_OVERDUE_FINDING),
                    finding_id=finding.pk,
                )
        elif finding.found_on >= recent_from:
            add(
                "risk",
                Key.RISK_RECENT_FINDING,
                finding.severity,
                _("近期已销号的%(severity)s问题") % {"severity": severity},
                what,
                rules.points(Key.RISK_RECENT_FINDING, finding.severity),
                finding_id=finding.pk,
            )
    add(
        "risk",
        Key.RISK_KIND,
        facility.kind,
        _("机构类型"),
        facility.get_kind_display(),
        rules.points(Key.RISK_KIND, facility.kind),
    )
    children = facility.enrolled_children if facility.enrolled_children is not None else facility.total_slots
    large_from = rules.points(Key.RISK_LARGE_FROM)
    if large_from > 0 and children is not None and children >= large_from:
        add(
            "risk",
            Key.RISK_LARGE,
            "",
            _("规模较大"),
            _("%(what)s %(n)s 人，不少于 %(from)s 人")
            % {
                "what": _("在托") if facility.enrolled_children is not None else _("托位"),
                "n": children,
                "from": f"{large_from.normalize():f}",
            },
            rules.points(Key.RISK_LARGE),
        )
    if facility.serves_meals:
        add("risk", Key.RISK_MEALS, "", _("提供膳食"), _("食品安全风险"), rules.points(Key.RISK_MEALS))
    if facts.has_infant_class:
        add(
            "risk",
            Key.RISK_INFANT_CLASS,
            "",
            _("设有乳儿班"),
            _("收托12个月以下婴儿"),
            rules.points(Key.RISK_INFANT_CLASS),
        )
    risk_points = sum((line.points for line in lines if line.part == "risk"), ZERO)
    thresholds = {
        "risk_medium_from": rules.required(Key.RISK_MEDIUM_FROM),
        "risk_high_from": rules.required(Key.RISK_HIGH_FROM),
        "credit_fair_from": rules.required(Key.CREDIT_FAIR_FROM),
        "credit_good_from": rules.required(Key.CREDIT_GOOD_FROM),
    }
    if risk_points >= rules.required(Key.RISK_HIGH_FROM):
        risk_level = RiskLevel.HIGH
    elif risk_points >= rules.required(Key.RISK_MEDIUM_FROM):
        risk_level = RiskLevel.MEDIUM
    else:
        risk_level = RiskLevel.LOW

    # ---- credit
    active = facility.operating_status in ACTIVE_STATUSES
    if active and facility.filing_status != Facility.FilingStatus.FILED:
        add(
            "credit",
            Key.CREDIT_NOT_FILED,
            "",
            _("在营未备案"),
            _("运营状态“%(op)s”，备案状态“%(filing)s”")
            % {"op": facility.get_operating_status_display(), "filing": facility.get_filing_status_display()},
            -rules.points(Key.CREDIT_NOT_FILED),
        )
    for finding in facts.findings:
        latest = rounds[finding.pk][-1]
        if finding.status != Finding.Status.VERIFIED and latest.overdue_on(as_of):
            add(
                "credit",
                Key.CREDIT_OVERDUE_FINDING,
                "",
                _("逾期未整改"),
                _("%(what)s，整改期限 %(deadline)s")
                % {"what": _finding_text(finding), "deadline": latest.due.isoformat()},
                -rules.points(Key.CREDIT_OVERDUE_FINDING),
                finding_id=finding.pk,
            )
        # Every late answer counts, each against the deadline it was due by: a later reopening or a new
        # deadline does not take the lateness away.
        for answered in rounds[finding.pk]:
            if answered.late_days and answered.answered_on >= window_from:
                add(
                    "credit",
                    Key.CREDIT_LATE_RECTIFICATION,
                    "",
                    _("超期整改"),
                    _("%(what)s，期限 %(deadline)s，%(submitted)s 才提交整改（逾期 %(days)s 天）")
                    % {
                        "what": _finding_text(finding),
                        "deadline": answered.due.isoformat(),
                        "submitted": answered.answered_on.isoformat(),
                        "days": answered.late_days,
                    },
                    -rules.points(Key.CREDIT_LATE_RECTIFICATION),
                    finding_id=finding.pk,
                )
    texts = {f.pk: _finding_text(f) for f in facts.findings}
    for finding_id, day in sorted(facts.reopenings, key=lambda r: r[1]):
        if day >= window_from:
            add(
                "credit",
                Key.CREDIT_REOPENED,
                "",
                _("整改被退回"),
                _("%(what)s，%(day)s 退回重新整改")
                % {"what": texts.get(finding_id, "—"), "day": day.isoformat()},
                -rules.points(Key.CREDIT_REOPENED),
                finding_id=finding_id,
            )
    for complaint in facts.complaints:
        if complaint.substantiated and complaint.received_on >= window_from:
            add(
                "credit",
                Key.CREDIT_COMPLAINT,
                "",
                _("投诉属实"),
                _("%(day)s 受理：%(summary)s")
                % {"day": complaint.received_on.isoformat(), "summary": _short(complaint.summary)},
                -rules.points(Key.CREDIT_COMPLAINT),
                complaint_id=complaint.pk,
            )
    if active:
        missing = {
            GradingWeight.Disclosure.PUBLIC_PHONE: not facility.public_phone,
            GradingWeight.Disclosure.MONTHLY_FEE: facility.monthly_fee is None,
            GradingWeight.Disclosure.FILING_NUMBER: not facility.filing_number,
        }
        for item, is_missing in missing.items():
            if is_missing:
                add(
                    "credit",
                    Key.CREDIT_DISCLOSURE,
                    item,
                    _("公示信息缺项"),
                    _("未公示%(item)s") % {"item": item.label},
                    -rules.points(Key.CREDIT_DISCLOSURE, item),
                )
    start = rules.required(Key.CREDIT_START)
    credit_points = max(start + sum((line.points for line in lines if line.part == "credit"), ZERO), ZERO)
    if credit_points >= rules.required(Key.CREDIT_GOOD_FROM):
        credit_level = CreditLevel.GOOD
    elif credit_points >= rules.required(Key.CREDIT_FAIR_FROM):
        credit_level = CreditLevel.FAIR
    else:
        credit_level = CreditLevel.POOR

    letter = rules.grade_for(risk_level, credit_level)
    interval = int(rules.required(Key.INTERVAL_MONTHS, letter))
    next_due = add_months(facts.last_inspected_on, interval) if facts.last_inspected_on else as_of
    return GradeResult(
        facility=facility,
        as_of=as_of,
        risk_points=risk_points,
        risk_level=str(risk_level),
        credit_points=credit_points,
        credit_level=str(credit_level),
        grade=letter,
        interval_months=interval,
        last_inspected_on=facts.last_inspected_on,
        next_due=next_due,
        lines=lines,
        rules=rules,
        open_findings=open_count,
        overdue_findings=overdue_count,
        thresholds=thresholds,
    )


def _finding_text(finding: Finding) -> str:
    return f"{finding.found_on:%Y-%m-%d} {finding.get_category_display()}：{_short(finding.description)}"


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---------------------------------------------------------------- many facilities


def grade_all(facilities: QuerySet[Facility], as_of: datetime.date) -> list[GradeResult]:
    """Grades for every facility of the queryset (each with its own district's rules), in a fixed number
    of queries. Raises GradingRuleMissing when a needed number has no row."""
    facilities = list(facilities.select_related("district", "town"))
    facts = collect_facts(facilities, as_of)
    rules_by_district: dict[int, RuleSet] = {}
    results = []
    for facility in facilities:
        rules = rules_by_district.get(facility.district_id)
        if rules is None:
            rules = rules_by_district[facility.district_id] = load_rules(facility.district_id, as_of)
        results.append(grade(facts[facility.pk], rules, as_of))
    return results


def grade_one(facility: Facility, as_of: datetime.date) -> GradeResult:
    return grade(
        collect_facts([facility], as_of)[facility.pk], load_rules(facility.district_id, as_of), as_of
    )


def distribution(results: Iterable[GradeResult]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for result in results:
        counts[result.grade] += 1
    return {letter: counts.get(letter, 0) for letter in ("A", "B", "C", "D")}
