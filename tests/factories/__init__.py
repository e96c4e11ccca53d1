"""factory_boy factories, one module per app; import them from here (`from tests.factories import ...`)."""

from tests.factories.coverage import CommunityFactory, ScenarioFactory, ScenarioSiteFactory
from tests.factories.facilities import (
    FILED_ON,
    MINIMAL_PDF,
    CertificateFactory,
    FacilityFactory,
    StaffMemberFactory,
    add_staff,
    add_unit,
    filed_facility,
    provide_materials,
    valid_credit_code,
    valid_id_number,
)
from tests.factories.subsidies import ApplicationFactory, FundFactory, ProgramFactory
from tests.factories.supervision import FindingFactory, InspectionFactory, days_ago
from tests.factories.targets import (
    CityFactory,
    DistrictFactory,
    PopulationStatFactory,
    ReportedFigureFactory,
    SlotTargetFactory,
    SourceDocumentFactory,
    TownFactory,
)
from tests.factories.users import UserFactory, grant

__all__ = [
    "FILED_ON",
    "MINIMAL_PDF",
    "ApplicationFactory",
    "CertificateFactory",
    "CityFactory",
    "CommunityFactory",
    "DistrictFactory",
    "FacilityFactory",
    "FindingFactory",
    "FundFactory",
    "InspectionFactory",
    "PopulationStatFactory",
    "ProgramFactory",
    "ReportedFigureFactory",
    "ScenarioFactory",
    "ScenarioSiteFactory",
    "SlotTargetFactory",
    "SourceDocumentFactory",
    "StaffMemberFactory",
    "TownFactory",
    "UserFactory",
    "add_staff",
    "add_unit",
    "days_ago",
    "filed_facility",
    "grant",
    "provide_materials",
    "valid_credit_code",
    "valid_id_number",
]
