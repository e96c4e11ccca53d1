"""The grade matrix (risk level × credit level → A–D) on a portal page, not only in the admin: a district's
officials set their district's cells (the weights page's permission; other districts and operators get 404,
the project's proposal stays with superusers), now or from a date, with the history kept; a grade outside
A–D ("Z") is refused with a message and nothing is written; grading uses the change at once."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse

from core import history
from supervision import grading, services
from supervision.models import GradeMatrixCell

pytestmark = pytest.mark.django_db


def url(district):
    return reverse("supervision:grade_matrix", args=[district.code])


def cell(district, risk="low", credit="good"):
    return GradeMatrixCell.objects.filter(district=district, risk_level=risk, credit_level=credit)


class TestADistrictOfficial:
    def test_sets_a_cell_and_grading_uses_it_at_once(self, client_as, daxing, facility_a, today):
        assert grading.grade_one(facility_a, today).grade == "A"  # low risk, good credit: the proposal
        client = client_as("daxing_official")
        response = client.post(
            url(daxing), {"risk_level": "low", "credit_level": "good", "grade": "B", "note": "区卫健委会议"}
        )
        assert response.status_code == 302
        assert grading.grade_one(facility_a, today).grade == "B"
        assert GradeMatrixCell.objects.get(district=None, risk_level="low", credit_level="good").grade == "A"
        page = client.get(url(daxing)).content.decode()
        assert 'id="matrix-own"' in page and "区卫健委会议" in page

    def test_keeps_each_change_in_the_history(self, client_as, users, daxing):
        client = client_as("daxing_official")
        client.post(url(daxing), {"risk_level": "high", "credit_level": "poor", "grade": "C"})
        client.post(url(daxing), {"risk_level": "high", "credit_level": "poor", "grade": "D"})
        row = cell(daxing, "high", "poor").get()
        assert (row.grade, row.version) == ("D", 2)
        kept = history.page(
            [history.Source(GradeMatrixCell, {"district_id": daxing.pk})], None, reader=users["superuser"]
        )
        assert kept.paginator.count == 2  # the first value and the change, each with who and when
        assert 'id="history"' in client.get(url(daxing)).content.decode()

    def test_a_cell_changed_from_a_date_leaves_earlier_periods_alone(self, client_as, daxing, today):
        start = today - datetime.timedelta(days=30)
        client = client_as("daxing_official")
        client.post(url(daxing), {"risk_level": "medium", "credit_level": "good", "grade": "C"})
        response = client.post(
            url(daxing),
            {
                "risk_level": "medium",
                "credit_level": "good",
                "grade": "A",
                "effective_from": start.isoformat(),
            },
        )
        assert response.status_code == 302
        rows = [
            (r.grade, r.effective_from, r.effective_to)
            for r in cell(daxing, "medium", "good").order_by(F("effective_from").asc(nulls_first=True))
        ]
        assert rows == [("C", None, start - datetime.timedelta(days=1)), ("A", start, None)]
        before = grading.load_rules(daxing.pk, start - datetime.timedelta(days=1))
        assert before.grade_for("medium", "good") == "C"
        assert grading.load_rules(daxing.pk, start).grade_for("medium", "good") == "A"

    def test_overlapping_rows_are_refused_by_the_database(self, daxing):
        GradeMatrixCell.objects.create(district=daxing, risk_level="low", credit_level="fair", grade="B")
        with pytest.raises(IntegrityError, match="overlap"), transaction.atomic():
            GradeMatrixCell.objects.create(
                district=daxing,
                risk_level="low",
                credit_level="fair",
                grade="C",
                effective_from=datetime.date(2026, 1, 1),
            )


class TestChoices:
    def test_a_grade_outside_a_to_d_is_refused_on_the_page(self, client_as, daxing):
        response = client_as("daxing_official").post(
            url(daxing), {"risk_level": "low", "credit_level": "good", "grade": "Z"}
        )
        assert response.status_code == 200
        assert response.context["form"].errors["grade"]
        assert not cell(daxing).exists()

    @pytest.mark.parametrize(
        ("field", "value"), [("grade", "Z"), ("risk_level", "Z"), ("credit_level", "excellent")]
    )
    def test_the_service_refuses_a_value_outside_its_choices(self, users, daxing, field, value):
        given = {"risk_level": "low", "credit_level": "good", "grade": "B"} | {field: value}
        with pytest.raises(services.RegistryError) as refused:
            services.grade_matrix_set(user=users["daxing_official"], district=daxing, **given)
        assert field in refused.value.errors
        assert not GradeMatrixCell.objects.filter(district=daxing).exists()


class TestWhoMay:
    @pytest.mark.parametrize("role", ["operator_a", "town1_official", "yubei_official"])
    def test_others_get_404_and_write_nothing(self, client_as, daxing, role):
        client = client_as(role)
        assert client.get(url(daxing)).status_code == 404
        assert (
            client.post(url(daxing), {"risk_level": "low", "credit_level": "good", "grade": "D"}).status_code
            == 404
        )
        assert not cell(daxing).exists()

    def test_another_districts_official_cannot_use_the_service(self, users, daxing):
        with pytest.raises(services.NotAllowed):
            services.grade_matrix_set(
                user=users["yubei_official"],
                district=daxing,
                risk_level="low",
                credit_level="good",
                grade="D",
            )

    def test_the_weights_page_links_to_the_matrix(self, client_as, daxing):
        page = client_as("daxing_official").get(reverse("supervision:weights", args=[daxing.code]))
        assert url(daxing) in page.content.decode()
