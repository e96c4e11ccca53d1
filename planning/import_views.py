"""Spreadsheet imports of a district (slot targets in the annex layout, the facility roster), their templates,
and the annex-layout progress report. Only the district's officials and superusers may open these pages;
everyone else gets 404, as everywhere in the portal.

An upload becomes an ImportJob run by the background worker (planning.tasks); the job page polls a small
JSON endpoint for progress and then shows the summary, the changes (a preview) or the problems."""

from __future__ import annotations

import datetime

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core import spreadsheets
from core.spreadsheets import problem_from_json
from facilities.forms import BootstrapMixin
from facilities.importers import roster_workbook
from facilities.models import Facility
from facilities.selectors import counted
from planning import exports, selectors
from planning.models import ImportJob
from planning.services import can_manage_district
from planning.tasks import FINISHED, is_stalled, start_import, sweep_abandoned_jobs
from targets.importers import group_title
from targets.models import Region, SlotTarget, SourceDocument

MAX_MB = spreadsheets.DEFAULT_MAX_BYTES // spreadsheets.MB
RECENT_JOBS = 20


def _size_limit_text() -> str:
    return _("文件不超过 %(mb)s MB、%(rows)s 行；只接受 Excel 工作簿(.xlsx)。") % {
        "mb": MAX_MB,
        "rows": f"{spreadsheets.DEFAULT_MAX_ROWS:,}",
    }


class ImportForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("导入内容"), choices=ImportJob.Kind.choices)
    file = forms.FileField(
        label=gettext_lazy("Excel文件（.xlsx）"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
        error_messages={
            "required": gettext_lazy("请选择要上传的Excel文件。"),
            "empty": gettext_lazy("上传的文件是空的（0 字节），请重新选择要上传的Excel文件。"),
        },
    )
    dry_run = forms.BooleanField(label=gettext_lazy("仅预览，不写入"), required=False, initial=True)
    source = forms.ModelChoiceField(
        label=gettext_lazy("来源文件（仅托位目标）"),
        queryset=SourceDocument.objects.none(),
        required=False,
        empty_label=gettext_lazy("（不选：记在“导入的托位目标”名下）"),
    )

    def __init__(self, *args, district: Region, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = SourceDocument.objects.filter(region=district).order_by("title")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.size:
            raise forms.ValidationError(self.fields["file"].error_messages["empty"])
        if upload.size > spreadsheets.DEFAULT_MAX_BYTES:
            raise forms.ValidationError(
                _("文件超过 %(mb)s MB 的大小上限，请删除多余的内容或拆成几个文件分批上传。") % {"mb": MAX_MB}
            )
        return upload


def _district(request, code) -> Region:
    district = get_object_or_404(
        Region.objects.select_related("parent"), code=code, level=Region.Level.DISTRICT
    )
    if not can_manage_district(request.user, district):
        raise Http404
    return district


def _job(district: Region, pk: int, *, with_content: bool = False) -> ImportJob:
    sweep_abandoned_jobs(ImportJob.objects.filter(pk=pk, district=district))  # its worker may have died
    jobs = ImportJob.objects.select_related("created_by")
    if not with_content:
        jobs = jobs.defer("content")
    return get_object_or_404(jobs, pk=pk, district=district)


def _plan_choices(district: Region) -> tuple[list[tuple[str, str]], list[str]]:
    """Every (year, level) a template may hold, and the ones chosen by default: the groups the district
    already has, else this year's plan."""
    existing = selectors.available_plans(district)
    year = timezone.localdate().year
    years = sorted({y for y, _lv in existing} | {year, year + 1})
    choices = [(f"{y}:{lv}", group_title(y, lv)) for y in years for lv in SlotTarget.Level.values]
    defaults = [f"{y}:{lv}" for y, lv in existing] or [f"{year}:{SlotTarget.Level.PLAN}"]
    return choices, defaults


def _chosen_plans(request, district: Region) -> list[tuple[int, str]]:
    order = {value: index for index, value in enumerate(SlotTarget.Level.values)}
    chosen = set()
    for value in request.GET.getlist("plans"):
        year, _sep, level = value.partition(":")
        if year.isdigit() and 2000 <= int(year) <= 2100 and level in order:
            chosen.add((int(year), level))
    if not chosen:
        _choices, defaults = _plan_choices(district)
        chosen = {(int(v.split(":")[0]), v.split(":")[1]) for v in defaults}
    return sorted(chosen, key=lambda plan: (plan[0], order[plan[1]]))


@login_required
def index(request, code):
    district = _district(request, code)
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES, district=district)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            source = form.cleaned_data["source"]
            kind = form.cleaned_data["kind"]
            job = start_import(
                district=district,
                user=request.user,
                kind=kind,
                content=upload.read(),
                file_name=upload.name or "upload.xlsx",
                dry_run=form.cleaned_data["dry_run"],
                source_id=source.pk if source and kind == ImportJob.Kind.SLOT_TARGETS else None,
            )
            return redirect("imports:job", code=district.code, pk=job.pk)
    else:
        form = ImportForm(district=district)
    plan_choices, plan_defaults = _plan_choices(district)
    sweep_abandoned_jobs(ImportJob.objects.filter(district=district))
    jobs = ImportJob.objects.filter(district=district).select_related("created_by").defer("content")
    return render(
        request,
        "planning/imports.html",
        {
            "district": district,
            "form": form,
            "jobs": jobs[:RECENT_JOBS],
            "plan_choices": plan_choices,
            "plan_defaults": plan_defaults,
            "limits": _size_limit_text(),
            "today": timezone.localdate(),
        },
    )


def _progress(job: ImportJob) -> dict:
    finished = job.status in FINISHED
    if job.total_rows:
        percent = min(100, round(job.done_rows * 100 / job.total_rows))
    else:
        percent = 100 if finished else 0
    return {
        "id": job.pk,
        "status": job.status,
        "status_label": job.get_status_display(),
        "total_rows": job.total_rows,
        "done_rows": job.done_rows,
        "percent": percent,
        "finished": finished,
    }


@login_required
def job_detail(request, code, pk):
    district = _district(request, code)
    job = _job(district, pk)
    summary = job.summary or {}
    changes = summary.get("changes", [])
    return render(
        request,
        "planning/imports_job.html",
        {
            "district": district,
            "job": job,
            "progress": _progress(job),
            "summary": summary,
            "changes": changes,
            "has_changes": bool(summary.get("created") or summary.get("updated")),
            "problems": job.problems or [],
            "can_confirm": job.status == ImportJob.Status.PREVIEWED
            and job.dry_run
            and job.content_deleted_at is None,
            "stalled": is_stalled(job),
            "queue_warning_minutes": settings.IMPORT_QUEUE_WARNING_MINUTES,
            "retention_days": settings.IMPORT_UPLOAD_RETENTION_DAYS,
            "source": SourceDocument.objects.filter(pk=summary.get("source_id")).first()
            if summary.get("source_id")
            else None,
            "limits": _size_limit_text(),
        },
    )


@login_required
def job_status(request, code, pk):
    district = _district(request, code)
    job = _job(district, pk)
    data = _progress(job)
    data["stalled"] = is_stalled(job)
    data["url"] = reverse("imports:job", args=[district.code, job.pk])
    response = JsonResponse(data)
    response["Cache-Control"] = "no-store"
    return response


@login_required
def job_problems(request, code, pk):
    district = _district(request, code)
    job = _job(district, pk)
    if not job.problems:
        raise Http404
    content = spreadsheets.problems_workbook(problem_from_json(p) for p in job.problems)
    stem = job.file_name.rsplit(".", 1)[0] or "import"
    return spreadsheets.xlsx_response(content, f"{stem}-问题清单.xlsx")


@login_required
@require_POST
def job_confirm(request, code, pk):
    """Import for real what a preview showed: a new job from the same file content."""
    district = _district(request, code)
    job = _job(district, pk, with_content=True)
    if job.status != ImportJob.Status.PREVIEWED or not job.dry_run or job.content_deleted_at is not None:
        return redirect("imports:job", code=district.code, pk=job.pk)
    new_job = start_import(
        district=district,
        user=request.user,
        kind=job.kind,
        content=bytes(job.content),
        file_name=job.file_name,
        dry_run=False,
        source_id=(job.summary or {}).get("source_id"),
    )
    return redirect("imports:job", code=district.code, pk=new_job.pk)


@login_required
def targets_template(request, code):
    district = _district(request, code)
    plans = _chosen_plans(request, district)
    content = exports.annex_targets_workbook(district, plans)
    return spreadsheets.xlsx_response(content, f"{district.name}-托位目标导入模板.xlsx")


@login_required
def roster_template(request, code):
    district = _district(request, code)
    return spreadsheets.xlsx_response(roster_workbook(district), f"{district.name}-机构名册导入模板.xlsx")


@login_required
def roster_export(request, code):
    """The district's current roster in the import layout, to edit and import back."""
    district = _district(request, code)
    facilities = (
        counted(Facility.objects.filter(district=district))
        .exclude(operating_status=Facility.OperatingStatus.CLOSED)
        .select_related("town")
        .prefetch_related("units")
        .order_by("town__sort_order", "name")
    )
    content = roster_workbook(district, facilities)
    return spreadsheets.xlsx_response(
        content, f"{district.name}-机构名册-{timezone.localdate().isoformat()}.xlsx"
    )


@login_required
def annex(request, code):
    district = _district(request, code)
    as_of = timezone.localdate()
    try:
        if request.GET.get("as_of"):
            as_of = datetime.date.fromisoformat(request.GET["as_of"])
    except ValueError:
        pass
    content = exports.annex_progress_workbook(district, as_of)
    return spreadsheets.xlsx_response(
        content, f"{district.name}-托位建设任务完成情况-{as_of.isoformat()}.xlsx"
    )
