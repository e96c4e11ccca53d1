"""The base web views: a page is a declaration, the base class does the rest (after NetBox's generic views).

    ObjectListView    queryset + FilterSet + table: scope → filter → order → page → render; its export is
                      exactly the page's rows (same scope, same filters, same order, no paging)
    ObjectDetailView  one object within the user's scope (404 outside it)
    ObjectFormView    a form whose valid data goes to one service; a refusal lands on the form
    ObjectActionView  a POST that calls one service on one object, then redirects with a message

Every view scopes its queryset itself: `scope()` applies core.access.for_user with the view's `action`, so
a page cannot forget it. A page whose rows are scoped some other way overrides `scope()` (and says why).
Signed-in users only; a row or page outside the user's scope answers 404, never 403.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ImproperlyConfigured
from django.core.paginator import Paginator
from django.db.models import Model, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject, cached_property
from django.utils.translation import gettext as _
from django.views import View

from core import access, history, spreadsheets
from core.errors import ServiceError
from core.formatting import listing
from core.forms import apply_service_error
from core.tables import ObjectTable, Table, table_sheet


def query_without_page(request) -> str:
    """The request's query string without `page`, for pager links and export links."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def year_param(request, first: int, last: int) -> int:
    """The page's ?year=, or this year when it is missing, not a number, or outside first..last."""
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year") or today.year)
    except ValueError:
        return today.year
    return year if first <= year <= last else today.year


def export_links(request, keys) -> dict[str, str]:
    """`?export=<key>` links for each table key (and `all`), keeping the page's filters but not its page."""
    urls = {}
    for key in [*keys, "all"]:
        query = request.GET.copy()
        query.pop("page", None)
        query["export"] = key
        urls[key] = f"?{query.urlencode()}"
    return urls


# ------------------------------------------------------------------------------------------------- exports
# Every export says what it is: core.spreadsheets writes an About sheet ("说明") from what the view knows —
# the title, the source documents, the as-of moment, the filters as the page shows them, the exporter.


def exporter_name(user) -> str:
    """The exporter as the About sheet names them: full name and user name, or the user name alone."""
    username = user.get_username()
    full = (user.get_full_name() or "").strip() if hasattr(user, "get_full_name") else ""
    return f"{full}（{username}）" if full and full != username else username


def _filter_value(field, value) -> str:
    """A filter's cleaned value as the filter form shows it: a choice's label, a place's name, a date."""
    if isinstance(value, QuerySet | list | tuple):
        return listing(_filter_value(field, item) for item in value)
    if isinstance(value, slice):  # a django-filter range (from–to)
        ends = (value.start, value.stop)
        return "～".join("" if end is None else _filter_value(field, end) for end in ends)
    choices = getattr(field.widget, "choices", None) or getattr(field, "choices", None)
    if choices and not isinstance(value, Model):
        raw = {True: "true", False: "false"}.get(value, value) if isinstance(value, bool) else value
        for code, label in choices:
            if str(code) == str(raw) and code not in ("", None):
                return str(label)
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def describe_filters(filterset) -> list[tuple[str, str]]:
    """The filters a list applies, as (label, value) pairs in the order of its filter form; invalid filters
    (which the list ignores) are said to be ignored."""
    if filterset is None or not filterset.is_bound:
        return []
    form = filterset.form
    if not filterset.is_valid():
        return [(_("筛选条件无效"), _("已忽略，导出全部记录"))]
    described = []
    for name, field in form.fields.items():
        value = form.cleaned_data.get(name)
        if value is None or value == "" or (isinstance(value, QuerySet | list | tuple) and not len(value)):
            continue
        if isinstance(value, slice) and value.start is None and value.stop is None:
            continue
        described.append((str(field.label or name), _filter_value(field, value)))
    return described


def export_about(
    request,
    title: str,
    *,
    filters: Sequence[tuple[str, str]] = (),
    sources: Sequence[str] = (),
    as_of: dt.date | dt.datetime | None = None,
    notes: Sequence[tuple[str, str]] = (),
) -> spreadsheets.About:
    """The About sheet of an export made for `request` now; `as_of` None means the data as read now."""
    return spreadsheets.About(
        title=str(title),
        exporter=exporter_name(request.user),
        exported_at=timezone.now(),
        as_of=as_of,
        filters=[(str(label), str(value)) for label, value in filters],
        sources=[str(source) for source in sources],
        notes=[(str(label), str(value)) for label, value in notes],
    )


