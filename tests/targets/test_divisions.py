"""Official codes: the NBS 2023 division codes (统计用区划代码) vendored in fixtures/nbs/, the towns' codes in
the seed, and the data migration that moved existing towns off the project-assigned codes."""

import importlib

import pytest
from django.apps import apps

from targets import divisions
from targets.models import Region
from tests.factories import SlotTargetFactory, TownFactory

# The annex's names (as the document prints them) → NBS 2023 code and NBS name (DOMAIN.md "Places").
DAXING_ANNEX = [
    ("兴丰街道", "110115001", "兴丰街道"),
    ("林校路街道", "110115002", "林校路街道"),
    ("清源街道", "110115003", "清源街道"),
    ("观音寺街道", "110115009", "观音寺街道"),
    ("天宫院街道", "110115010", "天宫院街道"),
    ("高米店街道", "110115011", "高米店街道"),
    ("黄村镇", "110115005", "黄村地区"),
    ("西红门镇", "110115007", "西红门地区"),
    ("旧宫镇", "110115006", "旧宫地区"),
    ("青云店镇", "110115103", "青云店镇"),
    ("采育镇", "110115104", "采育镇"),
    ("安定镇", "110115105", "安定镇"),
    ("礼贤镇", "110115106", "礼贤镇"),
    ("榆垡镇", "110115107", "榆垡镇"),
    ("庞各庄镇", "110115108", "庞各庄镇"),
    ("北臧村镇", "110115109", "北臧村镇"),
    ("魏善庄镇", "110115110", "魏善庄镇"),
    ("长子营镇", "110115111", "长子营镇"),
    ("瀛海镇", "110115008", "瀛海地区"),
    ("亦庄镇", "110115004", "亦庄地区"),
    ("生物医药基地", "110115404", "中关村国家自主创新示范区大兴生物医药产业基地"),
    ("大兴经开区", "110115405", "大兴经济开发区"),
]


class TestTheVendoredCodes:
    def test_every_level_of_the_nation_is_there(self):
        assert len(divisions.children(None)) == 31  # provinces, without Hong Kong, Macao and Taiwan
        assert divisions.count(divisions.DISTRICT) == 2978
        assert divisions.count(divisions.TOWN) == 41352

    def test_a_town_knows_its_ancestors(self):
        assert [d.name for d in divisions.ancestors("110115005")] == ["北京市", "市辖区", "大兴区"]
        assert divisions.get("110000").name == "北京市"  # the GB/T 2260 form of a municipality

    def test_communities_only_for_the_two_districts(self):
        assert divisions.children("110115001")  # 兴丰街道's communities
        assert divisions.children("500112023")  # 仙桃街道's
        assert divisions.children("110101001") == []  # not vendored: the full file is 38 MB


@pytest.mark.django_db
class TestSeededCodes:
    @pytest.mark.parametrize(("name", "code", "nbs_name"), DAXING_ANNEX)
    def test_each_annex_town_has_its_nbs_code_and_keeps_the_annex_name(self, seeded, name, code, nbs_name):
        town = Region.objects.get(code=code)
        assert (town.name, town.official_name, town.official_code) == (name, nbs_name, True)
        assert town.parent.code == "110115"
        assert divisions.get(code).name == nbs_name

    def test_the_annex_order_is_kept(self, seeded):
        towns = Region.objects.filter(parent__code="110115").order_by("sort_order")
        assert [t.code for t in towns] == [code for _name, code, _nbs in DAXING_ANNEX]

    def test_yubei_has_its_real_towns_and_streets(self, seeded):
        towns = Region.objects.filter(parent__code="500112", level=Region.Level.TOWN)
        assert {t.code for t in towns} == {d.code for d in divisions.towns_of("500112")}
        assert towns.count() == 30
        named_in_the_reply = {"仙桃街道": "500112023", "龙山街道": "500112012", "龙塔街道": "500112013"}
        named_in_the_reply |= {"双龙湖街道": "500112002", "宝圣湖街道": "500112020"}
        assert {t.name: t.code for t in towns if t.name in named_in_the_reply} == named_in_the_reply

    def test_every_official_code_is_an_nbs_code_with_its_nbs_name(self, seeded):
        for region in Region.objects.filter(official_code=True):
            assert divisions.get(region.code).name == region.official_name, region.code


@pytest.mark.django_db
class TestTheDataMigration:
    migration = importlib.import_module("targets.migrations.0006_nbs_codes")

    def test_a_town_on_a_former_code_moves_to_its_nbs_code_and_keeps_what_references_it(self, seeded):
        # 黄村镇 as the first seed stored it, with what references it (its targets) untouched.
        Region.objects.filter(code="110115005").update(
            code="110115-07", official_code=False, official_name="", former_code=""
        )
        huangcun = Region.objects.get(code="110115-07")
        target = SlotTargetFactory(town=huangcun, year=2030, total_slots=350, inclusive_slots=105)

        self.migration.to_nbs(apps, None)

        huangcun.refresh_from_db()
        assert (huangcun.code, huangcun.official_code) == ("110115005", True)
        assert (huangcun.name, huangcun.official_name, huangcun.former_code) == (
            "黄村镇",
            "黄村地区",
            "110115-07",
        )
        target.refresh_from_db()
        assert target.town_id == huangcun.pk and target.total_slots == 350

        self.migration.to_former(apps, None)
        huangcun.refresh_from_db()
        assert (huangcun.code, huangcun.official_code, huangcun.former_code) == ("110115-07", False, "")

    def test_a_second_run_and_unknown_codes_change_nothing(self, seeded):
        stranger = TownFactory(code="T-1", name="测试镇", parent=Region.objects.get(code="110115"))
        before = dict(Region.objects.values_list("pk", "code"))
        self.migration.to_nbs(apps, None)
        assert dict(Region.objects.values_list("pk", "code")) == before
        assert Region.objects.get(pk=stranger.pk).code == "T-1"
