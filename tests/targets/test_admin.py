"""Every model is in the admin, in Chinese, with filters, search and the source on each seeded row."""

import pytest
from django.contrib import admin
from django.urls import reverse

from targets.models import PopulationStat, Region, ReportedFigure, SlotTarget, SourceDocument

pytestmark = pytest.mark.django_db

MODELS = [SourceDocument, Region, PopulationStat, ReportedFigure, SlotTarget]


def changelist(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_model_is_registered_with_filters_and_search(model):
    model_admin = admin.site._registry[model]
    assert model_admin.list_filter
    assert model_admin.search_fields


@pytest.mark.parametrize(
    "model", [PopulationStat, ReportedFigure, SlotTarget, Region], ids=lambda m: m.__name__
)
def test_the_changelist_shows_the_source_of_each_row(seeded, superuser_client, model):
    response = superuser_client.get(changelist(model), {"q": "", "all": ""})
    assert response.status_code == 200
    assert "来源文件" in response.content.decode()
    assert "大兴区推进托育服务体系建设工作方案" in response.content.decode() or model is PopulationStat
    if model is PopulationStat:
        assert "渝北卫健函〔2025〕90号" in response.content.decode()


def test_the_admin_is_in_chinese(seeded, superuser_client):
    page = superuser_client.get(reverse("admin:index")).content.decode()
    for label in ["托育服务管理门户", "托位建设目标", "文件报告数", "人口统计", "来源文件", "地区"]:
        assert label in page


def test_slot_targets_filter_by_district_and_search_by_town(seeded, superuser_client):
    response = superuser_client.get(changelist(SlotTarget), {"district": "110115", "q": "天宫院"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "天宫院街道" in page
    assert "28.8%" in page  # 69 of 240, shown so an official sees rows below the district ratio
    assert response.context["cl"].result_count == 3


def test_the_change_form_of_a_seeded_target_opens(seeded, superuser_client):
    target = SlotTarget.objects.get(town__name="黄村镇", year=2024, level="baseline")
    url = reverse("admin:targets_slottarget_change", args=[target.pk])
    response = superuser_client.get(url)
    assert response.status_code == 200


def test_the_admin_refuses_inclusive_above_total_with_a_message(seeded, superuser_client):
    target = SlotTarget.objects.get(town__name="黄村镇", year=2024, level="baseline")
    url = reverse("admin:targets_slottarget_change", args=[target.pk])
    response = superuser_client.post(
        url,
        {
            "town": target.town_id,
            "year": 2024,
            "level": "baseline",
            "total_slots": 100,
            "inclusive_slots": 101,
            "source": target.source_id,
        },
    )
    assert response.status_code == 200
    assert "普惠托位数不能大于托位总数。" in response.content.decode()
    target.refresh_from_db()
    assert (target.total_slots, target.inclusive_slots) == (460, 138)


def test_anonymous_users_are_sent_to_the_login_page(seeded, client):
    response = client.get(changelist(SlotTarget))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
