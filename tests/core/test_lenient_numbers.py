"""Numbers as officials type them (core/fields.py): thousands separators, full-width digits and spaces are
read by every numeric form and serializer field; ambiguous separators are refused with a clear message."""

from decimal import Decimal

import pytest
from django import forms
from rest_framework import serializers

from core.fields import LenientIntegerField, normalise_number_text
from planning.forms import DemandForm


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("1,234", "1234"),
        ("1，234", "1234"),
        ("１２３４", "1234"),
        (" 300 ", "300"),
        ("\u3000８０\u3000", "80"),
        ("-1,000.50", "-1000.50"),
        ("12", "12"),
        ("", ""),
    ],
)
def test_normalised(typed, read):
    assert normalise_number_text(typed) == read


@pytest.mark.parametrize("typed", ["1.234,5", "1,23", "12,34,567"])
def test_ambiguous_is_refused(typed):
    with pytest.raises(ValueError, match="千位分隔符"):
        normalise_number_text(typed)


class Numbers(forms.Form):
    count = forms.IntegerField(min_value=0)
    amount = forms.DecimalField(max_digits=12, decimal_places=2)
    explicit = LenientIntegerField(required=False)


def test_every_form_number_field_reads_typed_numbers():
    form = Numbers({"count": "１,２００", "amount": " 36,000.50 ", "explicit": "1，234"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"count": 1200, "amount": Decimal("36000.50"), "explicit": 1234}
    bad = Numbers({"count": "1.234,5", "amount": "1"})
    assert not bad.is_valid() and "千位分隔符" in bad.errors["count"][0]
    assert not Numbers({"count": "一百", "amount": "1"}).is_valid()  # Chinese numerals stay refused
    assert not Numbers({"count": "1.5", "amount": "1"}).is_valid()  # a fraction is not a count


def test_a_project_form(db):
    form = DemandForm({"enrolment_wish_percent": " ３３.５ ", "note": ""})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["enrolment_wish_percent"] == Decimal("33.5")


def test_serializer_fields():
    class Input(serializers.Serializer):
        count = serializers.IntegerField()
        amount = serializers.DecimalField(max_digits=12, decimal_places=2)

    ok = Input(data={"count": "1,200", "amount": "１,０００.５"})
    assert ok.is_valid(), ok.errors
    assert ok.validated_data == {"count": 1200, "amount": Decimal("1000.50")}
    bad = Input(data={"count": "1.234,5", "amount": 1})
    assert not bad.is_valid() and "千位分隔符" in str(bad.errors["count"][0])


def test_api_patch_reads_typed_numbers(api_as, facility_a):
    url = f"/api/v1/facilities/{facility_a.pk}/"
    official = api_as("daxing_official")
    response = official.patch(url, {"version": facility_a.version, "monthly_fee": "2,500"}, format="json")
    assert response.status_code == 200, response.content
    facility_a.refresh_from_db()
    assert facility_a.monthly_fee == Decimal("2500")
    refused = official.patch(url, {"version": facility_a.version, "monthly_fee": "2.500,5"}, format="json")
    assert refused.status_code == 400 and "monthly_fee" in refused.json()["error"]["fields"]
    facility_a.refresh_from_db()
    assert facility_a.monthly_fee == Decimal("2500")
