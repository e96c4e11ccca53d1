"""`generate_national` builds its synthetic nation on the real NBS 2023 region skeleton (fixtures/nbs, read
through targets.divisions): every county-level division with its real towns at full scale, an even spread
of them at a smaller one. The places are still marked synthetic when loaded (codes S + NBS code, names
【合成】…), which tests/benchmark/test_generate_and_benchmark.py checks in a generated database."""

from ops.benchmark import national
from targets import divisions


def test_full_scale_is_every_county_level_division_with_its_real_towns():
    places = national.skeleton(10**6)
    assert len(places) == divisions.count(divisions.DISTRICT)  # 2,978: every one has towns
    assert len({city.code for city, _area, _towns in places}) == divisions.count(divisions.CITY)
    assert sum(len(towns) for _city, _area, towns in places) > 41_000
    for city, area, towns in places:
        assert area.level == divisions.DISTRICT and area.parent_code == city.code
        assert towns == divisions.towns_of(area.code)


def test_a_smaller_scale_spreads_over_the_provinces():
    places = national.skeleton(31)
    assert len(places) == 31
    provinces = {area.code[:2] for _city, area, _towns in places}
    assert len(provinces) >= 20  # spread over the code order, not the first province's districts
    assert all(towns for _city, _area, towns in places)
    assert [area.code for _c, area, _t in places] == sorted(area.code for _c, area, _t in places)


def test_town_kinds_follow_the_official_names():
    assert national._town_kind("兴丰街道") == "street"
    assert national._town_kind("黄村镇") == "town"
    assert national._town_kind("长子营乡") == "township"
    assert national._town_kind("经济技术开发区") == "special_area"


def test_county_level_cities_without_districts_keep_their_own_towns():
    # 中山市 and 东莞市 have no districts: NBS lists one county-level division with the prefecture's digits
    # (442000, 441900), which must not be read as the prefecture itself (the codes would collide on load).
    zhongshan = divisions.towns_of("442000")
    assert zhongshan
    assert all(town.level == divisions.TOWN and town.code.startswith("442000") for town in zhongshan)
    places = national.skeleton(10**6)
    codes = [area.code for _c, area, _t in places] + [town.code for _c, _a, towns in places for town in towns]
    assert len(codes) == len(set(codes))
