"""The base of the command-line imports (`import_targets`, `import_roster`): a file and a district in, the
same importer the page's background job runs, the same row report out.

    python manage.py import_targets FILE --district CODE [--dry-run] [--user NAME]

Exit status 0 when the file imports (or, with --dry-run, would import), 1 when it is refused; nothing is
written with --dry-run or on refusal (the importers are all-or-nothing). Subclasses declare what to import:
`find_district(code)` and `run(content, district, user, dry_run)`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from core import access
from core.spreadsheets import DEFAULT_MAX_BYTES, ImportResult, WorkbookError

ACTIONS = {"created": "新增", "updated": "修改"}


def _shown(value: Any) -> str:
    return "—" if value in (None, "") else str(value)


class ImportCommand(BaseCommand):
    what = ""  # what the file holds, for the messages: "托位目标"

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .xlsx file")
        parser.add_argument("--district", required=True, help="the district's code, e.g. 110115")
        parser.add_argument("--dry-run", action="store_true", help="check, show the changes, write nothing")
        parser.add_argument("--user", help="the account the import acts as (default: first administrator)")

    # -------------------------------------------------------------------- declared by subclasses

    def find_district(self, code: str):
        raise NotImplementedError

    def run(self, content: bytes, *, district, user, dry_run: bool) -> ImportResult:
        raise NotImplementedError

    # -------------------------------------------------------------------- the rest

    def _user(self, username: str | None):
        User = get_user_model()
        if username:
            user = User.objects.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(_("找不到用户“%(name)s”") % {"name": username})
            return user
        user = access.unrestricted_accounts(User.objects.filter(is_active=True)).order_by("pk").first()
        if user is None:
            raise CommandError(_("没有管理员账户；请用 --user 指定导入所用的账户"))
        return user

    def handle(self, *args, file, district, dry_run, user, **options):
        with translation.override("zh-hans"):
            return self._handle(file, district, dry_run, user)

    def _handle(self, file: str, code: str, dry_run: bool, username: str | None):
        region = self.find_district(code)
        if region is None:
            raise CommandError(_("找不到区县代码“%(code)s”") % {"code": code})
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("找不到文件“%(file)s”") % {"file": file})
        if path.stat().st_size > DEFAULT_MAX_BYTES:
            content = path.read_bytes()[: DEFAULT_MAX_BYTES + 1]  # the reader states the limit
        else:
            content = path.read_bytes()
        user = self._user(username)
        if not access.can(user, access.Action.MANAGE, region):  # as the page: the district's officials only
            raise CommandError(
                _("用户“%(name)s”无权导入%(district)s的数据")
                % {"name": user.username, "district": region.name}
            )
        mode = _("仅预览，不写入") if dry_run else _("导入")
        self.stdout.write(
            _("%(what)s：%(file)s → %(district)s（%(code)s），%(mode)s")
            % {"what": self.what, "file": path.name, "district": region.name, "code": code, "mode": mode}
        )
        try:
            result = self.run(content, district=region, user=user, dry_run=dry_run)
        except WorkbookError as error:
            for problem in error.problems:
                self.stdout.write(f"  {problem}")
            self.stderr.write(
                _("未导入：发现 %(count)d 个问题，没有写入任何数据") % {"count": len(error.problems)}
            )
            raise SystemExit(1) from None
        self._report(result)
        if dry_run:
            self.stdout.write(self.style.SUCCESS(_("可以导入（仅预览，没有写入任何数据）")))
        else:
            self.stdout.write(self.style.SUCCESS(_("已导入")))

    def _report(self, result: ImportResult) -> None:
        for change in result.changes:
            fields = "；".join(
                f"{item['field']} {_shown(item['old'])} → {_shown(item['new'])}" for item in change["fields"]
            )
            self.stdout.write(
                _("  第%(row)s行 %(item)s：%(action)s %(fields)s")
                % {
                    "row": change["row"],
                    "item": change["item"],
                    "action": ACTIONS.get(change["action"], change["action"]),
                    "fields": fields,
                }
            )
        if result.changes_omitted:
            self.stdout.write(_("  ……另有 %(count)d 项变化未列出") % {"count": result.changes_omitted})
        self.stdout.write(
            _("共 %(rows)d 行：新增 %(created)d，修改 %(updated)d，未变 %(unchanged)d")
            % {
                "rows": result.total_rows,
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
            }
        )
