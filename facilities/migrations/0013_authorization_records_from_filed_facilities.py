"""The filing record (Authorization, regime 备案) of every facility already filed, from the facility's own
fields: its filing number, the district as the filing authority, the filing date; for a cancelled filing
(注销备案) the cancellation date and, when the closure was recorded, its reason. Nothing is invented: a
facility without a number or a filing date gets no record, and a cancellation without its recorded reason
stays without one. Synthetic rows (demo and benchmark data) are left out; the service opens their record
when it next needs it. Running it again adds nothing: a number that already has its record is skipped."""

from django.db import migrations

BATCH = 1000


def records_from_filed_facilities(apps, schema_editor):
    Facility = apps.get_model("facilities", "Facility")
    Authorization = apps.get_model("facilities", "Authorization")
    StatusChange = apps.get_model("facilities", "StatusChange")

    recorded = set(Authorization.objects.filter(regime="filing").values_list("number", flat=True))
    facilities = (
        Facility.objects.filter(
            filing_status__in=["filed", "cancelled"], filed_on__isnull=False, is_synthetic=False
        )
        .exclude(filing_number="")
        .order_by("pk")
    )
    batch = []
    for facility in facilities.iterator(chunk_size=BATCH):
        if facility.filing_number in recorded:
            continue
        cancelled_on, reason = None, ""
        if facility.filing_status == "cancelled":
            cancelled_on = facility.filing_cancelled_on
            if cancelled_on is None or cancelled_on < facility.filed_on:
                continue  # the data contradicts itself: leave it for a person, never guess
            closure = (
                StatusChange.objects.filter(
                    facility_id=facility.pk, to_status="closed", effective_on=cancelled_on
                )
                .order_by("-created_at")
                .first()
            )
            reason = closure.reason if closure is not None else ""
        batch.append(
            Authorization(
                facility_id=facility.pk,
                regime="filing",
                number=facility.filing_number,
                authority_id=facility.district_id,
                granted_on=facility.filed_on,
                cancelled_on=cancelled_on,
                cancel_reason=reason,
            )
        )
        recorded.add(facility.filing_number)
        if len(batch) >= BATCH:
            Authorization.objects.bulk_create(batch)
            batch = []
    if batch:
        Authorization.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [
        ("facilities", "0012_authorizations_and_held_materials"),
    ]

    operations = [
        migrations.RunPython(records_from_filed_facilities, migrations.RunPython.noop, elidable=False),
    ]
