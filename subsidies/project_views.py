"""Project pages for district officials: create and edit a construction project, and record its milestones,
on the portal (not the admin). Writes are subsidies.project_services; a page of a project outside the
user's `Action.MANAGE` scope is not found (404)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from core import history
from core.access import Action
from core.errors import ServiceError
from core.forms import apply_service_error
from subsidies import project_services
from subsidies.models import Milestone, Project
from subsidies.project_forms import MilestoneForm, ProjectForm
from targets.models import Region


def _managed_project(request, pk) -> Project:
    return get_object_or_404(
        Project.objects.for_user(request.user, Action.MANAGE).select_related("district", "town"), pk=pk
    )


def _save(request, form, project=None):
    data = form.cleaned_data
    district = project.district if project else data["district"]
    try:
        return project_services.project_save(
            user=request.user,
            district=district,
            values={name: data.get(name) for name in project_services.PROJECT_FIELDS},
            funds=list(data.get("funds") or []),
            project=project,
            version=data.get("version"),
        )
    except ServiceError as error:
        apply_service_error(form, error)
        return None


@login_required
def project_new(request):
    if not Region.objects.districts().for_user(request.user, Action.MANAGE).exists():
        raise Http404
    form = ProjectForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        saved = _save(request, form)
        if saved is not None:
            messages.success(request, _("建设项目已登记；请登记其建设节点。"))
            return redirect("subsidies:project_milestones", pk=saved.pk)
    return render(request, "subsidies/project_form.html", {"form": form, "project": None})


@login_required
def project_edit(request, pk):
    project = _managed_project(request, pk)
    form = ProjectForm(request.POST or None, instance=project, user=request.user)
    if request.method == "POST" and form.is_valid():
        saved = _save(request, form, project)
        if saved is not None:
            messages.success(request, _("建设项目已保存。"))
            return redirect("subsidies:project", pk=saved.pk)
    return render(
        request,
        "subsidies/project_form.html",
        {
            "form": form,
            "project": project,
            "history": history.page(
                history.sources_for(project, depth=1),
                request.GET.get("history_page"),
                reader=request.user,
            ),
        },
    )


@login_required
def project_milestones(request, pk):
    """One row per stage; a row left empty that has no milestone yet stays unrecorded."""
    project = _managed_project(request, pk)
    existing = {m.stage: m for m in project.milestones.all()}
    forms = [
        MilestoneForm(request.POST or None, stage=stage, milestone=existing.get(stage))
        for stage in Milestone.ORDER
    ]
    if request.method == "POST" and all(form.is_valid() for form in forms):
        failed = False
        try:
            with transaction.atomic():
                for form in forms:
                    if form.milestone is None and form.is_empty():
                        continue
                    try:
                        project_services.milestone_save(
                            user=request.user,
                            project=project,
                            stage=form.stage,
                            done=form.cleaned_data["done"],
                            planned_date=form.cleaned_data["planned_date"],
                            actual_date=form.cleaned_data["actual_date"],
                            note=form.cleaned_data["note"] or "",
                            version=form.cleaned_data.get("version"),
                        )
                    except ServiceError as error:
                        apply_service_error(form, error)
                        failed = True
                if failed:
                    raise ServiceError(_("建设节点有误，未保存。"))
        except ServiceError:
            messages.error(request, _("建设节点有误，未保存任何修改。"))
        else:
            messages.success(request, _("建设节点已保存。"))
            return redirect("subsidies:project", pk=project.pk)
    return render(request, "subsidies/milestones_form.html", {"project": project, "forms": forms})
