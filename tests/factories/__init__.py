"""factory_boy factories, one module per app; import them from here (`from tests.factories import ...`)."""

from tests.factories.facilities import (
    FILED_ON,
    CertificateFactory,
    FacilityFactory,
    StaffMemberFactory,
    add_staff,
    add_unit,
    filed_facility,
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
    "ApplicationFactory",
    "CertificateFactory",
    "CityFactory",
    "DistrictFactory",
    "FacilityFactory",
    "FindingFactory",
    "FundFactory",
    "InspectionFactory",
    "PopulationStatFactory",
    "ProgramFactory",
    "ReportedFigureFactory",
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
    "valid_credit_code",
    "valid_id_number",
]
