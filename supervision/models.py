"""Supervision (综合监管): inspections and their findings with the rectification workflow, complaints,
"risk + credit" grading with its weights as data, quality-evaluation frameworks as data with self- and
official assessments, the household income behind the fee cap, and dated supervision events.

Scoping never lives here: every page, export and admin view reaches these rows through
core.access (findings, complaints, evaluations hang off a facility; inspections off a district).
Workflow state (a finding's status, its verification) changes only through supervision.services, and every
step of a finding is a FindingAction row (who, when, what, note, reference).
"""

from __future__ import annotations

import pghistory
import pgtrigger
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.access import Scope, ScopedManager, ScopedQuerySet
from core.models import Versioned, VersionedModel, choice_check, tracked
from core.privacy import Privacy
from facilities.models import Facility
from targets.models import Region, SourceDocument

# ---------------------------------------------------------------- inspections


@pghistory.track(*tracked())
class Department(Versioned):
    """A department that takes part in inspections (卫生健康, 消防救援, 市场监管 …), seeded as data."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("部门"), max_length=32, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    note = models.CharField(_("说明"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("参与部门")
        verbose_name_plural = _("参与部门")
        ordering = ["sort_order", "code"]

    def __str__(self):
        return self.name


class _InspectionKind(models.TextChoices):
    ROUTINE = "routine", _("日常检查")
    JOINT = "joint", _("联合检查")
    SPECIAL = "special", _("专项行动")
    COMPLAINT = "complaint", _("投诉核查")
    PART_TIME_TEAM = "part_time_team", _("兼职督导走访")


@pghistory.track(*tracked())
class Inspection(VersionedModel):
    Kind = _InspectionKind

    district = models.ForeignKey(
        Region,
        verbose_name=_("区县"),
        on_delete=models.PROTECT,
        related_name="inspections",
        limit_choices_to={"level": Region.Level.DISTRICT},
    )
    inspected_on = models.DateField(_("检查日期"))
    kind = models.CharField(_("检查类型"), max_length=24, choices=Kind.choices)
    title = models.CharField(
        _("名称"), max_length=128, blank=True, help_text=_("如：2025年春季消防安全专项检查")
    )
    departments = models.ManyToManyField(
        Department, verbose_name=_("参与部门"), related_name="inspections", blank=True
    )
    facilities = models.ManyToManyField(
        Facility, verbose_name=_("检查机构"), related_name="inspections", blank=True
    )
    complaint = models.ForeignKey(
        "Complaint",
        verbose_name=_("所核查的投诉"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inspections",
    )
    summary = models.TextField(_("检查情况"), blank=True)
    backfilled = models.BooleanField(
        _("事后补录"),
        default=False,
        help_text=_("检查结束后按原始记录补录的历史检查：各日期按原始记录填写，计分也按这些日期"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )

    scope = Scope(district=("district", "facilities__district"), town="facilities__town", many=True)
    objects = ScopedManager()

    class Meta:
        verbose_name = _("检查")
        verbose_name_plural = _("检查")
        ordering = ["-inspected_on", "-pk"]
        indexes = [models.Index(fields=["district", "inspected_on"], name="inspection_district_date")]
        constraints = [
            choice_check("kind", _InspectionKind.choices, "inspection_kind_choices"),
        ]

    def __str__(self):
        label = self.title or self.get_kind_display()
        return f"{self.inspected_on:%Y-%m-%d} {label}"


class _TeamMemberRole(models.TextChoices):
    EXPERT = "expert", _("专家")
    LOCAL_STAFF = "local_staff", _("属地工作人员")
    PARENT = "parent", _("家长代表")
    DEPARTMENT_STAFF = "department_staff", _("部门工作人员")
    OTHER = "other", _("其他")


@pghistory.track(*tracked())
class TeamMember(Versioned):
    """Who took part in an inspection — for part-time teams: experts, local staff, parent representatives."""

    Role = _TeamMemberRole

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("检查"), on_delete=models.CASCADE, related_name="team"
    )
    name = models.CharField(_("姓名"), max_length=64)
    role = models.CharField(_("身份"), max_length=24, choices=Role.choices, blank=True)
    organisation = models.CharField(_("单位"), max_length=128, blank=True)
    is_lead = models.BooleanField(_("组长"), default=False)

    scope = Scope(
        district=("inspection__district", "inspection__facilities__district"),
        town="inspection__facilities__town",
        many=True,
    )
    objects = ScopedManager()

    class Meta:
        verbose_name = _("检查组成员")
        verbose_name_plural = _("检查组成员")
        ordering = ["inspection", "-is_lead", "role", "pk"]
        constraints = [
            # the inspection form leaves a member's role optional
            choice_check("role", _TeamMemberRole.choices, "team_member_role_choices", blank=True),
        ]

    def __str__(self):
        return f"{self.name}（{self.get_role_display()}）"


class FindingQuerySet(ScopedQuerySet):
    def unresolved(self):
        """Not verified: open, waiting for verification, or sent back."""
        return self.exclude(status=Finding.Status.VERIFIED)

    def overdue(self, on):
        """Deadline passed on `on` and not verified — shown in red wherever a finding appears."""
        return self.unresolved().filter(deadline__lt=on)


class _FindingCategory(models.TextChoices):
    FIRE_SAFETY = "fire_safety", _("消防安全")
    FOOD_SAFETY = "food_safety", _("食品安全")
    HEALTH_CARE = "health_care", _("卫生保健")
    PERSONAL_SAFETY = "personal_safety", _("人身安全")
    STAFFING = "staffing", _("人员配备")
    RECORDS = "records", _("档案台账")
    PREMISES = "premises", _("场地设施")
    OTHER = "other", _("其他")


class _FindingSeverity(models.TextChoices):
    MINOR = "minor", _("轻微")
    GENERAL = "general", _("一般")
    SERIOUS = "serious", _("严重")


@pghistory.track(*tracked())
class Finding(VersionedModel):
    Category = _FindingCategory

    Severity = _FindingSeverity

    class Status(models.TextChoices):
        OPEN = "open", _("待整改")
        SUBMITTED = "submitted", _("已提交整改")
        VERIFIED = "verified", _("已验证销号")
        REOPENED = "reopened", _("退回重新整改")

    # Statuses in which the operator is expected to answer.
    ANSWERABLE = (Status.OPEN, Status.REOPENED)

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("检查"), on_delete=models.PROTECT, related_name="findings"
    )
    facility = models.ForeignKey(
        Facility, verbose_name=_("机构"), on_delete=models.PROTECT, related_name="findings"
    )
    category = models.CharField(_("问题类别"), max_length=24, choices=Category.choices)
    severity = models.CharField(_("严重程度"), max_length=16, choices=Severity.choices)
    description = models.TextField(_("问题描述"))
    legal_basis = models.CharField(
        _("依据"), max_length=255, blank=True, help_text=_("违反的法规、标准或规则条款")
    )
    responsible_person = models.CharField(
        _("整改责任人"), max_length=64, blank=True, help_text=_("机构方负责整改的人员")
    )
    deadline = models.DateField(_("整改期限"))
    status = models.CharField(_("整改状态"), max_length=16, choices=Status.choices, default=Status.OPEN)
    submitted_on = models.DateField(
        _("整改提交日期"), null=True, blank=True, help_text=_("最近一次提交整改的日期")
    )
    verified_on = models.DateField(_("验证日期"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("验证人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    backfilled = models.BooleanField(
        _("事后补录"), default=False, help_text=_("按原始记录补录的历史问题，日期为原始记录的日期")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )

    objects = FindingQuerySet.as_manager()

    scope = Scope(via="facility")

    class Meta:
        verbose_name = _("检查发现问题")
        verbose_name_plural = _("检查发现问题")
        ordering = ["deadline", "pk"]
        indexes = [
            models.Index(fields=["facility", "status"], name="finding_facility_status"),
            models.Index(fields=["status", "deadline"], name="finding_status_deadline"),
        ]
        constraints = [
            choice_check("category", _FindingCategory.choices, "finding_category_choices"),
            choice_check("severity", _FindingSeverity.choices, "finding_severity_choices"),
            models.CheckConstraint(
                condition=~Q(status="verified") | Q(verified_on__isnull=False),
                name="finding_verified_has_date",
                violation_error_message=_("已验证销号的问题必须有验证日期。"),
            ),
            models.CheckConstraint(
                condition=~Q(status="submitted") | Q(submitted_on__isnull=False),
                name="finding_submitted_has_date",
                violation_error_message=_("已提交整改的问题必须有提交日期。"),
            ),
        ]

    def __str__(self):
        return f"{self.facility} · {self.get_category_display()} · {self.get_severity_display()}"

    def is_overdue(self, on) -> bool:
        return self.status != self.Status.VERIFIED and self.deadline < on

    @property
    def rectified_late(self) -> bool:
        """Verified, but the rectification that was verified came after the deadline now in force. Grading
        does not use this: it measures each answer against the deadline in force when that answer was due
        (supervision.grading.late_answers, from the deadline history)."""
        return (
            self.status == self.Status.VERIFIED
            and self.submitted_on is not None
            and self.submitted_on > self.deadline
        )


class _FindingDeadlineKind(models.TextChoices):
    INITIAL = "initial", _("初始期限")
    EXTENDED = "extended", _("调整期限")
    REOPENED = "reopened", _("退回后的新期限")


class FindingDeadline(models.Model):
    """One deadline a finding was given: the first one, an extension, or the new one set on reopening.
    Append-only (an UPDATE is refused by a database trigger), so a reopened finding keeps
    every earlier deadline and lateness is measured against the deadline in force when the answer was due.
    `in_force_from` is the day it was set (for a backfilled finding, the day the original record gives)."""

    Kind = _FindingDeadlineKind

    finding = models.ForeignKey(
        Finding, verbose_name=_("问题"), on_delete=models.CASCADE, related_name="deadlines"
    )
    deadline = models.DateField(_("整改期限"))
    in_force_from = models.DateField(_("生效日期"), help_text=_("设定该期限的日期"))
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("设定人"), on_delete=models.PROTECT, related_name="+"
    )
    set_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    note = models.CharField(_("说明"), max_length=255, blank=True)

    scope = Scope(via="finding__facility")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("整改期限记录")
        verbose_name_plural = _("整改期限记录")
        ordering = ["finding", "in_force_from", "set_at", "pk"]
        indexes = [models.Index(fields=["finding", "in_force_from"], name="finding_deadline_in_force")]
        constraints = [
            choice_check("kind", _FindingDeadlineKind.choices, "finding_deadline_kind_choices"),
        ]

    def __str__(self):
        return f"{self.finding_id} {self.get_kind_display()} {self.deadline:%Y-%m-%d}"


class _FindingActionAction(models.TextChoices):
    CREATED = "created", _("登记问题")
    SUBMITTED = "submitted", _("提交整改")
    VERIFIED = "verified", _("验证销号")
    REOPENED = "reopened", _("退回重新整改")
    DEADLINE = "deadline", _("调整整改期限")
    COMMENT = "comment", _("备注")


class FindingAction(models.Model):
    """One step in a finding's life: registered, rectification submitted, verified, reopened, deadline
    changed, comment. Append-only: the history of who did what, when, with which note and reference."""

    Action = _FindingActionAction

    finding = models.ForeignKey(
        Finding, verbose_name=_("问题"), on_delete=models.CASCADE, related_name="actions"
    )
    action = models.CharField(_("操作"), max_length=16, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT, related_name="+"
    )
    acted_at = models.DateTimeField(_("操作时间"), auto_now_add=True)
    happened_on = models.DateField(
        _("发生日期"),
        null=True,
        blank=True,
        help_text=_("该步骤实际发生的日期：通常为操作当天，事后补录时为原始记录的日期"),
    )
    on_date = models.DateField(
        _("日期"), null=True, blank=True, help_text=_("整改完成日期、验证日期或新的整改期限")
    )
    note = models.TextField(_("说明"), blank=True)
    reference = models.CharField(
        _("佐证材料"), max_length=255, blank=True, help_text=_("照片、文件编号或存档位置等")
    )

    scope = Scope(via="finding__facility")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("整改记录")
        verbose_name_plural = _("整改记录")
        ordering = ["finding", "acted_at", "pk"]
        constraints = [
            choice_check("action", _FindingActionAction.choices, "finding_action_choices"),
        ]

    DATE_LABELS = {
        Action.CREATED: _("整改期限"),
        Action.SUBMITTED: _("整改完成日期"),
        Action.VERIFIED: _("验证日期"),
        Action.REOPENED: _("新的整改期限"),
        Action.DEADLINE: _("新的整改期限"),
        Action.COMMENT: _("日期"),
    }

    def __str__(self):
        return f"{self.finding_id} {self.get_action_display()} {self.acted_at:%Y-%m-%d}"

    @property
    def date_label(self) -> str:
        return str(self.DATE_LABELS.get(self.action, _("日期")))

    @property
    def entered_later(self) -> bool:
        """Entered on a later day than it happened (a backfilled step)."""
        from django.utils import timezone

        return bool(
            self.happened_on and self.acted_at and self.happened_on < timezone.localtime(self.acted_at).date()
        )


# ---------------------------------------------------------------- complaints


class _ComplaintChannel(models.TextChoices):
    HOTLINE = "hotline", _("12345热线")
    LETTER = "letter", _("来信")
    VISIT = "visit", _("来访")
    ONLINE = "online", _("网络")
    REFERRAL = "referral", _("部门转办")
    OTHER = "other", _("其他")


@pghistory.track(*tracked())
class Complaint(VersionedModel):
    Channel = _ComplaintChannel

    facility = models.ForeignKey(
        Facility, verbose_name=_("被投诉机构"), on_delete=models.PROTECT, related_name="complaints"
    )
    received_on = models.DateField(_("受理日期"))
    channel = models.CharField(_("来源渠道"), max_length=16, choices=Channel.choices, default=Channel.HOTLINE)
    summary = models.TextField(_("投诉内容"))
    handling = models.TextField(_("处理方式"), blank=True)
    outcome = models.TextField(_("处理结果"), blank=True)
    substantiated = models.BooleanField(
        _("情况属实"), null=True, blank=True, help_text=_("空：尚在核查；属实的投诉计入信用评价")
    )
    closed_on = models.DateField(_("办结日期"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )

    scope = Scope(via="facility")
    # How the commission handles a complaint is internal: officials read it, the facility's operator does not.
    privacy = Privacy(internal=("handling",))
    objects = ScopedManager()

    class Meta:
        verbose_name = _("投诉")
        verbose_name_plural = _("投诉")
        ordering = ["-received_on", "-pk"]
        constraints = [
            choice_check("channel", _ComplaintChannel.choices, "complaint_channel_choices"),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("received_on")),
                name="complaint_closed_after_received",
                violation_error_message=_("办结日期不能早于受理日期。"),
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(substantiated__isnull=False),
                name="complaint_closed_has_conclusion",
                violation_error_message=_("办结的投诉须写明是否属实。"),
            ),
        ]

    def __str__(self):
        return f"{self.received_on:%Y-%m-%d} {self.facility}"

    @property
    def is_closed(self) -> bool:
        return self.closed_on is not None


# ---------------------------------------------------------------- risk + credit grading (rules as data)


class RiskLevel(models.TextChoices):
    LOW = "low", _("低风险")
    MEDIUM = "medium", _("中风险")
    HIGH = "high", _("高风险")


class CreditLevel(models.TextChoices):
    GOOD = "good", _("信用良好")
    FAIR = "fair", _("信用一般")
    POOR = "poor", _("信用较差")


class Grade(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"
    D = "D", "D"


class _GradingKey(models.TextChoices):
    RISK_OPEN_FINDING = "risk_open_finding", _("风险：未销号问题（每项，按严重程度）")
    RISK_RECENT_FINDING = "risk_recent_finding", _("风险：近期已销号问题（每项，按严重程度）")
    RISK_RECENT_MONTHS = "risk_recent_months", _("风险：已销号问题的回溯期（月）")
    RISK_OVERDUE_FINDING = "risk_overdue_finding", _("风险：逾期未整改问题加分（每项）")
    RISK_KIND = "risk_kind", _("风险：机构类型（按类型）")
    RISK_LARGE_FROM = "risk_large_from", _("风险：规模较大机构的在托人数起点")
    RISK_LARGE = "risk_large", _("风险：规模较大")
    RISK_MEALS = "risk_meals", _("风险：提供膳食")
    RISK_INFANT_CLASS = "risk_infant_class", _("风险：设有乳儿班")
    RISK_MEDIUM_FROM = "risk_medium_from", _("风险分达到此值为中风险")
    RISK_HIGH_FROM = "risk_high_from", _("风险分达到此值为高风险")
    CREDIT_START = "credit_start", _("信用：起始分")
    CREDIT_NOT_FILED = "credit_not_filed", _("信用：在营未备案（扣分）")
    CREDIT_OVERDUE_FINDING = "credit_overdue_finding", _("信用：逾期未整改问题（每项扣分）")
    CREDIT_LATE_RECTIFICATION = "credit_late_rectification", _("信用：超期整改问题（每项扣分）")
    CREDIT_REOPENED = "credit_reopened", _("信用：整改被退回（每次扣分）")
    CREDIT_COMPLAINT = "credit_complaint", _("信用：属实投诉（每件扣分）")
    CREDIT_WINDOW_MONTHS = "credit_window_months", _("信用：记录回溯期（月）")
    CREDIT_DISCLOSURE = "credit_disclosure", _("信用：公示信息缺项（每项扣分）")
    CREDIT_GOOD_FROM = "credit_good_from", _("信用分达到此值为信用良好")
    CREDIT_FAIR_FROM = "credit_fair_from", _("信用分达到此值为信用一般")
    INTERVAL_MONTHS = "interval_months", _("建议检查间隔（月，按等级）")


class _GradingDisclosure(models.TextChoices):
    PUBLIC_PHONE = "public_phone", _("对外咨询电话")
    MONTHLY_FEE = "monthly_fee", _("收费标准")
    FILING_NUMBER = "filing_number", _("备案编号")


@pghistory.track(*tracked())
class GradingWeight(VersionedModel):
    """One number of the risk + credit grading rule (supervision.grading documents how each is used).

    Rows without a district are the project's starting proposal, seeded from fixtures/supervision_grading.csv:
    no source document gives these weights, so each district is expected to set its own. A row with a
    district overrides the proposal for that district only."""

    Key = _GradingKey

    # Keys whose rows are per subject (severity, facility kind, disclosure item, grade).
    SUBJECTS = {
        Key.RISK_OPEN_FINDING: "severity",
        Key.RISK_RECENT_FINDING: "severity",
        Key.RISK_KIND: "kind",
        Key.CREDIT_DISCLOSURE: "disclosure",
        Key.INTERVAL_MONTHS: "grade",
    }

    Disclosure = _GradingDisclosure

    district = models.ForeignKey(
        Region,
        verbose_name=_("区县"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"level": Region.Level.DISTRICT},
        help_text=_("空：项目初始建议值，适用于未自行设定的区县"),
    )
    key = models.CharField(_("参数"), max_length=32, choices=Key.choices)
    subject = models.CharField(
        _("对象"), max_length=32, blank=True, help_text=_("严重程度、机构类型、公示项目或等级；无则留空")
    )
    value = models.DecimalField(_("数值"), max_digits=8, decimal_places=2)
    note = models.CharField(_("说明"), max_length=255, blank=True)
    # A weight is in force from `effective_from` to `effective_to` (either open): grading on a date uses the
    # rows in force on it (supervision.grading.load_rules), so changing a weight from a date leaves earlier
    # periods graded as they were. Rows of one district, key and subject never overlap (trigger below).
    effective_from = models.DateField(_("生效日期"), null=True, blank=True, help_text=_("留空：一直有效"))
    effective_to = models.DateField(_("失效日期"), null=True, blank=True, help_text=_("留空：一直有效"))

    scope = Scope(district="district")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("分级评分参数")
        verbose_name_plural = _("分级评分参数")
        ordering = ["district__code", "key", "subject", "effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "key", "subject", "effective_from"],
                nulls_distinct=False,
                name="grading_weight_unique",
                violation_error_message=_("该区县已有此参数。"),
            ),
            models.CheckConstraint(
                condition=Q(value__gte=0),
                name="grading_weight_non_negative",
                violation_error_message=_("参数不能为负数。"),
            ),
            models.CheckConstraint(
                condition=Q(effective_from__isnull=True)
                | Q(effective_to__isnull=True)
                | Q(effective_from__lte=F("effective_to")),
                name="grading_weight_dates_ordered",
                violation_error_message=_("生效日期不能晚于失效日期。"),
            ),
            # The key is one of the rule's keys, and the subject one of its key's subjects (none for keys
            # without subjects): "Z" is refused by the database, not only by the form.
            models.CheckConstraint(
                condition=(
                    Q(
                        key__in=[_GradingKey.RISK_OPEN_FINDING, _GradingKey.RISK_RECENT_FINDING],
                        subject__in=["minor", "general", "serious"],
                    )
                    | Q(key=_GradingKey.RISK_KIND, subject__in=Facility.Kind.values)
                    | Q(key=_GradingKey.CREDIT_DISCLOSURE, subject__in=_GradingDisclosure.values)
                    | Q(key=_GradingKey.INTERVAL_MONTHS, subject__in=Grade.values)
                    | (
                        Q(key__in=_GradingKey.values)
                        & ~Q(
                            key__in=[
                                _GradingKey.RISK_OPEN_FINDING,
                                _GradingKey.RISK_RECENT_FINDING,
                                _GradingKey.RISK_KIND,
                                _GradingKey.CREDIT_DISCLOSURE,
                                _GradingKey.INTERVAL_MONTHS,
                            ]
                        )
                        & Q(subject="")
                    )
                ),
                name="grading_weight_key_subject_choices",
                violation_error_message=_("参数或对象不在给定选项之内。"),
            ),
        ]
        triggers = [
            pgtrigger.Trigger(
                name="grading_weight_no_overlap",
                operation=pgtrigger.Insert | pgtrigger.Update,
                when=pgtrigger.Before,
                func=(
                    "IF EXISTS (SELECT 1 FROM supervision_gradingweight w WHERE w.id <> NEW.id "
                    "AND w.district_id IS NOT DISTINCT FROM NEW.district_id AND w.key = NEW.key "
                    "AND w.subject = NEW.subject AND daterange(w.effective_from, w.effective_to, '[]') && "
                    "daterange(NEW.effective_from, NEW.effective_to, '[]')) THEN "
                    "RAISE EXCEPTION 'grading weight: the dates overlap another row of % %', NEW.key, "
                    "NEW.subject USING ERRCODE = 'exclusion_violation'; END IF; RETURN NEW;"
                ),
            ),
        ]

    def __str__(self):
        subject = f"[{self.subject}]" if self.subject else ""
        where = self.district.name if self.district_id else _("初始建议")
        return f"{where} · {self.get_key_display()}{subject} = {self.value.normalize():f}"


@pghistory.track(*tracked())
class GradeMatrixCell(VersionedModel):
    """Which grade a risk level and a credit level give together. Rows without a district are the project's
    starting proposal (fixtures/supervision_grade_matrix.csv); a district may set its own (on the page
    /supervision/districts/<code>/matrix/). Like a weight, a cell is in force from `effective_from` to
    `effective_to` (either open): grading on a date reads the cells in force then, so a cell changed from
    a date leaves earlier periods graded as they were; rows of one cell never overlap (trigger below)."""

    district = models.ForeignKey(
        Region,
        verbose_name=_("区县"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"level": Region.Level.DISTRICT},
        help_text=_("空：项目初始建议值"),
    )
    risk_level = models.CharField(_("风险等级"), max_length=8, choices=RiskLevel.choices)
    credit_level = models.CharField(_("信用等级"), max_length=8, choices=CreditLevel.choices)
    grade = models.CharField(_("监管等级"), max_length=1, choices=Grade.choices)
    note = models.CharField(_("说明"), max_length=255, blank=True)
    effective_from = models.DateField(_("生效日期"), null=True, blank=True, help_text=_("留空：一直有效"))
    effective_to = models.DateField(_("失效日期"), null=True, blank=True, help_text=_("留空：一直有效"))

    scope = Scope(district="district")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("分级矩阵")
        verbose_name_plural = _("分级矩阵")
        ordering = ["district__code", "risk_level", "credit_level", "effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "risk_level", "credit_level", "effective_from"],
                nulls_distinct=False,
                name="grade_matrix_unique_from",
                violation_error_message=_("该区县已有此风险、信用组合。"),
            ),
            models.CheckConstraint(
                condition=Q(effective_from__isnull=True)
                | Q(effective_to__isnull=True)
                | Q(effective_from__lte=F("effective_to")),
                name="grade_matrix_dates_ordered",
                violation_error_message=_("生效日期不能晚于失效日期。"),
            ),
            models.CheckConstraint(
                condition=Q(risk_level__in=RiskLevel.values)
                & Q(credit_level__in=CreditLevel.values)
                & Q(grade__in=Grade.values),
                name="grade_matrix_choices",
                violation_error_message=_("风险等级、信用等级或监管等级不在给定选项之内。"),
            ),
        ]
        triggers = [
            pgtrigger.Trigger(
                name="grade_matrix_no_overlap",
                operation=pgtrigger.Insert | pgtrigger.Update,
                when=pgtrigger.Before,
                func=(
                    "IF EXISTS (SELECT 1 FROM supervision_gradematrixcell c WHERE c.id <> NEW.id "
                    "AND c.district_id IS NOT DISTINCT FROM NEW.district_id "
                    "AND c.risk_level = NEW.risk_level AND c.credit_level = NEW.credit_level "
                    "AND daterange(c.effective_from, c.effective_to, '[]') && "
                    "daterange(NEW.effective_from, NEW.effective_to, '[]')) THEN "
                    "RAISE EXCEPTION 'grade matrix: the dates overlap another row of % × %', NEW.risk_level, "
                    "NEW.credit_level USING ERRCODE = 'exclusion_violation'; END IF; RETURN NEW;"
                ),
            ),
        ]

    def __str__(self):
        return f"{self.get_risk_level_display()} × {self.get_credit_level_display()} → {self.grade}"


class GradeRecord(models.Model):
    """A facility's risk + credit grade for one period (a calendar month), as computed at the period's end
    and kept: later changes to records or rules never rewrite it. `reasons` holds the lines that produced
    the points, so the grade page can say why a grade changed from one period to the next. Written only by
    supervision.services.grade_records_keep; never updated."""

    facility = models.ForeignKey(
        Facility, verbose_name=_("机构"), on_delete=models.CASCADE, related_name="grade_records"
    )
    period = models.DateField(_("期间"), help_text=_("月份（记为当月1日）"))
    as_of = models.DateField(_("计算日期"))
    grade = models.CharField(_("监管等级"), max_length=1, choices=Grade.choices)
    risk_level = models.CharField(_("风险等级"), max_length=8, choices=RiskLevel.choices)
    credit_level = models.CharField(_("信用等级"), max_length=8, choices=CreditLevel.choices)
    risk_points = models.DecimalField(_("风险分"), max_digits=8, decimal_places=2)
    credit_points = models.DecimalField(_("信用分"), max_digits=8, decimal_places=2)
    reasons = models.JSONField(_("计分依据"), default=list, blank=True)
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    scope = Scope(via="facility")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("监管等级记录")
        verbose_name_plural = _("监管等级记录")
        ordering = ["facility", "-period"]
        constraints = [
            choice_check("grade", Grade.choices, "grade_record_grade_choices"),
            choice_check("risk_level", RiskLevel.choices, "grade_record_risk_level_choices"),
            choice_check("credit_level", CreditLevel.choices, "grade_record_credit_level_choices"),
            models.UniqueConstraint(
                fields=["facility", "period"],
                name="grade_record_one_per_period",
                violation_error_message=_("该机构该期间已有等级记录。"),
            ),
            models.CheckConstraint(
                condition=Q(period__day=1),
                name="grade_record_period_is_month",
                violation_error_message=_("期间须为某月1日。"),
            ),
        ]

    def __str__(self):
        return f"{self.facility} {self.period:%Y-%m} {self.grade}"

    @property
    def reason_keys(self) -> set[str]:
        return {f"{r.get('part')}|{r.get('label')}|{r.get('detail')}" for r in self.reasons}


# ---------------------------------------------------------------- quality evaluation (frameworks as data)


@pghistory.track(*tracked())
class EvaluationFramework(VersionedModel):
    """One edition of an evaluation framework. A draft is edited freely; publishing freezes it (its
    dimensions, items, grade lines, points and veto grade can no longer change — also refused by database
    triggers), so every assessment made with it keeps its score. A change is a new edition, drafted from the
    last one (supervision.services.framework_draft_next) and published in its turn; the earlier edition is
    then retired: still frozen, still the one its assessments were made with, no longer offered."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")
        RETIRED = "retired", _("已停用（有新版本）")

    FROZEN = (Status.PUBLISHED, Status.RETIRED)

    key = models.SlugField(_("标识"), max_length=64, help_text=_("同一框架的各版本共用一个标识"))
    edition = models.PositiveSmallIntegerField(_("版本号"), default=1)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    published_on = models.DateField(_("发布日期"), null=True, blank=True)
    previous = models.ForeignKey(
        "self",
        verbose_name=_("上一版本"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    name = models.CharField(_("名称"), max_length=128)
    standard_code = models.CharField(_("标准编号"), max_length=64, blank=True)
    total_points = models.DecimalField(
        _("总分"), max_digits=8, decimal_places=2, null=True, blank=True, help_text=_("来源未给出时留空")
    )
    content_status = models.CharField(
        _("内容完整性"), max_length=128, blank=True, help_text=_("如：条目内容待补充")
    )
    veto_grade = models.CharField(
        _("否决后等级"),
        max_length=16,
        blank=True,
        help_text=_("否决项不达标时给出的等级；来源未规定时留空（显示为“一票否决”）"),
    )
    source = models.ForeignKey(
        SourceDocument, verbose_name=_("来源文件"), on_delete=models.PROTECT, null=True, blank=True
    )
    basis = models.TextField(_("依据说明"), blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("质量评估框架")
        verbose_name_plural = _("质量评估框架")
        ordering = ["name", "-edition"]
        constraints = [
            models.UniqueConstraint(
                fields=["key", "edition"],
                name="evaluation_framework_key_edition",
                violation_error_message=_("该框架已有此版本号。"),
            ),
            models.UniqueConstraint(
                fields=["key"],
                condition=Q(status="published"),
                name="evaluation_framework_one_published",
                violation_error_message=_("同一框架只能有一个已发布的版本。"),
            ),
            models.UniqueConstraint(
                fields=["key"],
                condition=Q(status="draft"),
                name="evaluation_framework_one_draft",
                violation_error_message=_("同一框架只能有一个草稿版本。"),
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_on__isnull=False),
                name="evaluation_framework_published_dated",
                violation_error_message=_("已发布的版本须有发布日期。"),
            ),
        ]

    def __str__(self):
        return f"{self.name}（{self.edition_label}）"

    @property
    def edition_label(self) -> str:
        return _("第%(n)s版") % {"n": self.edition}

    @property
    def is_frozen(self) -> bool:
        return self.status in self.FROZEN


class FrozenFrameworkPart(models.Model):
    """A part of a framework (dimension, item, grade line): refused once its edition is published, with a
    message; the database triggers (migration 0004) refuse it too, for writes that skip full_clean."""

    class Meta:
        abstract = True

    def framework_of(self) -> EvaluationFramework | None:
        raise NotImplementedError

    def clean(self):
        super().clean()
        framework = self.framework_of()
        if framework is not None and framework.is_frozen:
            raise ValidationError(_("“%(f)s”已发布，内容不能再修改；请起草新版本。") % {"f": framework})


@pghistory.track(*tracked())
class EvaluationDimension(FrozenFrameworkPart, Versioned):
    framework = models.ForeignKey(
        EvaluationFramework, verbose_name=_("评估框架"), on_delete=models.CASCADE, related_name="dimensions"
    )
    code = models.SlugField(_("代码"), max_length=32)
    name = models.CharField(_("维度"), max_length=64)
    points = models.DecimalField(
        _("分值"), max_digits=8, decimal_places=2, null=True, blank=True, help_text=_("来源未给出时留空")
    )
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("评估维度")
        verbose_name_plural = _("评估维度")
        ordering = ["framework", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "code"],
                name="evaluation_dimension_unique",
                violation_error_message=_("该框架已有此维度代码。"),
            ),
            models.CheckConstraint(
                condition=Q(points__gte=0),
                name="evaluation_dimension_points_non_negative",
                violation_error_message=_("分值不能为负数。"),
            ),
        ]

    def __str__(self):
        return self.name

    def framework_of(self):
        return self.framework if self.framework_id else None


