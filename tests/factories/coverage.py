"""Communities and scenarios of the service circle (coverage)."""

import factory

from coverage.models import Community, Scenario, ScenarioSite
from tests.factories.targets import TownFactory


class CommunityFactory(factory.django.DjangoModelFactory):
    """A community of a town; pass town= (a Region). Without population, infants or a point unless given."""

    class Meta:
        model = Community

    code = factory.Sequence(lambda n: f"9{n:011d}")
    name = factory.Sequence(lambda n: f"测试社区{n}")
    town = factory.SubFactory(TownFactory)


class ScenarioFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Scenario

    name = factory.Sequence(lambda n: f"方案{n}")


class ScenarioSiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScenarioSite

    kind = ScenarioSite.Kind.NEW
    inclusive_slots = 10
