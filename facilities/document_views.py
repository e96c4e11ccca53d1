"""Filing materials pages: the materials of a facility with their files, history and verdicts; upload;
the official's verdict; downloads through a permission check; the receipt and notice the district issued.
Every write goes through facilities.documents."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core import access
from core.access import Action, can
from core.forms import apply_service_error
from facilities import documents, services
from facilities.document_forms import MaterialUploadForm, VerdictForm
from facilities.models import ChecklistItem, Facility, FilingDocument, MaterialFile


def materials_context(user, facility: Facility) -> dict:
    """The rows of the materials card and page: each material with its current file, the file proposed in
    an open change (a filed facility's upload, waiting for review) and older files (replaced, rejected with
    the change's reason, withdrawn)."""
    required = set(documents.required_items(facility))
    files: dict[str, list[MaterialFile]] = {}
    for f in MaterialFile.objects.filter(facility=facility).select_related(
        "uploaded_by", "verdict_by", "change"
    ):
        files.setdefault(f.item, []).append(f)
    rows = []
    for item in ChecklistItem.Item:
        history = files.get(item.value, [])
        current = next(
            (f for f in history if f.replaced_at is None and f.state == MaterialFile.State.IN_FORCE), None
        )
        proposed = next((f for f in history if f.state == MaterialFile.State.PROPOSED), None)
        rows.append(
            {
                "item": item.value,
                "label": item.label,
                "required": item.value in required,
                "current": current,
                "proposed": proposed,
                "older": [f for f in history if f is not current and f is not proposed],
            }
        )
    return {
        "material_rows": rows,
        "can_download": can(user, Action.VIEW_STAFF, facility),
        "documents": FilingDocument.objects.filter(facility=facility).select_related("issued_by"),
    }


def _may_upload(user, facility: Facility) -> bool:
    try:
        documents._uploadable(user, facility)
    except documents.NotAllowed:
        return False
    return True


@login_required
def materials(request, pk):
    """GET: the materials page. POST: one upload (item + file)."""
    facility = access.object_or_404(request.user, Facility, Action.VIEW_STAFF, pk=pk)
    may_upload = _may_upload(request.user, facility)
    form = None
    if request.method == "POST":
        if not may_upload:
            messages.error(request, _("您现在不能上传该机构的备案材料。"))
            return redirect("registry:materials", pk=facility.pk)
        form = MaterialUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                material = documents.material_upload(
                    user=request.user,
                    facility=facility,
                    item=form.cleaned_data["item"],
                    upload=form.cleaned_data["file"],
                )
            except documents.RegistryError as error:
                apply_service_error(form, error)
            else:
                names = {"item": material.get_item_display(), "name": material.original_name}
                if material.held:
                    messages.success(
                        request,
                        _(
                            "已提交“%(item)s”的新文件 %(name)s，待区卫健委审核；审核通过前现行文件不变。"
                            "可在“我的申请”中查看。"
                        )
                        % names,
                    )
                else:
                    messages.success(request, _("已上传“%(item)s”：%(name)s。") % names)
                return redirect("registry:materials", pk=facility.pk)
    failed_item = form.data.get("item") if form is not None else None
    context = {
        "facility": facility,
        "may_upload": may_upload,
        # An upload by the operator of a filed facility is held for review (documents.material_upload).
        "upload_held": may_upload and services.needs_review(request.user, facility),
        "may_review": can(request.user, Action.REVIEW, facility)
        and not access.is_operator_of(request.user, facility)
        and facility.filing_status == Facility.FilingStatus.SUBMITTED,
        "upload_form": MaterialUploadForm(),
        "failed_form": form,
        "failed_item": failed_item,
        "verdict_form": VerdictForm(),
        "max_mb": documents.max_upload_bytes() / 1048576,
        "problems": documents.material_problems(facility),
        **materials_context(request.user, facility),
    }
    return render(request, "facilities/materials.html", context, status=400 if form is not None else 200)


@login_required
@require_POST
def material_verdict(request, file_pk):
    material = access.object_or_404(request.user, MaterialFile, Action.REVIEW, pk=file_pk)
    form = VerdictForm(request.POST)
    if form.is_valid():
        try:
            documents.material_verdict(
                user=request.user,
                material=material,
                verdict=form.cleaned_data["verdict"],
                reason=form.cleaned_data["reason"],
            )
        except documents.RegistryError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("已记录“%(item)s”的审核结论。") % {"item": material.get_item_display()}
            )
    else:
        errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
        messages.error(request, f"{material.get_item_display()}：{' '.join(errors)}")
    return redirect("registry:materials", pk=material.facility_id)


@login_required
@require_GET
def material_download(request, file_pk):
    """A material's file, for those who may see the facility's roster-level records (operators of the
    facility, district officials); anyone else gets 404, as for a record outside their scope."""
    material = access.object_or_404(request.user, MaterialFile, Action.VIEW_STAFF, pk=file_pk)
    try:
        handle = material.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=request.GET.get("inline") != "1",
        filename=material.original_name,
        content_type=material.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def filing_document(request, doc_pk):
    """A receipt or notice as issued, printable."""
    document = access.object_or_404(
        request.user, FilingDocument.objects.select_related("facility", "issued_by"), Action.VIEW, pk=doc_pk
    )
    template = (
        "facilities/receipt.html"
        if document.kind == FilingDocument.Kind.RECEIPT
        else "facilities/notice.html"
    )
    return render(
        request, template, {"document": document, "facility": document.facility, "c": document.content}
    )
