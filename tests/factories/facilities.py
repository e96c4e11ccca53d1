"""The registry: facilities with traits for their filing and operating states, their class units and staff.

    FacilityFactory(town=town1, name="甲托育园", filed=True, inclusive=True, units=[("toddler", 2, 15)],
                    inclusive_slots=20)

Capacity comes from class units (the database computes total_slots from them), so `units` are added after
the facility and `inclusive_slots` is written last, once the total it must not exceed exists."""

import datetime
from decimal import Decimal

import factory

from core.identifiers import credit_code_check_character, id_number_check_character
from facilities.models import Certificate, ClassTypeRule, ClassUnit, Facility, StaffMember
from tests.factories.targets import TownFactory

FILED_ON = datetime.date(2025, 1, 1)


def valid_id_number(
    sequence: int = 1, region: str = "110115", born: datetime.date = datetime.date(1990, 1, 1)
) -> str:
    """A resident ID number with a correct GB 11643 check character: region, birth date, a 3-digit sequence
    (sequences beyond 999 move the birth date on by a day per thousand)."""
    born += datetime.timedelta(days=sequence // 1000)
    first17 = f"{region}{born:%Y%m%d}{sequence % 1000:03d}"
    return first17 + id_number_check_character(first17)


def valid_credit_code(
    sequence: int = 1, authority: str = "9", category: str = "1", region: str = "110115"
) -> str:
    """A unified social credit code with a correct GB 32100 check character (a company, "91", by default;
    "52" for a 民办非企业单位, "12" for a 事业单位)."""
    first17 = f"{authority}{category}{region}MA{sequence:07d}"
    return first17 + credit_code_check_character(first17)


class FacilityFactory(factory.django.DjangoModelFactory):
    """A facility in a town of an existing district; pass town= (a Region) from the seed. Without traits:
    a private draft, operating, with no class units."""

    class Meta:
        model = Facility
        skip_postgeneration_save = True  # a second save would bump the facility's version

    class Params:
        draft = factory.Trait(filing_status=Facility.FilingStatus.DRAFT)
        submitted = factory.Trait(filing_status=Facility.FilingStatus.SUBMITTED)
        returned = factory.Trait(filing_status=Facility.FilingStatus.RETURNED)
        filed = factory.Trait(
            filing_status=Facility.FilingStatus.FILED,
            filing_number=factory.LazyAttribute(lambda o: f"T-{o.name}"),
            filed_on=FILED_ON,
        )
        operating = factory.Trait(operating_status=Facility.OperatingStatus.OPERATING)
        suspended = factory.Trait(operating_status=Facility.OperatingStatus.SUSPENDED)
        closed = factory.Trait(operating_status=Facility.OperatingStatus.CLOSED)
        under_construction = factory.Trait(operating_status=Facility.OperatingStatus.UNDER_CONSTRUCTION)
        inclusive = factory.Trait(is_inclusive=True)
        # What the public directory shows of a filed facility: a phone number and a fee.
        listed = factory.Trait(public_phone="010-1234567", monthly_fee=2000)

    name = factory.Sequence(lambda n: f"测试托育园{n}")
    kind = Facility.Kind.PRIVATE
    town = factory.SubFactory(TownFactory)
    district = factory.LazyAttribute(lambda o: o.town.parent)
    operating_status = Facility.OperatingStatus.OPERATING

    @factory.post_generation
    def units(obj, create, extracted, **kwargs):
        """units=[(class type code, classes, children per class), ...]"""
        for code, classes, size in extracted or ():
            add_unit(obj, code, classes, size)

    @factory.post_generation
    def inclusive_slots(obj, create, extracted, **kwargs):
        if extracted:
            Facility.objects.filter(pk=obj.pk).update(inclusive_slots=extracted)
            obj.refresh_from_db()


def filed_facility(town, name, **extra):
    """The tests' usual facility A or B: filed, operating and inclusive, with what the directory, a rent
    subsidy and supervision need (a phone and a fee, 300 ㎡, 25 children) and two toddler classes of 15, 20
    of whose 30 slots are inclusive. Anything in `extra` overrides."""
    values = {
        "filed": True,
        "operating": True,
        "inclusive": True,
        "listed": True,
        "indoor_area_m2": Decimal("300.00"),
        "enrolled_children": 25,
        "units": [("toddler", 2, 15)],
        "inclusive_slots": 20,
    }
    values.update(extra)
    return FacilityFactory(town=town, name=name, **values)


def add_unit(facility, code="toddler", classes=2, children_per_class=15):
    unit = ClassUnit.objects.create(
        facility=facility,
        class_type=ClassTypeRule.objects.get(code=code),
        classes=classes,
        children_per_class=children_per_class,
    )
    facility.refresh_from_db()
    return unit


class StaffMemberFactory(factory.django.DjangoModelFactory):
    """A caregiver on the staff; `certified` gives them a 保育师 certificate."""

    class Meta:
        model = StaffMember
        skip_postgeneration_save = True

    class Params:
        head = factory.Trait(role=StaffMember.Role.HEAD)
        health_care = factory.Trait(role=StaffMember.Role.HEALTH_CARE)
        part_time = factory.Trait(employment=StaffMember.Employment.PART_TIME)
        left = factory.Trait(
            hired_on=datetime.date(2024, 1, 1), left_on=factory.LazyFunction(datetime.date.today)
        )

    facility = factory.SubFactory(FacilityFactory)
    role = StaffMember.Role.CAREGIVER
    name = factory.Sequence(lambda n: f"员工{n}")
    id_number = factory.Sequence(valid_id_number)

    @factory.post_generation
    def certified(obj, create, extracted, **kwargs):
        if extracted:
            Certificate.objects.create(staff=obj, kind=Certificate.Kind.NURSERY_TEACHER, number="X")


class CertificateFactory(factory.django.DjangoModelFactory):
    """A 保育师 certificate of a caregiver, without expiry; `health=True` makes it a 健康证 issued a month ago
    (so valid for eleven more months); `expired=True` one that ran out yesterday."""

    class Meta:
        model = Certificate

    class Params:
        health = factory.Trait(
            kind=Certificate.Kind.HEALTH,
            issued_on=factory.LazyFunction(lambda: datetime.date.today() - datetime.timedelta(days=30)),
        )
        expired = factory.Trait(
            issued_on=factory.LazyFunction(lambda: datetime.date.today() - datetime.timedelta(days=400)),
            expires_on=factory.LazyFunction(lambda: datetime.date.today() - datetime.timedelta(days=1)),
        )

    staff = factory.SubFactory(StaffMemberFactory)
    kind = Certificate.Kind.NURSERY_TEACHER
    number = factory.Sequence(lambda n: f"C-{n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        certificate = model_class(*args, **kwargs)
        certificate.full_clean()  # the model's own rules (a 健康证's default expiry)
        certificate.save()
        return certificate


def add_staff(facility, role=StaffMember.Role.CAREGIVER, n=1, certified=False, **extra):
    """n staff members of one role (all named 员工0 unless name= says otherwise)."""
    made = []
    for i in range(n):
        extra.setdefault("name", f"员工{i}")
        made.append(StaffMemberFactory(facility=facility, role=role, certified=certified, **extra))
    return made


# A real, minimal PDF (header, one empty page, trailer): what the filing materials' upload check accepts.
MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def provide_materials(facility, user=None, items=None):
    """Every required filing material of `facility` (or `items`) ticked and given a small PDF file, as an
    operator's uploads would leave them (written directly: a factory, not the upload workflow)."""
    import hashlib

    from django.core.files.base import ContentFile

    from facilities.documents import required_items
    from facilities.models import ChecklistItem, MaterialFile
    from facilities.services import ensure_checklist
    from tests.factories.users import UserFactory

    ensure_checklist(facility)
    items = list(items or required_items(facility))
    ChecklistItem.objects.filter(facility=facility, item__in=items).update(provided=True, reference="材料-1")
    user = user or facility.created_by or UserFactory()
    for item in items:
        if MaterialFile.objects.filter(facility=facility, item=item, replaced_at__isnull=True).exists():
            continue
        material = MaterialFile(
            facility=facility,
            item=item,
            original_name=f"{item}.pdf",
            content_type="application/pdf",
            size=len(MINIMAL_PDF),
            sha256=hashlib.sha256(MINIMAL_PDF).hexdigest(),
            uploaded_by=user,
        )
        material.file.save(f"{item}.pdf", ContentFile(MINIMAL_PDF), save=False)
        material.save()
