"""Towns move from project-assigned codes (110115-01 …) to the NBS 2023 division codes (统计用区划代码).

Only the `code` column changes, in place: every row that references a town (targets, facilities, grants,
projects, reports …) points at its primary key, which stays, so nothing that references a town is lost. The
old code is kept in `former_code`, the NBS name in `official_name`; the annex's own names stay as `name`.
Rows already on an official code, and towns the mapping does not know, are left as they are. Reversible.

The table is written out here, not read from fixtures/, so that the migration means the same thing forever.
"""

from django.db import migrations

# former code → (NBS code, NBS name). Daxing in annex order; Yubei's two towns of the first seed.
NBS_CODES = {
    "110115-01": ("110115001", "兴丰街道"),
    "110115-02": ("110115002", "林校路街道"),
    "110115-03": ("110115003", "清源街道"),
    "110115-04": ("110115009", "观音寺街道"),
    "110115-05": ("110115010", "天宫院街道"),
    "110115-06": ("110115011", "高米店街道"),
    "110115-07": ("110115005", "黄村地区"),
    "110115-08": ("110115007", "西红门地区"),
    "110115-09": ("110115006", "旧宫地区"),
    "110115-10": ("110115103", "青云店镇"),
    "110115-11": ("110115104", "采育镇"),
    "110115-12": ("110115105", "安定镇"),
    "110115-13": ("110115106", "礼贤镇"),
    "110115-14": ("110115107", "榆垡镇"),
    "110115-15": ("110115108", "庞各庄镇"),
    "110115-16": ("110115109", "北臧村镇"),
    "110115-17": ("110115110", "魏善庄镇"),
    "110115-18": ("110115111", "长子营镇"),
    "110115-19": ("110115008", "瀛海地区"),
    "110115-20": ("110115004", "亦庄地区"),
    "110115-21": ("110115404", "中关村国家自主创新示范区大兴生物医药产业基地"),
    "110115-22": ("110115405", "大兴经济开发区"),
    "500112-01": ("500112023", "仙桃街道"),
    "500112-02": ("500112012", "龙山街道"),
}
OFFICIAL_NAMES = {
    "500000": "重庆市",
    "110000": "北京市",
    "500112": "渝北区",
    "110115": "大兴区",
}


def to_nbs(apps, schema_editor):
    Region = apps.get_model("targets", "Region")
    taken = set(Region.objects.values_list("code", flat=True))
    for former, (code, official_name) in NBS_CODES.items():
        region = Region.objects.filter(code=former).first()
        if region is None or code in taken:
            continue
        region.code, region.official_code = code, True
        region.official_name, region.former_code = official_name, former
        region.save(update_fields=["code", "official_code", "official_name", "former_code"])
        taken.add(code)
    for code, official_name in OFFICIAL_NAMES.items():
        Region.objects.filter(code=code, official_name="").update(official_name=official_name)


def to_former(apps, schema_editor):
    Region = apps.get_model("targets", "Region")
    for former, (code, _name) in NBS_CODES.items():
        Region.objects.filter(code=code, former_code=former).update(
            code=former, official_code=False, official_name="", former_code=""
        )


class Migration(migrations.Migration):
    dependencies = [
        # That migration adds official_name and former_code to Region (generated with this change).
        ("targets", "0005_official_names_and_former_codes"),
    ]

    operations = [migrations.RunPython(to_nbs, to_former)]
