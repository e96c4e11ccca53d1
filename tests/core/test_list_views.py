"""What every list view of the portal must do — checked for each one, found from the URL resolver.

A list view is any URL whose view class is a core.views.ObjectListView (a list page, or a list's own export
URL declared with `export_only=True`). A new list view is picked up without being named here. For each, as a
user who may open it (the Daxing district official; the superuser where the official may not):

1. It renders (200) and shows its rows: the page holds as many rows as it counts (up to a page), and each
   row's name — or, on a page that summarises its rows, each row of its tables — appears in the HTML.
2. It filters by every filter of its FilterSet (each filter is a test of its own). A filter on a field,
   given the value of an existing row, is accepted and keeps exactly the rows of the unfiltered list with
   that value (`exact`, `gte`, `lte`... checked on the instances). A filter with its own method keeps a
   subset of the unfiltered list, and: every choice is accepted and at least one leaves rows out; "yes" and
   "no" split the list in two; a search for a row's name finds that row and not every row.
3. Its export is the page's rows: over every page, the rows of the page's tables equal the rows of its .xlsx
   export (`?export=all` on the page, or the list's own export URL) cell for cell, in the same order —
   without filters and with one.
4. Its query count does not grow with its rows: the page costs the same number of queries with 3 rows of
   its model as with 30.

The rows come from ROW_MAKERS: one maker per model a list shows, built on the shared factories (or the
model's services where there is no factory). A list of a model without a maker fails, naming the model —
add the maker here when adding the list.
"""

from __future__ import annotations

import datetime
import html
import io
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import django_filters
import pytest
from django.db import connection, transaction
from django.db.models import Model, QuerySet
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from openpyxl import load_workbook

from core.tables import Table, tables_workbook
from core.views import ObjectListView
from coverage.models import Community
from facilities.models import Facility
from reporting import services as reporting_services
from reporting.models import EnrolmentReport, PeriodReport, quarter_bounds
from subsidies import services as subsidy_services
from subsidies.models import Application, Fund, LedgerEntry, Program, Project
from supervision import services as supervision_services
from supervision.models import Complaint, Evaluation, EvaluationFramework, Finding, Inspection
from supervision.services import TeamInput
from targets.models import Region
from tests import cast
from tests.factories import (
    ApplicationFactory,
    CommunityFactory,
    FacilityFactory,
    FindingFactory,
    FundFactory,
    InspectionFactory,
    ProgramFactory,
    filed_facility,
    valid_credit_code,
)

# ================================================================================================ discovery


@dataclass(frozen=True)
class ListURL:
    """One URL pattern served by an ObjectListView."""

    name: str  # the URL name with its namespaces, e.g. "registry:list"
    view_class: type[ObjectListView]
    export_only: bool
    kwarg_names: tuple[str, ...]

    def __str__(self):
        return self.name

    @property
    def model(self) -> type[Model]:
        queryset = self.view_class.queryset
        return queryset if isinstance(queryset, type) else queryset.model

    @property
    def filters(self) -> dict[str, django_filters.Filter]:
        filterset = self.view_class.filterset
        return dict(filterset.base_filters) if filterset is not None else {}

    def url(self, place: Place, query: str = "") -> str:
        kwargs = {name: URL_KWARGS[name](place) for name in self.kwarg_names}
        path = reverse(self.name, kwargs=kwargs)
        return f"{path}?{query}" if query else path