@pghistory.track(*tracked())
class EvaluationItem(FrozenFrameworkPart, Versioned):
    dimension = models.ForeignKey(
        EvaluationDimension, verbose_name=_("评估维度"), on_delete=models.CASCADE, related_name="items"
    )
    code = models.SlugField(_("代码"), max_length=32)
    text = models.CharField(_("评估内容"), max_length=255)
    points = models.DecimalField(_("分值"), max_digits=8, decimal_places=2, null=True, blank=True)
    is_veto = models.BooleanField(_("否决项"), default=False, help_text=_("不达标时一票否决，不论总分"))
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("评估条目")
        verbose_name_plural = _("评估条目")
        ordering = ["dimension", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["dimension", "code"],
                name="evaluation_item_unique",
                violation_error_message=_("该维度已有此条目代码。"),
            ),
            models.CheckConstraint(
                condition=Q(points__gte=0),
                name="evaluation_item_points_non_negative",
                violation_error_message=_("分值不能为负数。"),
            ),
        ]

    def __str__(self):
        return self.text

    def framework_of(self):
        return self.dimension.framework if self.dimension_id else None


@pghistory.track(*tracked())
class GradeThreshold(FrozenFrameworkPart, Versioned):
    """The lowest total score for a grade. A null score means the line is not known (WS/T 821—2023's
    grade lines are not in the seeds): the evaluation then shows “未设定等级线” instead of a grade."""

    framework = models.ForeignKey(
        EvaluationFramework, verbose_name=_("评估框架"), on_delete=models.CASCADE, related_name="thresholds"
    )
    grade = models.CharField(_("等级"), max_length=16)
    min_score = models.DecimalField(_("最低总分"), max_digits=8, decimal_places=2, null=True, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0, help_text=_("从高到低"))
    basis = models.CharField(
        _("依据"), max_length=255, blank=True, help_text=_("分数线的出处；出处未给出分数线时写明")
    )

    class Meta:
        verbose_name = _("等级线")
        verbose_name_plural = _("等级线")
        ordering = ["framework", "sort_order"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "grade"],
                name="grade_threshold_unique",
                violation_error_message=_("该框架已有此等级。"),
            ),
            models.CheckConstraint(
                condition=Q(min_score__gte=0),
                name="grade_threshold_non_negative",
                violation_error_message=_("分数线不能为负数。"),
            ),
        ]

    def __str__(self):
        return f"{self.framework} {self.grade}"

    def framework_of(self):
        return self.framework if self.framework_id else None