def tables_export(
    key: str, built: dict[str, Table], filename: str, about: spreadsheets.About | None = None
) -> HttpResponse:
    """Download one of a page's tables (`key`) or all of them (`all`, one sheet each), with the About sheet
    when `about` is given; another key is 404."""
    if key == "all":
        chosen = list(built.values())
    elif key in built:
        chosen = [built[key]]
    else:
        raise Http404
    if about is not None and not about.title:
        about.title = listing(str(table.title) for table in chosen)
    content = spreadsheets.write_workbook([table_sheet(table) for table in chosen], about=about)
    return spreadsheets.xlsx_response(content, filename)


class ScopedMixin(LoginRequiredMixin):
    """The view's rows: `queryset` narrowed by `scope()` to what the user may do with `action`."""

    queryset: QuerySet | type[Model] | None = None
    action: str = access.Action.VIEW

    def base_queryset(self) -> QuerySet:
        if self.queryset is None:
            raise ImproperlyConfigured(f"{type(self).__name__} needs a queryset")
        if isinstance(self.queryset, type):
            return self.queryset._default_manager.all()
        return self.queryset.all()

    def scope(self, queryset: QuerySet) -> QuerySet:
        return access.for_user(self.request.user, self.action, queryset)

    def get_queryset(self) -> QuerySet:
        return self.scope(self.base_queryset())


# --------------------------------------------------------------------------------------------------- lists


