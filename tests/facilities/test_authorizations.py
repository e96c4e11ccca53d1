"""The filing regime as dated data on the facility (facilities.Authorization): approving a filing opens a
record, closing the facility cancels it with the day and the reason (注销备案), filing again opens a new one;
the database holds at most one open record per facility and regime and a number once per regime. The data
migration gives every facility filed before the records its record from its own fields, never guessing."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from facilities import services
from facilities.models import Authorization, Facility, StatusChange
from tests.facilities.conftest import complete_checklist
from tests.factories import FacilityFactory, filed_facility

pytestmark = pytest.mark.django_db

FILING = Authorization.Regime.FILING


def filed_through_the_workflow(facility, operator, official, on=None):
    complete_checklist(facility)
    services.filing_submit(user=operator, facility=facility)
    return services.filing_approve(user=official, facility=facility, on=on, confirm_flags=True)


def close(facility, official, on, reason="举办者停止办托"):
    facility.refresh_from_db()
    return services.operating_status_change(
        user=official,
        facility=facility,
        to_status=Facility.OperatingStatus.CLOSED,
        effective_on=on,
        reason=reason,
        children_placement="在托婴幼儿均已由家长接回",
        placements=[services.PlacementInput(destination="home", children=facility.enrolled_children)]
        if facility.enrolled_children
        else [],
    )


class TestLifecycle:
    def test_approving_a_filing_opens_its_record(self, operator_a, daxing_official, facility_a, daxing):
        on = timezone.localdate()
        facility = filed_through_the_workflow(facility_a, operator_a, daxing_official, on=on)
        record = Authorization.objects.get(facility=facility)
        assert record.regime == FILING and record.is_open
        assert record.number == facility.filing_number and record.number.startswith(f"{daxing.code}-")
        assert record.authority == daxing and record.granted_on == on == facility.filed_on

    def test_closing_cancels_the_record_with_the_day_and_the_reason(
        self, operator_a, daxing_official, facility_a
    ):
        filed_on = timezone.localdate() - datetime.timedelta(days=30)
        facility = filed_through_the_workflow(facility_a, operator_a, daxing_official, on=filed_on)
        closing = timezone.localdate()
        close(facility, daxing_official, closing, reason="场地到期不再续租")
        record = Authorization.objects.get(facility=facility)
        assert record.cancelled_on == closing and record.cancel_reason == "场地到期不再续租"
        facility.refresh_from_db()
        assert facility.filing_status == Facility.FilingStatus.CANCELLED
        assert facility.filing_cancelled_on == closing and facility.filing_number == record.number

    def test_a_closing_day_before_the_filing_is_refused_and_nothing_changes(
        self, operator_a, daxing_official, facility_a
    ):
        filed_on = timezone.localdate()
        facility = filed_through_the_workflow(facility_a, operator_a, daxing_official, on=filed_on)
        with pytest.raises(services.RegistryError) as refused:
            close(facility, daxing_official, filed_on - datetime.timedelta(days=1))
        assert "effective_on" in refused.value.errors
        assert Authorization.objects.get(facility=facility).is_open
        facility.refresh_from_db()
        assert facility.operating_status == Facility.OperatingStatus.OPERATING

    def test_filing_again_after_a_cancellation_opens_a_new_record_and_keeps_the_old(
        self, operator_a, daxing_official, facility_a, daxing
    ):
        # The facility's earlier filing was cancelled (注销备案); its new filing is a new record.
        earlier = Authorization.objects.create(
            facility=facility_a,
            number="110115-2023-0007",
            authority=daxing,
            granted_on=datetime.date(2023, 3, 1),
            cancelled_on=datetime.date(2024, 6, 30),
            cancel_reason="原场地拆迁",
        )
        facility = filed_through_the_workflow(facility_a, operator_a, daxing_official)
        records = list(Authorization.objects.filter(facility=facility).order_by("granted_on"))
        assert len(records) == 2 and records[0].pk == earlier.pk
        earlier.refresh_from_db()
        assert earlier.cancelled_on == datetime.date(2024, 6, 30) and earlier.cancel_reason == "原场地拆迁"
        assert records[1].is_open and records[1].number == facility.filing_number != earlier.number
        assert facility.filing_cancelled_on is None

    def test_a_facility_filed_before_the_records_gets_its_record_when_closed(self, daxing_official, town1):
        facility = filed_facility(town1, "老备案托育园", filing_number="110115-2022-0001")
        assert not Authorization.objects.filter(facility=facility).exists()
        close(facility, daxing_official, timezone.localdate())
        record = Authorization.objects.get(facility=facility)
        assert record.number == "110115-2022-0001" and record.granted_on == facility.filed_on
        assert record.cancelled_on == timezone.localdate()


class TestConstraints:
    def test_the_database_refuses_a_second_open_record_of_a_regime(self, facility_a, daxing):
        Authorization.objects.create(
            facility=facility_a, number="110115-2026-0101", authority=daxing, granted_on=timezone.localdate()
        )
        with pytest.raises(IntegrityError, match="authorization_one_open_per_regime"), transaction.atomic():
            Authorization.objects.create(
                facility=facility_a,
                number="110115-2026-0102",
                authority=daxing,
                granted_on=timezone.localdate(),
            )
        # A licence could stand beside the filing (another regime).
        Authorization.objects.create(
            facility=facility_a,
            regime=Authorization.Regime.LICENCE,
            number="110115-2026-0101",
            authority=daxing,
            granted_on=timezone.localdate(),
        )

    def test_a_number_is_used_once_per_regime(self, facility_a, facility_b, daxing):
        today = timezone.localdate()
        Authorization.objects.create(
            facility=facility_a,
            number="110115-2026-0200",
            authority=daxing,
            granted_on=today,
            cancelled_on=today,
        )
        with (
            pytest.raises(IntegrityError, match="authorization_number_unique_per_regime"),
            transaction.atomic(),
        ):
            Authorization.objects.create(
                facility=facility_b, number="110115-2026-0200", authority=daxing, granted_on=today
            )

    def test_a_cancellation_before_the_grant_is_refused(self, facility_a, daxing):
        with (
            pytest.raises(IntegrityError, match="authorization_cancelled_after_granted"),
            transaction.atomic(),
        ):
            Authorization.objects.create(
                facility=facility_a,
                number="110115-2026-0300",
                authority=daxing,
                granted_on=datetime.date(2026, 3, 1),
                cancelled_on=datetime.date(2026, 2, 1),
            )


class TestDataMigration:
    migration = importlib.import_module(
        "facilities.migrations.0013_authorization_records_from_filed_facilities"
    )

    def run(self):
        self.migration.records_from_filed_facilities(apps, None)

    def test_filed_and_cancelled_facilities_get_their_records_from_their_own_fields(
        self, town1, town2, daxing, daxing_official
    ):
        filed = filed_facility(town1, "已备案园", filing_number="110115-2024-0011")
        closed = filed_facility(town2, "已关停园", filing_number="110115-2023-0005")
        closing = closed.filed_on + datetime.timedelta(days=200)
        StatusChange.objects.create(
            facility=closed,
            from_status="operating",
            to_status="closed",
            effective_on=closing,
            reason="举办者停办",
            decided_by=daxing_official,
        )
        Facility.objects.filter(pk=closed.pk).update(
            operating_status="closed", filing_status="cancelled", filing_cancelled_on=closing
        )
        # A number on a submitted facility without a filing date is not a filing: nothing is made up.
        no_date = FacilityFactory(
            town=town1, name="缺备案日期园", submitted=True, filing_number="110115-2024-0012"
        )
        draft = FacilityFactory(town=town1, name="草稿园", draft=True)

        self.run()

        record = Authorization.objects.get(facility=filed)
        assert (record.number, record.authority, record.granted_on) == (
            "110115-2024-0011",
            daxing,
            filed.filed_on,
        )
        assert record.is_open and record.cancel_reason == ""
        ended = Authorization.objects.get(facility=closed)
        assert ended.cancelled_on == closing and ended.cancel_reason == "举办者停办"
        assert not Authorization.objects.filter(facility__in=[no_date, draft]).exists()

        self.run()  # again: nothing added
        assert Authorization.objects.filter(facility__in=[filed, closed]).count() == 2

    def test_a_cancellation_without_a_recorded_closure_has_no_invented_reason(self, town1):
        closed = filed_facility(town1, "无记录关停园", filing_number="110115-2023-0009")
        Facility.objects.filter(pk=closed.pk).update(
            operating_status="closed", filing_status="cancelled", filing_cancelled_on=timezone.localdate()
        )
        self.run()
        record = Authorization.objects.get(facility=closed)
        assert record.cancelled_on == timezone.localdate() and record.cancel_reason == ""


class TestShown:
    def test_the_facility_page_shows_the_history_to_the_official_and_the_operator(
        self, client, operator_a, daxing_official, facility_a, daxing
    ):
        Authorization.objects.create(
            facility=facility_a,
            number="110115-2023-0007",
            authority=daxing,
            granted_on=datetime.date(2023, 3, 1),
            cancelled_on=datetime.date(2024, 6, 30),
            cancel_reason="原场地拆迁",
        )
        facility = filed_through_the_workflow(facility_a, operator_a, daxing_official)
        for user in (daxing_official, operator_a):
            client.force_login(user)
            page = client.get(reverse("registry:detail", args=[facility.pk])).content.decode()
            assert 'id="authorizations"' in page
            assert "110115-2023-0007" in page and "原场地拆迁" in page and "2024-06-30" in page
            assert facility.filing_number in page

    def test_the_api_record_carries_the_current_filing(self, api_as, operator_a, daxing_official, facility_a):
        facility = filed_through_the_workflow(facility_a, operator_a, daxing_official)
        body = api_as("daxing_official").get(f"/api/v1/facilities/{facility.pk}/").json()
        assert body["current_authorization"] == {
            "regime": "filing",
            "number": facility.filing_number,
            "authority": "110115",
            "authority_name": facility.district.name,
            "granted_on": facility.filed_on.isoformat(),
        }
        close(facility, daxing_official, timezone.localdate())
        body = api_as("daxing_official").get(f"/api/v1/facilities/{facility.pk}/").json()
        assert body["current_authorization"] is None
