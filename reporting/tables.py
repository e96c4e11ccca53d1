"""The report lists' tables (page and .xlsx export alike)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.formatting import ratio
from core.tables import Column, ObjectTable, choice_labels
from reporting.models import PeriodReport


class EnrolmentReportTable(ObjectTable):
    key = "enrolment"
    title = _("在托月报")

    def get_columns(self):
        return [
            Column(_("机构"), "text", 28, fields=("facility__name",)),
            Column(_("镇街"), "text", 14, fields=("facility__town__name",)),
            Column(_("月份"), "text", 10, fields=("month",), value=lambda m: f"{m:%Y-%m}"),
            Column(_("在托人数"), fields=("enrolled",)),
            Column(_("平均出勤人数"), "decimal", fields=("average_attendance",)),
            Column(_("空余托位"), fields=("vacant_places",)),
            Column(_("托位总数"), fields=("facility__total_slots",)),
            Column(
                _("托位使用率"),
                "percent",
                fields=("enrolled", "facility__total_slots"),
                value=ratio,
            ),
            Column(
                _("首次报送时间"), "text", 18, fields=("submitted_at",), value=lambda t: f"{t:%Y-%m-%d %H:%M}"
            ),
        ]

    def link(self, obj):
        return reverse("reporting:enrolment_report", args=[obj.pk])


class PeriodReportTable(ObjectTable):
    key = "periods"
    title = _("季度统计报表")

    def get_columns(self):
        return [
            Column(_("地区"), "text", 16, fields=("town__name", "district__name"), value=lambda t, d: t or d),
            Column(_("年度"), "year", fields=("year",)),
            Column(_("季度"), fields=("quarter",)),
            Column(_("版次"), fields=("revision",)),
            Column(
                _("状态"), "text", 12, fields=("status",), value=choice_labels(PeriodReport.Status.choices)
            ),
            Column(_("运营备案机构数"), fields=("facilities",)),
            Column(_("托位数"), fields=("slots",)),
            Column(_("普惠托位数"), fields=("inclusive_slots",)),
            Column(_("在托人数"), fields=("enrolled",)),
            Column(
                _("托位使用率"),
                "percent",
                fields=("enrolled", "reported_slots"),
                value=ratio,
            ),
        ]

    def link(self, obj):
        return reverse("reporting:period_report", args=[obj.pk])
