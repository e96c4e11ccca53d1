"""Places, documents, figures and targets (the seed already holds Daxing and Yubei: pass those in)."""

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


class SourcedFactory(factory.django.DjangoModelFactory):
    """A figure, as a document states it."""

    class Meta:
        abstract = True

    source = factory.SubFactory(SourceDocumentFactory)


class PopulationStatFactory(SourcedFactory):
    class Meta:
        model = PopulationStat

    region = factory.SubFactory(DistrictFactory)
    year = 2024
    resident_population = 500_000


class ReportedFigureFactory(SourcedFactory):
    class Meta:
        model = ReportedFigure

    key = factory.Sequence(lambda n: f"figure-{n}")
    region = factory.SubFactory(DistrictFactory)
    measure = ReportedFigure.Measure.SLOTS
    value = 100
    unit = ReportedFigure.Unit.SLOTS


class SlotTargetFactory(SourcedFactory):
    class Meta:
        model = SlotTarget

    town = factory.SubFactory(TownFactory)
    year = 2025
    level = SlotTarget.Level.BASELINE
    total_slots = 100
    inclusive_slots = 30
