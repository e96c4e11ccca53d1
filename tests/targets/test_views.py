"""The public overview and district pages show stored figures, computed totals and their sources."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_home_lists_each_district_with_totals_summed_from_towns(
    seeded, client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6):
        response = client.get(reverse("targets:home"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "大兴区" in page and "渝北区" in page
    assert "8,600" in page and "5,160" in page  # 2025 plan, summed from the 22 rows
    assert "1,567,000" in page  # Yubei's resident population
    assert "渝北卫健函〔2025〕90号" in page


def test_district_page_shows_the_annex_and_its_totals(seeded, client, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        response = client.get(reverse("targets:district", args=["110115"]))
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count("<tr>") >= 22 + 3
    for figure in ["4,700", "1,410", "2,820", "8,600", "5,160", "28.8%", "天宫院街道", "大兴经开区"]:
        assert figure in page
    assert "征求意见稿" in page
    assert "发文机关未载明" in page  # unknown stays visibly unknown


def test_yubei_page_shows_reported_figures_with_their_comparators(seeded, client):
    page = client.get(reverse("targets:district", args=["500112"])).content.decode()
    assert "≥ 80%" in page  # “80%以上” includes 80 %
    assert "&gt; 130 家" in page  # “130余家”: more than 130
    assert "4.53 个/千人" in page
    assert "截止2025年一季度" in page
    assert "不含两江新区" in page


def test_unknown_district_is_404(seeded, client):
    assert client.get(reverse("targets:district", args=["999999"])).status_code == 404
    assert (
        client.get(reverse("targets:district", args=["110115001"])).status_code == 404
    )  # a town, not a district


def test_pages_switch_to_english(seeded, client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("targets:home")).content.decode()
    assert 'lang="en"' in page


def test_pages_are_chinese_even_for_an_english_browser(seeded, client):
    page = client.get(reverse("targets:home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="zh-hans"' in page
    assert "地区概览" in page


def test_english_pages_are_translated(seeded, client):
    client.cookies["django_language"] = "en"
    page = client.get(reverse("targets:district", args=["110115"])).content.decode()
    assert "Town/street childcare slot targets" in page
    assert "2024 Baseline target" in page