def _walk(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or ""
            yield from _walk(pattern.url_patterns, f"{namespace}:{inner}".strip(":") if inner else namespace)
        elif isinstance(pattern, URLPattern):
            yield namespace, pattern


def discover() -> list[ListURL]:
    found = []
    for namespace, pattern in _walk(get_resolver().url_patterns):
        view_class = getattr(pattern.callback, "view_class", None)
        if not (isinstance(view_class, type) and issubclass(view_class, ObjectListView)):
            continue
        assert pattern.name, f"the list view {view_class.__name__} at {pattern.pattern} has no URL name"
        initkwargs = getattr(pattern.callback, "view_initkwargs", {})
        names = tuple(pattern.pattern.regex.groupindex)  # path() and re_path() alike
        found.append(
            ListURL(
                name=f"{namespace}:{pattern.name}" if namespace else pattern.name,
                view_class=view_class,
                export_only=bool(initkwargs.get("export_only", view_class.export_only)),
                kwarg_names=names,
            )
        )
    return found


ALL = discover()
PAGES = [u for u in ALL if not u.export_only]


@dataclass(frozen=True)
class Export:
    """How a page's rows download: its own export URL, or `?export=all` on the page."""

    page: ListURL
    url: ListURL | None  # None: the page's own URL with ?<export_param>=all

    def __str__(self):
        return self.url.name if self.url else f"{self.page.name}?{self.page.view_class.export_param}=all"

    def get(self, client, place, query=""):
        if self.url is not None:
            return client.get(self.url.url(place, query))
        param = f"{self.page.view_class.export_param}=all"
        return client.get(self.page.url(place, f"{query}&{param}" if query else param))


def exports() -> list[Export]:
    found = []
    for page in PAGES:
        own = [u for u in ALL if u.export_only and u.view_class is page.view_class]
        found.extend(Export(page, url) for url in own)
        if not own and page.view_class.export_param:
            found.append(Export(page, None))
    return found


EXPORTS = exports()


def test_the_list_views_are_found():
    """The resolver walk finds the portal's lists (a refactor that hides them from it would silently empty
    every test below)."""
    names = {u.name for u in ALL}
    assert {"registry:list", "registry:export", "subsidies:applications", "supervision:findings"} <= names
    assert all(e.page.name in names for e in EXPORTS)


# ================================================================================================== places


@dataclass
class Place:
    """A district with two towns, the official who sees its lists, and a superuser who writes its rows."""

    district: Region
    towns: list[Region]
    official: object
    superuser: object
    facility: Facility | None = None  # a facility of the district, for URLs that take one


# What a URL keyword means, for list views that take one (none does today).
URL_KWARGS: dict[str, Callable[[Place], object]] = {
    "code": lambda place: place.district.code,
    "town": lambda place: place.towns[0].code,
    "pk": lambda place: place.facility.pk,
}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# =============================================================================================== the rows

_serial = itertools.count(1)


def _unique(label: str) -> str:
    return f"列表{label}{next(_serial):04d}"


def _cycle(values, i):
    values = list(values)
    return values[i % len(values)]


def _today():
    return timezone.localdate()


def make_facilities(place: Place, town: Region, n: int) -> list[Facility]:
    """Submitted (so the review queue lists them too), operating, of every kind and ownership."""
    return [
        FacilityFactory(
            town=town,
            name=_unique("托育园"),
            submitted=True,
            kind=_cycle(Facility.Kind.values, i),
            ownership=_cycle(Facility.Ownership.values, i),
            is_inclusive=i % 2 == 0,
            submitted_at=timezone.now() - datetime.timedelta(days=i + 1),
            units=[("toddler", 1, 10 + i % 5)],
            # identifiers for the exact look-ups (`filing_number`: as kept from an earlier filing)
            credit_code=valid_credit_code(next(_serial)),
            filing_number=_unique("备案") if i % 2 else "",
        )
        for i in range(n)
    ]


def make_funds(place: Place, town: Region, n: int) -> list[Fund]:
    return [
        FundFactory(
            district=place.district,
            name=_unique("资金"),
            year=2024 + i % 2,
            source_level=_cycle(Fund.SourceLevel.values, i),
        )
        for i in range(n)
    ]


def make_programs(place: Place, town: Region, n: int) -> list[Program]:
    fund = FundFactory(district=place.district, name=_unique("资金"))
    return [
        ProgramFactory(
            district=place.district,
            fund=fund,
            name=_unique("补助项目"),
            year=2024 + i % 2,
            kind=_cycle(Program.Kind.values, i),
        )
        for i in range(n)
    ]


def _applications(place: Place, town: Region, n: int, approve) -> list[Application]:
    fund = FundFactory(district=place.district, name=_unique("资金"), amount_allocated=Decimal("9999999"))
    program = ProgramFactory(district=place.district, fund=fund, name=_unique("补助项目"))
    made = []
    for i in range(n):
        facility = filed_facility(town, _unique("申请机构"))
        approved_by = place.superuser if approve(i) else None
        made.append(
            ApplicationFactory(
                user=place.superuser,
                facility=facility,
                program=program,
                approved_by=approved_by,
            )
        )
    return made


def make_applications(place: Place, town: Region, n: int) -> list[Application]:
    """Half submitted, half approved."""
    return _applications(place, town, n, approve=lambda i: i % 2 == 1)


def make_ledger_entries(place: Place, town: Region, n: int) -> list[LedgerEntry]:
    """n entries: payments, every third one a reversal of the payment before it."""
    applications = _applications(place, town, n, approve=lambda i: True)
    made = []
    for i, application in enumerate(applications):
        if i % 3 == 2:
            made.append(
                subsidy_services.payment_reverse(user=place.superuser, entry=made[-1], reason="退回（测试）")
            )
        else:
            made.append(
                subsidy_services.payment_create(
                    user=place.superuser,
                    application=application,
                    amount=Decimal("100.00"),
                    reference=_unique("PZ-"),
                )
            )
    return made


def make_projects(place: Place, town: Region, n: int) -> list[Project]:
    made = []
    for i in range(n):
        project = Project(
            kind=_cycle(Project.Kind.values, i), district=place.district, town=town, name=_unique("建设项目")
        )
        project.full_clean()
        project.save()
        made.append(project)
    return made


def make_inspections(place: Place, town: Region, n: int) -> list[Inspection]:
    """Of every kind (a part-time team's visit with its team)."""
    facility = filed_facility(town, _unique("受检机构"))
    made = []
    for i in range(n):
        kind = _cycle(Inspection.Kind.values, i)
        team = [TeamInput(name="督导员", role="parent")] if kind == Inspection.Kind.PART_TIME_TEAM else []
        made.append(
            InspectionFactory(
                user=place.superuser,
                facilities=[facility],
                kind=kind,
                team=team,
                title=_unique("检查"),
                inspected_on=_today() - datetime.timedelta(days=10 + i),
            )
        )
    return made


def make_findings(place: Place, town: Region, n: int) -> list[Finding]:
    """Of every category and severity; every other one overdue."""
    facility = filed_facility(town, _unique("受检机构"))
    inspection = InspectionFactory(user=place.superuser, facilities=[facility], title=_unique("检查"))
    return [
        FindingFactory(
            user=place.superuser,
            inspection=inspection,
            facility=facility,
            category=_cycle(Finding.Category.values, i),
            severity=_cycle(Finding.Severity.values, i),
            overdue=i % 2 == 1,
            description=_unique("问题"),
        )
        for i in range(n)
    ]


def make_complaints(place: Place, town: Region, n: int) -> list[Complaint]:
    """Open and closed, substantiated or not."""
    facility = filed_facility(town, _unique("被投诉机构"))
    made = []
    for i in range(n):
        data = {
            "received_on": _today() - datetime.timedelta(days=5 + i),
            "channel": _cycle(Complaint.Channel.values, i),
            "summary": _unique("投诉"),
        }
        if i % 2:
            data.update(closed_on=_today(), substantiated=i % 4 == 1, outcome="已办结")
        made.append(supervision_services.complaint_save(user=place.superuser, facility=facility, data=data))
    return made


def make_evaluations(place: Place, town: Region, n: int) -> list[Evaluation]:
    facility = filed_facility(town, _unique("评估机构"))
    framework = EvaluationFramework.objects.filter(is_active=True).order_by("pk").first()
    return [
        supervision_services.evaluation_create(
            user=place.superuser,
            facility=facility,
            framework=framework,
            kind=_cycle(Evaluation.Kind.values, i),
            assessed_on=_today() - datetime.timedelta(days=i),
            scores=[],
        )
        for i in range(n)
    ]


def make_enrolment_reports(place: Place, town: Region, n: int) -> list[EnrolmentReport]:
    """One facility's reports for n consecutive months from January 2023."""
    facility = filed_facility(town, _unique("月报机构"))
    toddler = facility.units.select_related("class_type").first().class_type
    return [
        reporting_services.enrolment_report_save(
            user=place.superuser,
            facility=facility,
            month=datetime.date(2023 + i // 12, i % 12 + 1, 1),
            lines=[reporting_services.LineInput(toddler, 10 + i % 5, Decimal(8), i % 3)],
        )
        for i in range(n)
    ]


def make_period_reports(place: Place, town: Region, n: int) -> list[PeriodReport]:
    """The town's reports for n quarters from 2018, as compiled (drafts, submitted and approved)."""
    made = []
    for i in range(n):
        year, quarter = 2018 + i // 4, i % 4 + 1
        made.append(
            PeriodReport.objects.create(
                district=place.district,
                town=town,
                year=year,
                quarter=quarter,
                period_end=quarter_bounds(year, quarter)[1],
                status=_cycle(["draft", "submitted", "approved"], i),
                compiled_at=timezone.now(),
                facilities=i,
                slots=10 * i,
                inclusive_slots=5 * i,
                enrolled=8 * i,
                reporting_facilities=i,
                reported_slots=10 * i,
            )
        )
    return made


def make_communities(place: Place, town: Region, n: int) -> list[Community]:
    return [
        CommunityFactory(
            town=town,
            name=_unique("社区"),
            population=1000 + i,
            infants_under_3=(30 + i) if i % 2 else None,
            longitude=Decimal("116.340000") + i if i % 3 else None,
            latitude=Decimal("39.730000") if i % 3 else None,
        )
        for i in range(n)
    ]


#: How to make n rows of a model in a town of a place, visible to the place's official in every list of it.
ROW_MAKERS: dict[type[Model], Callable[[Place, Region, int], list]] = {
    Facility: make_facilities,
    Fund: make_funds,
    Program: make_programs,
    Application: make_applications,
    LedgerEntry: make_ledger_entries,
    Project: make_projects,
    Inspection: make_inspections,
    Finding: make_findings,
    Complaint: make_complaints,
    Evaluation: make_evaluations,
    EnrolmentReport: make_enrolment_reports,
    PeriodReport: make_period_reports,
    Community: make_communities,
}


def maker_for(page: ListURL):
    maker = ROW_MAKERS.get(page.model)
    assert maker, f"{page}: no row maker for {page.model.__name__}; add one to ROW_MAKERS"
    return maker


def place_of(code: str, prefix: str) -> Place:
    district = Region.objects.get(code=code)
    towns = list(Region.objects.filter(parent=district, level=Region.Level.TOWN).order_by("code")[:2])
    return Place(
        district=district,
        towns=towns,
        official=cast.district_official(f"{prefix}official", district),
        superuser=cast.superuser(f"{prefix}superuser"),
    )


@pytest.fixture(scope="module")
def daxing_rows(django_db_setup, django_db_blocker):
    """The lists' rows, built once for the module (and rolled back after it): in Daxing, three rows of
    every model a list shows in each of two towns, plus facility A (filed) for URLs that take a facility."""
    with django_db_blocker.unblock(), transaction.atomic():
        place = place_of("110115", "lv_")
        place.facility = filed_facility(place.towns[0], "列表甲托育园")
        for model in {page.model for page in PAGES}:
            maker = ROW_MAKERS.get(model)
            for town in place.towns if maker else ():
                maker(place, town, 3)
        yield place
        transaction.set_rollback(True)


@pytest.fixture
def daxing_place(daxing_rows, db):
    return daxing_rows


def viewer(page: ListURL, place: Place):
    """The place's official, or the superuser where the page is not for the official."""
    for user in (place.official, place.superuser):
        client = client_for(user)
        if client.get(page.url(place)).status_code == 200:
            return client
    pytest.fail(f"{page} answers neither the district official nor the superuser")


# ================================================================================================ reading


def subject(row, model: type[Model]):
    """The model instance a row shows: the row itself or the instance it wraps (a selector's result)."""
    if isinstance(row, model):
        return row
    values = row if isinstance(row, tuple | list) else getattr(row, "__dict__", {}).values()
    for value in values:
        if isinstance(value, model):
            return value
    return None


def names_of(obj) -> list[str]:
    """Texts that identify a row on a page: its name or title, else its facility's name."""
    found = []
    for path in ("name", "title", "description", "summary", "facility__name"):
        value = read_path(obj, path)
        if isinstance(value, str) and value.strip():
            found.append(value.strip())
    return found


def read_path(obj, path: str):
    """A filter's field path (ORM style, e.g. "facility__district" or "entry_date__year") read on an
    instance; None when a step is missing."""
    for part in path.split("__"):
        if obj is None:
            return None
        if isinstance(obj, datetime.date) and part in ("year", "month", "day"):
            obj = getattr(obj, part)
            continue
        obj = getattr(obj, part, None)
    return obj


def page_tables(view) -> dict[str, Table]:
    """The page's tables over the rows of the page shown (what the export would hold for just these)."""
    rows = view.rows
    view.rows = view.page_rows
    try:
        return view.get_tables()
    finally:
        view.rows = rows


def sheets(content: bytes) -> list[list[tuple]]:
    """Each data sheet's rows (below its one header row) as read back by openpyxl; an export's last sheet,
    "说明" (what the export is: tests/core/test_exports.py), is not a table of the page."""
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    return [
        [tuple(row) for row in sheet.iter_rows(min_row=2, values_only=True)]
        for sheet in workbook
        if sheet.title != "说明"
    ]


def listed(client, page: ListURL, place: Place, query: str = ""):
    response = client.get(page.url(place, query))
    assert response.status_code == 200, f"{page}?{query}: {response.status_code}"
    return response, response.context["view"]


def total_of(response, view) -> int:
    page = response.context.get("page")
    return page.paginator.count if page is not None else len(view.rows)


def pks(queryset: QuerySet) -> set:
    return set(queryset.values_list("pk", flat=True))


# ========================================================================================== 1. it renders

pages = pytest.mark.parametrize("page", PAGES, ids=str)


@pages
def test_renders_and_shows_its_rows(page, daxing_place):
    client = viewer(page, daxing_place)
    response, view = listed(client, page, daxing_place)
    total = total_of(response, view)
    assert total > 0, f"{page} lists nothing of the rows made for it"
    assert len(view.page_rows) == min(total, view.paginate_by or total)

    content = html.unescape(response.content.decode())
    unseen = []
    for row in view.page_rows:
        names = names_of(subject(row, page.model))
        if not any(name in content for name in names):
            unseen.append(names or row)
    if unseen:
        # A page that summarises its rows (subsidies by program and town) shows its tables instead.
        assert len(unseen) == len(view.page_rows), f"{page} does not show these rows: {unseen[:5]}"
        first_cells = [
            next((str(cell) for cell in cells if isinstance(cell, str) and cell), None)
            for table in page_tables(view).values()
            for cells in table.rows
        ]
        assert first_cells and all(cell is None or cell in content for cell in first_cells), (
            f"{page} does not show these rows: {unseen[:5]}"
        )


# =========================================================================================== 2. it filters


def _choices(flt) -> list[str]:
    choices = flt.extra.get("choices", ())
    choices = choices() if callable(choices) else choices
    return [str(value) for value, _label in choices if value not in ("", None)]


def _value(flt, row):
    """What to send for a filter so that `row` passes it (None if the row has nothing to offer)."""
    value = read_path(row, flt.field_name)
    if isinstance(value, Model):
        return getattr(value, flt.extra.get("to_field_name") or "pk")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _row_with_value(flt, rows):
    """The last row with a value to filter by (an empty value would not filter at all)."""
    return next((row for row in reversed(rows) if _value(flt, row) not in (None, "")), None)


LOOKUPS = {
    "exact": lambda a, b: a == b,
    "gte": lambda a, b: a is not None and a >= b,
    "lte": lambda a, b: a is not None and a <= b,
    "gt": lambda a, b: a is not None and a > b,
    "lt": lambda a, b: a is not None and a < b,
    "icontains": lambda a, b: a is not None and str(b).lower() in str(a).lower(),
}


def _expected(flt, rows, row) -> set | None:
    """The rows a plain field filter must keep when given `row`'s value (None: not checkable here)."""
    check = LOOKUPS.get(flt.lookup_expr)
    if check is None:
        return None
    wanted = read_path(row, flt.field_name)
    if isinstance(wanted, Model):
        return {r.pk for r in rows if getattr(read_path(r, flt.field_name), "pk", None) == wanted.pk}
    return {r.pk for r in rows if check(read_path(r, flt.field_name), wanted)}


FILTERS = [pytest.param(page, name, id=f"{page}-{name}") for page in PAGES for name in page.filters]


@pytest.mark.parametrize(("page", "name"), FILTERS)
def test_filters_by_every_field_of_its_filterset(page, name, daxing_place):
    flt = page.filters[name]
    client = viewer(page, daxing_place)
    _response, view = listed(client, page, daxing_place)
    rows = list(view.queryset_filtered)
    everything = {r.pk for r in rows}
    assert rows, f"{page} lists nothing to filter"

    def filtered(value) -> set:
        _response, view = listed(client, page, daxing_place, f"{name}={value}")
        form = view.filterset_obj
        assert form is not None and form.is_bound and form.is_valid(), (
            f"{page}: {name}={value!r} refused: {form.errors if form is not None else 'no filterset'}"
        )
        shown = pks(view.queryset_filtered)
        assert shown <= everything, f"{page}: {name}={value!r} lists rows the unfiltered list does not"
        return shown

    if flt.method is None:
        # A field filter: the value of one row keeps exactly the rows with that value.
        row = _row_with_value(flt, rows)
        assert row is not None, f"{page}: no row has a value for {name} ({flt.field_name})"
        value = _value(flt, row)
        shown = filtered(value)
        expected = _expected(flt, rows, row)
        if expected is not None:
            assert shown == expected, f"{page}: {name}={value!r} keeps {shown}, expected {expected}"
        assert row.pk in shown
    elif isinstance(flt, django_filters.BooleanFilter):
        # Yes and no split the list in two.
        yes, no = filtered("true"), filtered("false")
        assert yes.isdisjoint(no) and yes | no == everything, f"{page}: {name} true/false do not split"
    elif isinstance(flt, django_filters.ChoiceFilter):
        # Every choice is accepted; at least one leaves rows out.
        kept = [filtered(choice) for choice in _choices(flt)]
        assert any(len(some) < len(everything) for some in kept), f"{page}: no choice of {name} filters"
    elif isinstance(flt, django_filters.CharFilter):
        # A search for a row's name finds that row.
        row = next((r for r in rows if names_of(r)), None)
        assert row is not None, f"{page}: no row has a name to search for"
        word = names_of(row)[0].split()[0]
        found = filtered(word)
        assert row.pk in found, f"{page}: {name}={word!r} does not find its row"
        assert len(found) < len(everything), f"{page}: {name}={word!r} finds every row"
    else:
        value = _value(flt, rows[0]) if flt.field_name else None
        assert value is not None, f"{page}: no plausible value for the filter {name} ({type(flt).__name__})"
        filtered(value)


# ==================================================================================== 3. export = page rows


def _filter_query(page: ListURL, place: Place) -> str:
    """One filter for the filtered export: the first field filter, with a listed row's value, that leaves
    some rows out."""
    client = viewer(page, place)
    _response, view = listed(client, page, place)
    rows = list(view.queryset_filtered)
    for name, flt in page.filters.items():
        for row in rows if flt.method is None else ():
            value = _value(flt, row)
            kept = _expected(flt, rows, row) if value not in (None, "") else None
            if kept and len(kept) < len(rows):
                return f"{name}={value}"
    return ""


EXPORT_CASES = [
    pytest.param(export, filtered, id=f"{export}-{'filtered' if filtered else 'all'}")
    for export in EXPORTS
    for filtered in (False, True)
    if not filtered or any(flt.method is None for flt in export.page.filters.values())
]


@pytest.mark.parametrize(("export", "filtered"), EXPORT_CASES)
def test_export_equals_the_pages_rows(export, filtered, daxing_place, monkeypatch):
    """Without filters, and with a field filter that leaves rows out (the export keeps the page's filters)."""
    page = export.page
    query = _filter_query(page, daxing_place) if filtered else ""
    assert query or not filtered, f"{page}: no field filter leaves a row out of the list"
    if page.view_class.paginate_by:
        # Small pages, so that the rows of several pages, in order, make up the export.
        monkeypatch.setattr(page.view_class, "paginate_by", 3)
    client = viewer(page, daxing_place)

    shown: dict[str, list[Table]] = {}
    number, last = 1, 1
    while number <= last:
        response, view = listed(client, page, daxing_place, "&".join(filter(None, [query, f"page={number}"])))
        paginator = response.context.get("page")
        last = paginator.paginator.num_pages if paginator is not None else 1
        for key, table in page_tables(view).items():
            shown.setdefault(key, []).append(table)
        number += 1

    response = export.get(client, daxing_place, query)
    assert response.status_code == 200, f"{export}: {response.status_code}"
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    downloaded = sheets(response.content)

    assert len(downloaded) == len(shown), f"{export}: {len(downloaded)} sheets for {len(shown)} tables"
    for (key, parts), rows in zip(shown.items(), downloaded, strict=True):
        # The page's rows, written and read back the way the export is.
        columns = parts[0]
        page_rows = [row for part in parts for row in part.rows]
        expected = sheets(tables_workbook([Table(key, columns.title, columns.columns, page_rows)]))[0]
        # A table with a totals line may carry it (the totals of every row) as its last row.
        if any(part.footer for part in parts) and len(rows) == len(expected) + 1:
            rows = rows[:-1]
        assert len(rows) == len(expected), f"{export} [{key}]: {len(rows)} rows, the page {len(expected)}"
        assert rows == expected, f"{export} [{key}]: the export's rows differ from the page's"
    assert sum(len(rows) for rows in downloaded), f"{export}: no row to compare"


# ============================================================================= 4. queries do not grow

#: Lists known to read more queries with more rows (none today: the review queue's working-day calendar and
#: the evaluation list's frameworks are read once per page). Each entry is a strict xfail naming the defect.
QUERIES_GROW: dict[str, str] = {}


@pytest.mark.parametrize(
    "page",
    [
        pytest.param(page, id=str(page), marks=pytest.mark.xfail(reason=QUERIES_GROW[page.name], strict=True))
        if page.name in QUERIES_GROW
        else pytest.param(page, id=str(page))
        for page in PAGES
    ],
)
def test_query_count_does_not_grow_with_rows(page, yubei):
    """In Yubei, which the seed leaves empty: 3 rows of the list's model, then 30."""
    place = place_of("500112", "qc_")
    place.facility = filed_facility(place.towns[0], "列表渝北托育园")
    make = maker_for(page)
    client = viewer(page, place)
    response, view = listed(client, page, place)
    before = total_of(response, view)

    def measured(expected_rows: int) -> int:
        listed(client, page, place)  # warm the caches (rules, translations) first
        with CaptureQueriesContext(connection) as queries:
            response, view = listed(client, page, place)
        rows = total_of(response, view)
        assert rows == before + expected_rows, f"{page} lists {rows} rows, {before + expected_rows} made"
        return len(queries)

    make(place, place.towns[0], 3)
    few = measured(3)
    make(place, place.towns[1], 27)
    many = measured(30)
    assert many == few, f"{page}: {few} queries for 3 rows, {many} for 30"
