"""Small helpers for the supervision pages: the section tabs (shown by role, through core.access)
and the badges that make severity, status and overdue findings stand out the same way everywhere."""

from django import template
from django.utils.translation import gettext as _

from core import access
from core.access import Role

register = template.Library()

SEVERITY_CLASSES = {
    "serious": "text-bg-danger",
    "general": "text-bg-warning",
    "minor": "text-bg-light border",
}
STATUS_CLASSES = {
    "open": "text-bg-secondary",
    "submitted": "text-bg-info",
    "verified": "text-bg-success",
    "reopened": "text-bg-warning",
}
GRADE_CLASSES = {"A": "text-bg-success", "B": "text-bg-info", "C": "text-bg-warning", "D": "text-bg-danger"}


@register.inclusion_tag("supervision/_nav.html", takes_context=True)
def supervision_nav(context, active=""):
    user = context["request"].user
    official = access.unrestricted(user) or access.has_role(
        user, Role.DISTRICT_OFFICIAL, Role.API_CLIENT, Role.TOWN_OFFICIAL
    )
    return {"active": active, "official": official}


@register.filter
def severity_class(code):
    return SEVERITY_CLASSES.get(code, "text-bg-light")


@register.filter
def status_class(code):
    return STATUS_CLASSES.get(code, "text-bg-light")


@register.filter
def grade_class(letter):
    return GRADE_CLASSES.get(letter, "text-bg-light")


@register.filter
def days_since(day, today):
    """Whole days from `day` to `today` (for “逾期 N 天”)."""
    if not day or not today:
        return ""
    return (today - day).days


@register.simple_tag
def overdue_label(finding, today):
    if finding.is_overdue(today):
        return _("逾期 %(n)s 天") % {"n": (today - finding.deadline).days}
    return ""


@register.filter
def points(value):
    """A Decimal without trailing zeros (30.00 → 30, 2.50 → 2.5); unknown as an em dash."""
    if value is None or value == "":
        return "—"
    text = f"{value.normalize():f}" if hasattr(value, "normalize") else str(value)
    return text
