"""The registry's table (core.tables.ObjectTable): the columns of the registry export, declared once. Every
cell is read from plain fields, so an export of the whole registry streams tuples, no model instances."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.tables import Column, ObjectTable, choice_labels, or_none, yes_no
from facilities import selectors
from facilities.models import Facility


class FacilityTable(ObjectTable):
    key = "facilities"

    def get_title(self) -> str:
        return _("托育机构")

    def get_columns(self) -> list[Column]:
        yes_or_no = yes_no(_("是"), _("否"))
        flags = [(f"flag_{code}", str(label)) for code, label in selectors.Flag.LABELS.items()]
        labels = [label for _name, label in flags]

        understaffed = labels.index(str(selectors.Flag.LABELS[selectors.Flag.UNDERSTAFFED]))

        def raised(*values) -> str | None:
            # The flags, then the month of the report the caregiver ratio was judged on (None: declared).
            *on, month = values
            named = list(labels)
            named[understaffed] = selectors.understaffed_label(month)
            return "；".join(label for label, up in zip(named, on, strict=True) if up) or None

        kinds = choice_labels(Facility.Kind.choices)
        ownerships = choice_labels(Facility.Ownership.choices)
        return [
            Column(_("机构名称"), "text", 30, ("name",)),
            Column(_("区县"), "text", 10, ("district__name",)),
            Column(_("镇街"), "text", 12, ("town__name",)),
            Column(_("机构类型"), "text", 16, ("kind",), kinds),
            Column(_("举办性质"), "text", 12, ("ownership",), lambda code: ownerships(code) or None),
            Column(_("普惠机构"), "text", 8, ("is_inclusive",), yes_or_no),
            Column(_("托位总数"), "int", 10, ("total_slots",)),
            Column(_("普惠托位数"), "int", 10, ("inclusive_slots",)),
            Column(
                _("运营状态"),
                "text",
                10,
                ("operating_status",),
                choice_labels(Facility.OperatingStatus.choices),
            ),
            Column(
                _("备案状态"), "text", 10, ("filing_status",), choice_labels(Facility.FilingStatus.choices)
            ),
            Column(_("备案编号"), "text", 18, ("filing_number",), or_none),
            Column(_("备案日期"), "date", 12, ("filed_on",)),
            Column(_("托育费（元/月）"), "decimal", 12, ("monthly_fee",)),
            Column(_("膳食费（元/月）"), "decimal", 12, ("meal_fee",)),
            Column(_("地址"), "text", 30, ("address",), or_none),
            Column(_("对外咨询电话"), "text", 16, ("public_phone",), or_none),
            Column(_("合成数据"), "text", 8, ("is_synthetic",), yes_or_no),
            Column(_("提示"), "text", 30, (*(name for name, _label in flags), "ratio_report_month"), raised),
        ]
