"""Inspections and findings, made through supervision.services (so each finding has its history row, as in
real use): pass `user`, an official of the inspection's district (or a superuser)."""

import datetime

import factory
from django.utils import timezone

from supervision import services
from supervision.models import Department, Finding, Inspection


def days_ago(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=n)


class InspectionFactory(factory.django.DjangoModelFactory):
    """A joint inspection 60 days ago by health and fire, of `facilities` (in the district of the first)."""

    class Meta:
        model = Inspection

    class Params:
        routine = factory.Trait(kind=Inspection.Kind.ROUTINE)
        special = factory.Trait(kind=Inspection.Kind.SPECIAL)
        part_time_team = factory.Trait(kind=Inspection.Kind.PART_TIME_TEAM)

    user = None  # not a field: who records it (read by _create)
    facilities = ()
    district = factory.LazyAttribute(lambda o: o.facilities[0].district)
    inspected_on = factory.LazyFunction(lambda: days_ago(60))
    kind = Inspection.Kind.JOINT
    departments = factory.LazyFunction(lambda: list(Department.objects.filter(code__in=["health", "fire"])))

    @classmethod
    def _create(cls, model_class, *, user, facilities, **kwargs):
        return services.inspection_create(user=user, facilities=list(facilities), **kwargs)


class FindingFactory(factory.django.DjangoModelFactory):
    """A general fire-safety finding due in a month (not overdue unless `overdue`)."""

    class Meta:
        model = Finding

    class Params:
        overdue = factory.Trait(deadline=factory.LazyFunction(lambda: days_ago(10)))
        serious = factory.Trait(severity=Finding.Severity.SERIOUS)

    user = None  # not a field: who registers it (read by _create)
    inspection = None
    facility = None
    category = Finding.Category.FIRE_SAFETY
    severity = Finding.Severity.GENERAL
    description = "疏散通道堆放杂物"
    deadline = factory.LazyFunction(lambda: days_ago(-30))
    legal_basis = "托育机构管理规范（试行）"

    @classmethod
    def _create(cls, model_class, *, user, **kwargs):
        return services.finding_create(user=user, **kwargs)