class ObjectListView(ScopedMixin, View):
    """A list page: rows of `queryset` within the user's scope, filtered by `filterset` (the API's FilterSet
    for the same model), ordered by `ordering`, paged by `paginate_by` (None: one page), shown by
    `template_name`, and downloadable as .xlsx.

    Export: `?export=<table key>` (or `all`: every table of the page) downloads the page's tables with every
    row, keeping the filters; a view declared with `export_only=True` (a list's own export URL) answers with
    its table's export whatever the query. The file is "<export_name>-<key>.xlsx", or
    "<export_name>-<today>.xlsx" when `export_dated`. Every export ends with an About sheet ("说明"):
    `export_sources()` (the source documents), `export_as_of()` (None: the data as read at the export),
    `export_filters()` (the filter form's labels and values) and the exporter and time.

    Hooks: `allowed()` (False → 404 before anything is read), `get_rows(queryset)` (turn the filtered rows
    into what the table shows, e.g. a selector's results), `prepare_page(rows)` (decorate the shown rows),
    `get_tables()` (pages with more than one table) and `get_context_data()`."""

    template_name: str | None = None
    filterset = None
    table: type[ObjectTable] | None = None
    ordering: tuple[str, ...] = ()
    paginate_by: int | None = None
    export_name: str = ""
    export_dated = False
    export_only = False
    #: The query parameter that asks for an export on the page's own URL; None for lists whose export has a
    #: URL of its own (declared with export_only=True).
    export_param: str | None = "export"

    # ---------------------------------------------------------------- hooks

    def allowed(self) -> bool:
        return True

    def get_rows(self, queryset: QuerySet):
        return queryset

    def prepare_page(self, rows) -> None:
        pass

    def get_tables(self) -> dict[str, Table]:
        """The page's tables over every filtered row (what `?export=all` downloads)."""
        if self.table is None:
            return {}
        table = self.table()
        return {table.key: table.build(self.rows)}

    # ---------------------------------------------------------------- filtering

    def filter_queryset(self, queryset: QuerySet):
        if self.filterset is None:
            return None, queryset
        filterset = self.filterset(self.request.GET or None, queryset=queryset, request=self.request)
        style_widgets(filterset.form)
        # Invalid filters leave the list unfiltered; their errors show on the form.
        return filterset, filterset.qs if filterset.is_bound and filterset.is_valid() else queryset

    def filters_valid(self) -> bool:
        return (
            self.filterset_obj is not None and self.filterset_obj.is_bound and self.filterset_obj.is_valid()
        )

    def cleaned(self, name: str, default=None):
        """A filter's cleaned value when the filters are valid, else `default`."""
        if not self.filters_valid():
            return default
        return self.filterset_obj.form.cleaned_data.get(name, default)

    # ---------------------------------------------------------------- request

    def get(self, request, *args, **kwargs):
        if not self.allowed():
            raise Http404
        queryset = self.get_queryset()
        self.filterset_obj, queryset = self.filter_queryset(queryset)
        if self.ordering:
            queryset = queryset.order_by(*self.ordering)
        self.queryset_filtered = queryset
        key = (
            "all" if self.export_only else (request.GET.get(self.export_param) if self.export_param else None)
        )
        if key:
            return self.export(key)
        self.rows = self.get_rows(queryset)
        return render(request, self.template_name, self.get_context_data())

    # A list reads its query string whatever the method (as the function views did; the permission matrix
    # pins POST to a list as "ok").
    post = get

    def get_context_data(self, **kwargs) -> dict[str, Any]:
        context: dict[str, Any] = {"view": self, "query": query_without_page(self.request)}
        if self.filterset_obj is not None:
            context["filterset"] = self.filterset_obj
            context["form"] = self.filterset_obj.form
        rows = self.rows
        if self.paginate_by:
            page = Paginator(rows, self.paginate_by).get_page(self.request.GET.get("page"))
            page.object_list = list(page.object_list)  # read once; the template shows these same objects
            context["page"] = page
            rows = page.object_list
        self.page_rows = rows
        self.prepare_page(rows)
        if self.table is not None:
            table = self.table()
            shown = rows
            # Built only if the template shows it: many list pages lay out their own rows.
            context["table"] = SimpleLazyObject(lambda: table.build(shown))
        context.update(kwargs)
        return context

    # ---------------------------------------------------------------- export

    def export_urls(self, keys) -> dict[str, str]:
        return export_links(self.request, keys)

    def export_filename(self, key: str) -> str:
        suffix = timezone.localdate().isoformat() if self.export_dated else key
        return f"{self.export_name}-{suffix}.xlsx"

    def streams_export(self) -> bool:
        """One ObjectTable over the queryset's own rows: the export streams the queryset (read in chunks, as
        tuples when the table allows) instead of building every row's Table."""
        plain = (
            type(self).get_rows is ObjectListView.get_rows
            and type(self).get_tables is ObjectListView.get_tables
        )
        return self.table is not None and plain

    def export_sources(self) -> list[str]:
        """The documents the exported rows rest on (none by default: the rows are the portal's records)."""
        return []

    def export_as_of(self) -> dt.date | dt.datetime | None:
        return None

    def export_filters(self) -> list[tuple[str, str]]:
        return describe_filters(self.filterset_obj)

    def export_about(self, title: str = "") -> spreadsheets.About:
        return export_about(
            self.request,
            title or self.export_name,
            filters=self.export_filters(),
            sources=self.export_sources(),
            as_of=self.export_as_of(),
        )

    def export(self, key: str) -> HttpResponse:
        if self.streams_export():
            table = self.table()
            if key not in ("all", table.key):
                raise Http404
            sheet = table.sheet(self.queryset_filtered)
            about = self.export_about(table.get_title())
            content = spreadsheets.write_workbook([sheet], about=about)
            return spreadsheets.xlsx_response(content, self.export_filename(key))
        self.rows = self.get_rows(self.queryset_filtered)
        return tables_export(key, self.get_tables(), self.export_filename(key), self.export_about())


# -------------------------------------------------------------------------------------------------- objects


class ObjectMixin(ScopedMixin):
    """One object of the view's scoped queryset, by `pk` in the URL; anything else is 404."""

    pk_url_kwarg = "pk"

    def get_object(self):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs[self.pk_url_kwarg])


def style_widgets(form) -> None:
    """Bootstrap's classes on every widget of a filter form that has none (the FilterSets are shared with the
    API, so their widgets carry no page styling of their own)."""
    for field in form.fields.values():
        widget = field.widget
        if widget.attrs.get("class"):
            continue
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs["class"] = "form-check-input"
        elif isinstance(widget, forms.Select):
            widget.attrs["class"] = "form-select"
        else:
            widget.attrs["class"] = "form-control"