class _EvaluationKind(models.TextChoices):
    SELF = "self", _("机构自评")
    OFFICIAL = "official", _("官方评估")


@pghistory.track(*tracked())
class Evaluation(VersionedModel):
    Kind = _EvaluationKind

    facility = models.ForeignKey(
        Facility, verbose_name=_("机构"), on_delete=models.CASCADE, related_name="evaluations"
    )
    framework = models.ForeignKey(
        EvaluationFramework, verbose_name=_("评估框架"), on_delete=models.PROTECT, related_name="evaluations"
    )
    kind = models.CharField(_("评估方式"), max_length=16, choices=Kind.choices)
    assessed_on = models.DateField(_("评估日期"))
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("评估人"), on_delete=models.PROTECT, related_name="+"
    )
    notes = models.TextField(_("说明"), blank=True)

    scope = Scope(via="facility")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("质量评估")
        verbose_name_plural = _("质量评估")
        ordering = ["-assessed_on", "-pk"]
        constraints = [
            choice_check("kind", _EvaluationKind.choices, "evaluation_kind_choices"),
        ]

    def __str__(self):
        return f"{self.facility} {self.framework} {self.get_kind_display()} {self.assessed_on:%Y-%m-%d}"


@pghistory.track(*tracked())
class EvaluationScore(Versioned):
    """A score for one item, or for one dimension when the framework has no items there (both seeded
    frameworks are dimensions only). `failed` marks a veto item (or dimension) as not met."""

    evaluation = models.ForeignKey(
        Evaluation, verbose_name=_("评估"), on_delete=models.CASCADE, related_name="scores"
    )
    dimension = models.ForeignKey(
        EvaluationDimension, verbose_name=_("评估维度"), on_delete=models.PROTECT, related_name="+"
    )
    item = models.ForeignKey(
        EvaluationItem, verbose_name=_("评估条目"), on_delete=models.PROTECT, null=True, blank=True
    )
    score = models.DecimalField(_("得分"), max_digits=8, decimal_places=2, null=True, blank=True)
    failed = models.BooleanField(_("未达标"), default=False)
    note = models.CharField(_("说明"), max_length=255, blank=True)

    scope = Scope(via="evaluation__facility")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("评估得分")
        verbose_name_plural = _("评估得分")
        ordering = ["evaluation", "dimension__sort_order", "item__sort_order"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "dimension"],
                condition=Q(item__isnull=True),
                name="evaluation_score_one_per_dimension",
                violation_error_message=_("该维度已有得分。"),
            ),
            models.UniqueConstraint(
                fields=["evaluation", "item"],
                condition=Q(item__isnull=False),
                name="evaluation_score_one_per_item",
                violation_error_message=_("该条目已有得分。"),
            ),
            models.CheckConstraint(
                condition=Q(score__gte=0),
                name="evaluation_score_non_negative",
                violation_error_message=_("得分不能为负数。"),
            ),
        ]

    def __str__(self):
        return f"{self.item or self.dimension}: {self.score}"


