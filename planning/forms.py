import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from facilities.forms import BootstrapMixin, DateInput
from targets.models import SlotTarget


class PlanForm(BootstrapMixin, forms.Form):
    """Which target (year and level) and which as-of date a dashboard shows."""

    plan = forms.ChoiceField(label=_("目标"))
    as_of = forms.DateField(label=_("统计截至"), widget=DateInput, required=False)

    def __init__(self, *args, plans: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].choices = [
            (
                f"{year}:{level}",
                _("%(year)s年%(level)s") % {"year": year, "level": SlotTarget.Level(level).label},
            )
            for year, level in plans
        ]

    def selection(self, plans, today: datetime.date) -> tuple[int, str, datetime.date]:
        """The chosen plan (default: the latest) and date (default: today)."""
        year, level = plans[-1] if plans else (today.year, SlotTarget.Level.PLAN)
        as_of = today
        if self.is_bound and self.is_valid():
            chosen_year, chosen_level = self.cleaned_data["plan"].split(":")
            year, level = int(chosen_year), chosen_level
            as_of = self.cleaned_data["as_of"] or today
        return year, level, as_of


class DemandForm(BootstrapMixin, forms.Form):
    enrolment_wish_percent = forms.DecimalField(
        label=_("入托意愿率（%）"), min_value=0, max_value=100, decimal_places=2, max_digits=5
    )
    note = forms.CharField(label=_("依据"), max_length=255, required=False)
