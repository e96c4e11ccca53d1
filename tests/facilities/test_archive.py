"""Registry records are never deleted. A draft that will not be filed is archived: it leaves the registry,
the pages and the statistics of everyone who works with it, and superusers still read it with its history.
The database refuses a DELETE of any facility that is not synthetic demo or benchmark data."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from facilities import services
from facilities.models import Facility
from facilities.synthetic import delete_synthetic
from tests.factories import FacilityFactory

pytestmark = pytest.mark.django_db


def archive(client, facility):
    return client.post(reverse("registry:archive", args=[facility.pk]))


def test_an_operator_archives_their_draft_and_it_leaves_the_registry(client_as, facility_a):
    operator = client_as("operator_a")
    response = archive(operator, facility_a)
    assert response.status_code == 302 and response["Location"] == reverse("registry:list")
    facility_a.refresh_from_db()
    assert facility_a.archived_at is not None and facility_a.archived_by.username == "operator_a"
    assert facility_a.version == 2
    assert operator.get(reverse("registry:detail", args=[facility_a.pk])).status_code == 404
    official = client_as("daxing_official")
    assert official.get(reverse("registry:detail", args=[facility_a.pk])).status_code == 404
    assert "甲托育园" not in official.get(reverse("registry:list")).content.decode()
    assert not Facility.objects.official().filter(pk=facility_a.pk).exists()


def test_a_superuser_still_reads_an_archived_facility_and_its_history(client_as, facility_a):
    archive(client_as("operator_a"), facility_a)
    page = client_as("superuser").get(reverse("registry:detail", args=[facility_a.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="archived-badge"' in html and "operator_a" in html
    assert "变更记录" in html and "归档时间" in html  # the archiving is a row of the history
    assert 'id="archive-draft"' not in html and reverse("registry:edit", args=[facility_a.pk]) not in html


def test_only_unfiled_drafts_are_archived(client_as, town1):
    filed = FacilityFactory(town=town1, name="已备案园", filed=True)
    response = archive(client_as("daxing_official"), filed)
    assert response.status_code == 302
    filed.refresh_from_db()
    assert filed.archived_at is None and filed.version == 1
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["只有未备案的草稿可以归档；已提交或已备案的机构请办理关停。"]


def test_others_cannot_archive_and_an_archived_draft_is_not_edited_or_submitted(
    client_as, facility_a, operator_a, superuser
):
    assert archive(client_as("operator_b"), facility_a).status_code == 404
    assert archive(client_as("town1_official"), facility_a).status_code == 404
    facility_a.refresh_from_db()
    assert facility_a.archived_at is None
    services.facility_archive(user=operator_a, facility=facility_a)
    facility_a.refresh_from_db()
    with pytest.raises(services.RegistryError, match="无权"):  # out of the operator's scope now
        services.filing_submit(user=operator_a, facility=facility_a)
    with pytest.raises(services.RegistryError, match="该机构已归档，不能提交备案。"):
        services.filing_submit(user=superuser, facility=facility_a)


def test_the_database_refuses_to_delete_a_facility(facility_a):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM facilities_facility WHERE id = %s", [facility_a.pk])
    with pytest.raises(DatabaseError), transaction.atomic():
        Facility.objects.filter(pk=facility_a.pk).delete()
    assert Facility.objects.filter(pk=facility_a.pk).exists()


def test_synthetic_facilities_are_still_deleted_by_their_command(town1, facility_a):
    FacilityFactory(town=town1, name="合成园", is_synthetic=True, units=[("toddler", 1, 15)])
    assert delete_synthetic() == 1
    assert Facility.objects.filter(pk=facility_a.pk).exists()
