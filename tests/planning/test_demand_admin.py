"""The demand admin saves through planning.services.demand_set, like the dashboard's form."""

from decimal import Decimal

import pytest
from django.urls import reverse

from planning import services
from planning.models import DemandAssumption

pytestmark = pytest.mark.django_db


@pytest.fixture
def calls(monkeypatch):
    seen = []
    real = services.demand_set

    def watched(**kwargs):
        seen.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr("planning.admin.demand_set", watched)
    return seen


def test_adding_and_changing_go_through_the_service(client, superuser, daxing, yubei, calls):
    client.force_login(superuser)
    DemandAssumption.objects.filter(district__in=[daxing, yubei]).delete()
    response = client.post(
        reverse("admin:planning_demandassumption_add"),
        {"district": daxing.pk, "enrolment_wish_percent": "35.5", "note": "调查"},
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    row = DemandAssumption.objects.get(district=daxing)
    assert (row.enrolment_wish_percent, row.note, row.updated_by) == (Decimal("35.50"), "调查", superuser)
    assert response["Location"] == reverse("admin:planning_demandassumption_changelist")

    # moving the row to another district keeps it one row, as the admin's own save did
    response = client.post(
        reverse("admin:planning_demandassumption_change", args=[row.pk]),
        {"district": yubei.pk, "enrolment_wish_percent": "40", "note": ""},
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert list(
        DemandAssumption.objects.filter(district__in=[daxing, yubei]).values_list("pk", "district")
    ) == [(row.pk, yubei.pk)]
    assert [call["district"] for call in calls] == [daxing, yubei]
    assert calls[1]["assumption"].pk == row.pk
