"""Reading the FHIR face: search parameters → scoped querysets, pages, and the type-level history.

Scope is core.access as everywhere (`for_user`/`scope_q`, Action.VIEW): a caller sees the facilities and
regions its grants reach — a facility operator's token its own facility, a town official's its town — and
nothing of the public directory (the FHIR face is for token holders only). Synthetic facilities are listed
where the API list lists them (in scope), tagged HTEST (interop.fhir).

Searches. Each parameter may be repeated (all must hold) and take comma-separated values (any may match).
An unknown parameter or a malformed value is a 400 naming it, never ignored. A page costs a constant number
of queries whatever `_count`: a count and a read of the page's rows per resource kind.

History is the change feed of /api/v1/changes/ (facilities.api.changes: the same events, scope rule,
tombstones and horizon), presented as FHIR history entries: each version as it was recorded, and a DELETE
for a deletion or a move out of the caller's scope. Entries come oldest first, so a client that follows the
`next` links and keeps the last one misses nothing (docs/api.md)."""

from __future__ import annotations

import datetime
import heapq
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from rest_framework import serializers

from core import access
from core.access import Action
from core.api.filters import parse_instant, refuse_unknown
from core.history import event_model
from facilities.api.changes import Feed, Position, encode, events, horizon, parse
from facilities.models import Facility
from interop import fhir
from targets.models import Region

DEFAULT_COUNT, MAX_COUNT = 50, 500
PAGING = {"_count", "_offset", "_format"}
ORGANIZATION_PARAMETERS = {"_id", "_lastUpdated", "name", "name:contains", "name:exact", "identifier"}
LOCATION_PARAMETERS = ORGANIZATION_PARAMETERS | {"partof", "partof:below", "type"}
HISTORY_PARAMETERS = {"_since", "_count", "_cursor", "_format"}
PREFIXES = ("ge", "gt", "le", "lt", "eq")
LOCATION_TYPES = {"facility", "jurisdiction"}


def invalid(name: str, message: str) -> serializers.ValidationError:
    return serializers.ValidationError({name: [message]}, code="invalid")


def _values(params, name: str) -> list[list[str]]:
    """Each occurrence of `name` as its comma-separated values (empty ones refused)."""
    found = []
    for raw in params.getlist(name):
        values = [v.strip() for v in raw.split(",")]
        if not all(values):
            raise invalid(name, _("参数值不能为空。"))
        found.append(values)
    return found


def count_of(params, name="_count") -> int:
    text = params.get(name)
    if text is None:
        return DEFAULT_COUNT
    if not text.isascii() or not text.isdigit() or int(text) > MAX_COUNT:
        raise invalid(name, _("请填写 0 至 %(max)s 之间的整数。") % {"max": MAX_COUNT})
    return int(text)


def offset_of(params) -> int:
    text = params.get("_offset", "0")
    if not text.isascii() or not text.isdigit() or len(text) > 9:
        raise invalid("_offset", _("请填写非负整数。"))
    return int(text)


# ---------------------------------------------------------------- criteria


def _interval(name: str, text: str) -> tuple[datetime.datetime, datetime.datetime]:
    """The span a date (that day) or a date-time (that instant) names."""
    moment = parse_instant(text)
    if moment is None:
        raise invalid(name, _("请填写 ISO 8601 日期或时间，如 2026-01-31T08:00:00+08:00。"))
    is_day = parse_date(text.strip()) is not None  # a date alone (Python reads it as a date-time too)
    return moment, moment + (datetime.timedelta(days=1) if is_day else datetime.timedelta(microseconds=1))


def _updated_q(params) -> Q:
    condition = Q()
    for values in _values(params, "_lastUpdated"):
        any_of = Q(pk__in=[])
        for value in values:
            prefix = value[:2] if value[:2] in PREFIXES else "eq"
            start, end = _interval("_lastUpdated", value[2:] if value[:2] in PREFIXES else value)
            any_of |= {
                "ge": Q(updated_at__gte=start),
                "gt": Q(updated_at__gte=end),
                "le": Q(updated_at__lt=end),
                "lt": Q(updated_at__lt=start),
                "eq": Q(updated_at__gte=start, updated_at__lt=end),
            }[prefix]
        condition &= any_of
    return condition


def _name_q(params, fields: tuple[str, ...]) -> Q:
    condition = Q()
    for name, lookup in (("name", "icontains"), ("name:contains", "icontains"), ("name:exact", "exact")):
        for values in _values(params, name):
            any_of = Q(pk__in=[])
            for value in values:
                for path in fields:
                    any_of |= Q(**{f"{path}__{lookup}": value})
            condition &= any_of
    return condition


def _split_token(value: str) -> tuple[str | None, str]:
    if "|" in value:
        system, _bar, code = value.partition("|")
        return (system or None), code
    return None, value