# ---------------------------------------------------------------- fee cap and events


@pghistory.track(*tracked())
class HouseholdIncome(VersionedModel):
    """A district's average monthly disposable income per household for a year, as an official enters it
    with its source (the fee cap uses the previous year's figure). Never assumed when missing."""

    district = models.ForeignKey(
        Region,
        verbose_name=_("区县"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": Region.Level.DISTRICT},
    )
    year = models.PositiveSmallIntegerField(_("年份"))
    amount = models.DecimalField(_("家庭月均可支配收入（元）"), max_digits=12, decimal_places=2)
    source_note = models.CharField(
        _("数据来源"), max_length=255, help_text=_("如：区统计局《2024年国民经济和社会发展统计公报》")
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), on_delete=models.PROTECT, related_name="+"
    )

    scope = Scope(district="district")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("家庭月均可支配收入")
        verbose_name_plural = _("家庭月均可支配收入")
        ordering = ["district__code", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "year"],
                name="household_income_one_per_year",
                violation_error_message=_("该区县该年份已有收入数据。"),
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="household_income_positive",
                violation_error_message=_("收入必须大于0。"),
            ),
        ]

    def __str__(self):
        return f"{self.district} {self.year}：{self.amount}"


@pghistory.track(*tracked())
class SupervisionEvent(VersionedModel):
    """A dated supervision milestone a document reports (e.g. Yubei's 医育结合联盟, March 2024)."""

    key = models.SlugField(_("标识"), max_length=64, unique=True)
    district = models.ForeignKey(
        Region, verbose_name=_("区县"), on_delete=models.PROTECT, related_name="supervision_events"
    )
    happened_on = models.DateField(_("日期"), help_text=_("只知月份时记为该月1日，原文期间见下"))
    period_text = models.CharField(_("原文期间"), max_length=64, blank=True)
    title = models.CharField(_("事项"), max_length=128)
    description = models.TextField(_("内容"), blank=True)
    quote = models.TextField(_("原文"), blank=True)
    source = models.ForeignKey(SourceDocument, verbose_name=_("来源文件"), on_delete=models.PROTECT)

    scope = Scope(district="district")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("监管大事记")
        verbose_name_plural = _("监管大事记")
        ordering = ["district__code", "-happened_on"]

    def __str__(self):
        return f"{self.district} {self.period_text or self.happened_on} {self.title}"
