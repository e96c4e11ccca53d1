import factory

from targets.models import PopulationStat, Region, ReportedFigure, SlotTarget, SourceDocument


class SourceDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SourceDocument

    key = factory.Sequence(lambda n: f"doc-{n}")
    issuer = "测试区卫生健康委员会"
    title = factory.Sequence(lambda n: f"测试文件{n}")
    status = SourceDocument.Status.FINAL


class CityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region

    code = factory.Sequence(lambda n: f"9{n:05d}")
    official_code = True
    name = factory.Sequence(lambda n: f"测试市{n}")
    level = Region.Level.CITY
    kind = Region.Kind.MUNICIPALITY


class DistrictFactory(CityFactory):
    name = factory.Sequence(lambda n: f"测试区{n}")
    level = Region.Level.DISTRICT
    kind = Region.Kind.DISTRICT
    parent = factory.SubFactory(CityFactory)


class TownFactory(CityFactory):
    code = factory.Sequence(lambda n: f"T{n:05d}")
    official_code = False
    name = factory.Sequence(lambda n: f"测试镇{n}")
    level = Region.Level.TOWN
    kind = Region.Kind.TOWN
    parent = factory.SubFactory(DistrictFactory)


class PopulationStatFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PopulationStat

    region = factory.SubFactory(DistrictFactory)
    year = 2024
    resident_population = 500_000
    source = factory.SubFactory(SourceDocumentFactory)


class ReportedFigureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReportedFigure

    key = factory.Sequence(lambda n: f"figure-{n}")
    region = factory.SubFactory(DistrictFactory)
    measure = ReportedFigure.Measure.SLOTS
    value = 100
    unit = ReportedFigure.Unit.SLOTS
    source = factory.SubFactory(SourceDocumentFactory)


class SlotTargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SlotTarget

    town = factory.SubFactory(TownFactory)
    year = 2025
    level = SlotTarget.Level.BASELINE
    total_slots = 100
    inclusive_slots = 30
    source = factory.SubFactory(SourceDocumentFactory)


# ---------------------------------------------------------------- registry

from django.contrib.auth import get_user_model  # noqa: E402

from facilities.models import (  # noqa: E402
    Certificate,
    ClassTypeRule,
    ClassUnit,
    Facility,
    RoleAssignment,
    StaffMember,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-for-tests-only")


def grant(user, role, *, region=None, facility=None):
    RoleAssignment.objects.create(user=user, role=role, region=region, facility=facility)
    if hasattr(user, "_tuoyu_roles"):
        del user._tuoyu_roles
    return user


class FacilityFactory(factory.django.DjangoModelFactory):
    """A facility in a town of an existing district; pass town= (a Region) from the seed."""

    class Meta:
        model = Facility

    name = factory.Sequence(lambda n: f"测试托育园{n}")
    kind = Facility.Kind.PRIVATE
    town = factory.SubFactory(TownFactory)
    district = factory.LazyAttribute(lambda o: o.town.parent)
    operating_status = Facility.OperatingStatus.OPERATING


def add_unit(facility, code="toddler", classes=2, children_per_class=15):
    unit = ClassUnit.objects.create(
        facility=facility,
        class_type=ClassTypeRule.objects.get(code=code),
        classes=classes,
        children_per_class=children_per_class,
    )
    facility.refresh_from_db()
    return unit


def add_staff(facility, role=StaffMember.Role.CAREGIVER, n=1, certified=False, **extra):
    made = []
    for i in range(n):
        extra.setdefault("name", f"员工{i}")
        member = StaffMember.objects.create(facility=facility, role=role, **extra)
        if certified:
            Certificate.objects.create(staff=member, kind=Certificate.Kind.NURSERY_TEACHER, number="X")
        made.append(member)
    return made