def _facility_identifier(system: str | None, value: str) -> Q:
    by_system = {
        fhir.SYSTEM_FILING_NUMBER: Q(filing_number=value) if value else Q(pk__in=[]),
        fhir.SYSTEM_CREDIT_CODE: Q(credit_code=value.upper()) if value else Q(pk__in=[]),
        fhir.SYSTEM_FACILITY_ID: Q(pk=int(value)) if value.isascii() and value.isdigit() else Q(pk__in=[]),
    }
    if system is None:
        condition = Q(pk__in=[])
        for q in by_system.values():
            condition |= q
        return condition
    return by_system.get(system, Q(pk__in=[]))


def _region_identifier(system: str | None, value: str) -> Q:
    if not value:
        return Q(pk__in=[])
    by_system = {
        fhir.SYSTEM_DIVISION_CODE: Q(code=value, official_code=True),
        fhir.SYSTEM_REGION_CODE: Q(code=value, official_code=False) | Q(former_code=value),
    }
    if system is None:
        return Q(code=value) | Q(former_code=value)
    return by_system.get(system, Q(pk__in=[]))


def _identifier_q(params, matcher) -> Q:
    condition = Q()
    for values in _values(params, "identifier"):
        any_of = Q(pk__in=[])
        for value in values:
            any_of |= matcher(*_split_token(value))
        condition &= any_of
    return condition


def _ids(params, prefix: str) -> Q:
    condition = Q()
    for values in _values(params, "_id"):
        wanted = [fhir.parse_id(value, prefix) for value in values]
        condition &= Q(pk__in=[pk for pk in wanted if pk is not None])
    return condition


@dataclass
class LocationCriteria:
    facilities: Q = field(default_factory=Q)
    regions: Q = field(default_factory=Q)
    want_facilities: bool = True
    want_regions: bool = True


def _partof(params, criteria: LocationCriteria) -> None:
    for name, below in (("partof", False), ("partof:below", True)):
        for values in _values(params, name):
            parents: set[int] = set()
            for value in values:
                text = value.removeprefix("Location/")
                if "/" in text:
                    raise invalid(name, _("请填写 Location/region-<编号>。"))
                pk = fhir.parse_id(text, fhir.REGION_PREFIX)
                if pk is None and fhir.parse_id(text, fhir.FACILITY_PREFIX) is None:
                    raise invalid(name, _("请填写 Location/region-<编号>。"))
                if pk is not None:
                    parents.add(pk)
            if below:
                parents |= access.descendant_ids(parents)
                criteria.facilities &= Q(town_id__in=parents) | Q(district_id__in=parents)
            else:
                criteria.facilities &= Q(town_id__in=parents) | Q(town__isnull=True, district_id__in=parents)
            criteria.regions &= Q(parent_id__in=parents)


def _types(params, criteria: LocationCriteria) -> None:
    for values in _values(params, "type"):
        kinds = set()
        for value in values:
            system, code = _split_token(value)
            if code not in LOCATION_TYPES or system not in (None, fhir.MCSD_TYPES):
                raise invalid("type", _("请填写 facility 或 jurisdiction。"))
            kinds.add(code)
        criteria.want_facilities &= "facility" in kinds
        criteria.want_regions &= "jurisdiction" in kinds


def _facility_q(params) -> Q:
    return (
        _ids(params, fhir.FACILITY_PREFIX)
        & _updated_q(params)
        & _name_q(params, ("name",))
        & _identifier_q(params, _facility_identifier)
    )


def organization_criteria(params) -> Q:
    refuse_unknown(params, ORGANIZATION_PARAMETERS | PAGING)
    return _facility_q(params)


def location_criteria(params) -> LocationCriteria:
    refuse_unknown(params, LOCATION_PARAMETERS | PAGING)
    criteria = LocationCriteria(
        facilities=_facility_q(params),
        regions=_ids(params, fhir.REGION_PREFIX)
        & _updated_q(params)
        & _name_q(params, ("name", "official_name"))
        & _identifier_q(params, _region_identifier),
    )
    _partof(params, criteria)
    _types(params, criteria)
    return criteria


# ---------------------------------------------------------------- scoped rows


def facilities(user):
    return access.for_user(user, Action.VIEW, Facility.objects.all())


def regions(user):
    return access.for_user(user, Action.VIEW, Region.objects.all())


def facility_rows(queryset):
    return queryset.select_related("district__parent", "town").order_by("pk")


def region_rows(queryset):
    return queryset.select_related("parent").order_by("level", "code", "pk")


@dataclass
class Page:
    resources: list[dict]
    total: int


def organization_page(user, criteria: Q, offset: int, count: int) -> Page:
    rows = facilities(user).filter(criteria)
    total = rows.count()
    page = list(facility_rows(rows)[offset : offset + count]) if count else []
    return Page([fhir.organization(f) for f in page], total)