class ObjectDetailView(ObjectMixin, View):
    """One object's page. Its tables (`get_tables()`, if any) download with `?export=<key>` (or `all`)."""

    template_name: str | None = None
    context_object_name = "object"

    def allowed(self) -> bool:
        return True

    def get_tables(self) -> dict[str, Table]:
        return {}

    @cached_property
    def tables(self) -> dict[str, Table]:
        return self.get_tables()

    def export_filename(self, key: str) -> str:
        return f"{self.object}-{key}.xlsx"

    def export_sources(self) -> list[str]:
        """The documents the object's tables rest on: its own `source` document, where it has one."""
        source = getattr(self.object, "source", None)
        return [str(source)] if isinstance(source, Model) else []

    def get(self, request, *args, **kwargs):
        if not self.allowed():
            raise Http404
        self.object = self.get_object()
        key = request.GET.get("export")
        if key and self.tables:
            about = export_about(
                request, "", sources=self.export_sources(), notes=[(_("记录"), str(self.object))]
            )
            return tables_export(key, self.tables, self.export_filename(key), about)
        return render(request, self.template_name, self.get_context_data())

    post = get  # a page that only shows answers any method alike, as the function views did

    # The history panel (core/_history.html): the object's events and those of the rows hanging off it, to
    # `history_depth` levels; None shows no panel. `history_leave_out()` names models the viewer may not see.
    history_depth: int | None = None

    def history_leave_out(self) -> frozenset[str]:
        return frozenset()

    def get_context_data(self, **kwargs) -> dict[str, Any]:
        context = {"view": self, self.context_object_name: self.object, **kwargs}
        if self.history_depth is not None:
            sources = history.sources_for(
                self.object, depth=self.history_depth, leave_out=self.history_leave_out()
            )
            context["history"] = history.page(
                sources, self.request.GET.get("history_page"), reader=self.request.user
            )
        return context


class ObjectFormView(ObjectMixin, View):
    """GET shows `form_class`; a valid POST calls `run(obj, form)` (one service call) and redirects to
    `success_url(obj, result)` with `success_message`; a refusal (`error_class`) lands on the form
    (`refused()`)."""

    template_name: str | None = None
    form_class = None
    success_message = ""
    context_object_name = "object"
    error_class: type[Exception] = ServiceError

    def get_form(self):
        return self.form_class(self.request.POST or None)

    def run(self, obj, form):
        raise NotImplementedError

    def success_url(self, obj, result) -> str:
        raise NotImplementedError

    def refused(self, form, error) -> HttpResponse | None:
        """A refusal lands on the form; a view may answer some with a response of their own instead."""
        apply_service_error(form, error)
        return None

    def dispatch_object(self):
        return self.get_object()

    def get(self, request, *args, **kwargs):
        self.object = self.dispatch_object()
        return self.render_form(self.get_form())

    def post(self, request, *args, **kwargs):
        self.object = self.dispatch_object()
        form = self.get_form()
        if form.is_valid():
            try:
                result = self.run(self.object, form)
            except self.error_class as error:
                response = self.refused(form, error)
                if response is not None:
                    return response
            else:
                if self.success_message:
                    messages.success(request, self.success_message)
                return redirect(self.success_url(self.object, result))
        return self.render_form(form)

    def render_form(self, form):
        return render(self.request, self.template_name, self.get_context_data(form=form))

    def get_context_data(self, **kwargs) -> dict[str, Any]:
        return {"view": self, self.context_object_name: self.object, **kwargs}


class ObjectActionView(ObjectMixin, View):
    """A POST (only) that runs one service on one object of the scope and redirects: `run(obj)` is the
    service call, `success_message` or the refusal's message is flashed."""

    http_method_names = ["post"]
    success_message = ""
    error_class: type[Exception] = ServiceError
    run: Callable[..., Any]

    def redirect_to(self, obj):
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        obj = self.get_object()
        try:
            self.run(obj)
        except self.error_class as error:
            messages.error(request, error.message)
        else:
            messages.success(request, self.success_message)
        return self.redirect_to(obj)


__all__ = [
    "ObjectActionView",
    "ObjectDetailView",
    "ObjectFormView",
    "ObjectListView",
    "ObjectMixin",
    "ScopedMixin",
    "describe_filters",
    "export_about",
    "export_links",
    "exporter_name",
    "query_without_page",
    "tables_export",
]
