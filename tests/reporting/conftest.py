import datetime
from decimal import Decimal

import pytest

from facilities.models import ClassTypeRule
from reporting import services
from reporting.services import LineInput

QUARTER = (2025, 2)  # a closed quarter: April–June 2025
JUNE = datetime.date(2025, 6, 1)


def line(code="toddler", enrolled=24, attendance=None, vacant=6):
    """One class type's figures; attendance defaults to 80 % of the enrolled."""
    attendance = Decimal(enrolled * 8) / 10 if attendance is None else Decimal(attendance)
    return LineInput(
        class_type=ClassTypeRule.objects.get(code=code),
        enrolled=enrolled,
        average_attendance=attendance,
        vacant_places=vacant,
    )


@pytest.fixture
def report_month():
    """report_month(user, facility, month, **line) files a one-line enrolment report."""

    def make(user, facility, month=JUNE, **kwargs):
        return services.enrolment_report_save(
            user=user, facility=facility, month=month, lines=[line(**kwargs)]
        )

    return make