def location_page(user, criteria: LocationCriteria, offset: int, count: int) -> Page:
    """Jurisdictions first (by level and code), then facilities (by id)."""
    region_set = regions(user).filter(criteria.regions) if criteria.want_regions else Region.objects.none()
    facility_set = (
        facilities(user).filter(criteria.facilities) if criteria.want_facilities else Facility.objects.none()
    )
    region_total = region_set.count() if criteria.want_regions else 0
    facility_total = facility_set.count() if criteria.want_facilities else 0
    resources = []
    if count and offset < region_total:
        resources += [fhir.region_location(r) for r in region_rows(region_set)[offset : offset + count]]
    left = count - len(resources)
    if left > 0 and facility_total:
        start = max(0, offset - region_total)
        resources += [fhir.facility_location(f) for f in facility_rows(facility_set)[start : start + left]]
    return Page(resources, region_total + facility_total)


def organization(user, resource_id: str) -> dict | None:
    pk = fhir.parse_id(resource_id, fhir.FACILITY_PREFIX)
    found = facility_rows(facilities(user).filter(pk=pk)).first() if pk is not None else None
    return fhir.organization(found) if found is not None else None


def location(user, resource_id: str) -> dict | None:
    pk = fhir.parse_id(resource_id, fhir.FACILITY_PREFIX)
    if pk is not None:
        found = facility_rows(facilities(user).filter(pk=pk)).first()
        return fhir.facility_location(found) if found is not None else None
    pk = fhir.parse_id(resource_id, fhir.REGION_PREFIX)
    if pk is not None:
        found = region_rows(regions(user).filter(pk=pk)).first()
        return fhir.region_location(found) if found is not None else None
    return None


# ---------------------------------------------------------------- history


@dataclass(frozen=True)
class Kind:
    """One tracked model in a resource type's history: its feed and how a snapshot becomes the resource."""

    feed: Feed
    prefix: str
    to_resource: object


def _kinds(resource_type: str) -> list[Kind]:
    if resource_type == "Organization":
        return [
            Kind(
                Feed("facility", Facility, "fhir-organization-read"), fhir.FACILITY_PREFIX, fhir.organization
            )
        ]
    return [
        Kind(Feed("facility", Facility, "fhir-location-read"), fhir.FACILITY_PREFIX, fhir.facility_location),
        Kind(Feed("region", Region, "fhir-location-read"), fhir.REGION_PREFIX, fhir.region_location),
    ]


def encode_cursor(position: Position) -> str:
    return encode(position, "h1")


def decode_cursor(cursor: str, types: set[str]) -> Position:
    try:
        return parse(cursor, "h1", types)
    except ValueError:
        raise invalid("_cursor", _("游标无效：请使用上一页返回的 next 链接。")) from None


def _snapshots(kind: Kind, pgh_ids: list[int]) -> dict[int, object]:
    """The recorded versions (pgh_id → an unsaved model instance as it was), their regions read at once."""
    if not pgh_ids:
        return {}
    model = kind.feed.model
    names = [f.attname for f in model._meta.concrete_fields]
    rows = event_model(model).objects.filter(pgh_id__in=pgh_ids).values("pgh_id", *names)
    found = {row["pgh_id"]: model(**{name: row[name] for name in names}) for row in rows}
    relations = ("district", "town") if model is Facility else ("parent",)
    wanted = {getattr(obj, f"{name}_id") for obj in found.values() for name in relations} - {None}
    places = Region.objects.select_related("parent").in_bulk(wanted)
    for obj in found.values():
        for name in relations:
            model._meta.get_field(name).set_cached_value(obj, places.get(getattr(obj, f"{name}_id")))
    return found


def history(user, resource_type: str, params) -> tuple[list[dict], Position | None]:
    """(entries, position after them when more are ready, else None) for `/fhir/<type>/_history`."""
    refuse_unknown(params, HISTORY_PARAMETERS)
    kinds = _kinds(resource_type)
    count = count_of(params) or 1
    cursor = params.get("_cursor")
    if cursor is not None:
        after = decode_cursor(cursor, {kind.feed.type for kind in kinds})
    elif params.get("_since") is not None:
        since = parse_instant(params["_since"])
        if since is None:
            raise invalid("_since", _("请填写 ISO 8601 时间，如 2026-01-31T08:00:00+08:00。"))
        after = Position(since)  # type "": every event at or after `since`
    else:
        after = Position(datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC))
    before = horizon()
    by_type = {kind.feed.type: kind for kind in kinds}
    merged = list(
        heapq.merge(
            *(events(user, kind.feed, after, before, count + 1) for kind in kinds),
            key=lambda e: e["position"],
        )
    )
    page, more = merged[:count], len(merged) > count
    wanted = {
        kind.feed.type: [e["position"].pgh_id for e in page if e["type"] == kind.feed.type and e["url"]]
        for kind in kinds
    }
    snapshots = {type_: _snapshots(by_type[type_], ids) for type_, ids in wanted.items()}
    entries = []
    for event in page:
        kind = by_type[event["type"]]
        path = f"{resource_type}/{kind.prefix}{event['id']}"
        snapshot = snapshots[event["type"]].get(event["position"].pgh_id) if event["url"] else None
        entries.append(
            {
                "path": path,
                "kind": event["kind"],
                "time": event["time"],
                "version": event["version"],
                "resource": kind.to_resource(snapshot) if snapshot is not None else None,
            }
        )
    return entries, (page[-1]["position"] if more else None)
