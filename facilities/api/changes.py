"""/api/v1/changes/?since=<cursor>: what changed in the caller's scope, for clients that keep a copy.

Built from the history every tracked model already records (django-pghistory, core.models.tracked): each
insert, update and delete left a snapshot row, and each snapshot becomes at most one event —

- `created`, `updated`, `deleted` (a tombstone: the row is gone) when the snapshot is in the caller's scope;
- `left_scope` (a tombstone too) when the snapshot is outside it but the object's previous one was inside:
  an official moved a facility to another town, or it was archived. A client drops its copy either way.

Scope is the caller's grants as they are now (core.access.scope_q), applied to each snapshot: the event of an
object that enters the scope is an `updated`. A grant given later does not replay older events: after a
change of grants a client walks the lists again (docs/api.md).

Order and cursors. Events are ordered by (time, type, history id); the time is the writing transaction's
start (pghistory's NOW()). A transaction still running may commit events with an earlier time than events
already visible, so the feed stops short of the oldest running transaction of the database (the horizon):
everything before it is committed and visible, everything committed later sorts after it. A client that
keeps the last `next_cursor` therefore misses nothing. Two transactions on one object may commit in the
opposite order of their start times: each event carries the snapshot's `version`, and a client keeps the
highest version it applied per object (docs/examples/sync_client.py). The cursor is opaque.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import heapq
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models
from django.db.models import BooleanField, Case, OuterRef, Q, Subquery, Value, When
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from core import access
from core.api.filters import refuse_unknown
from core.api.permissions import TokenScope
from core.api.views import LIST_ERRORS
from core.history import event_model
from facilities.models import Facility

SINCE = "since"
NOW = "now"  # `?since=now`: no events, a cursor from which to follow (the start of a full sync)
PAGE_SIZE, MAX_PAGE_SIZE = 100, 500
KNOWN_PARAMETERS = frozenset({SINCE, "page_size", "format"})
KINDS = {"insert": "created", "update": "updated", "delete": "deleted"}
LEFT_SCOPE = "left_scope"


@dataclass(frozen=True)
class Feed:
    """One tracked model in the feed: its `type` as clients see it and the URL name of its API record."""

    type: str
    model: type[models.Model]
    detail: str


# The feed's types, registered by their apps (an app above this one calls `register` from its
# AppConfig.ready, as facilities.disclosure does). A type qualifies when its API record is private (a public
# list is re-read by anyone, docs/api.md) and its `scope` can be judged on a history snapshot alone: every
# scope path a plain column of the snapshot (no join, not `many`, no `extra`). A join reads the related row
# as it is now, not as it was, and a change to that row records no event of this type, so a client would
# get neither the tombstone nor the arrival. Left out for that reason (docs/api.md, "Syncing a copy"):
# records reached through their facility (pending changes, enrolment reports, subsidy applications,
# findings, complaints: `facility__district`, `facility__town`), inspections (`many`: the visited
# facilities), communities (`town__parent`); ledger entries keep no history (append-only rows, read with
# `updated_after`); grades are computed, not stored.
_FEEDS: dict[str, Feed] = {}


def snapshot_problem(model: type[models.Model]) -> str | None:
    """Why `model`'s events cannot be scoped on their snapshots (None: they can)."""
    if event_model(model) is None:
        return "no history"
    scope = getattr(model, "scope", None)
    if scope is None:
        return "no scope"
    if scope.many or scope.extra is not None:
        return "a many-valued or extra scope"
    columns = (
        {"pk"}
        | {f.name for f in model._meta.concrete_fields}
        | {f.attname for f in model._meta.concrete_fields}
    )
    paths = (*scope.facility_paths(), *scope.district_paths(), *scope.town_paths())
    joined = [path for path in paths if path not in columns]
    if joined:
        return f"scope paths through a join: {', '.join(joined)}"

    def leaves(condition: Q):
        for child in condition.children:
            yield from leaves(child) if isinstance(child, Q) else [child[0]]

    for key in leaves(scope.live or Q()):
        head, *lookups = key.split("__")
        field = model._meta.get_field(head) if head in columns and head != "pk" else None
        if field is None or any(lookup not in field.get_lookups() for lookup in lookups):
            return f"a live condition through a join: {key}"
    return None


def register(feed: Feed) -> None:
    """Add a type to the feed; a model whose scope needs a join is refused (see above)."""
    problem = snapshot_problem(feed.model)
    if problem:
        raise ImproperlyConfigured(f"{feed.model._meta.label} cannot be in the change feed: {problem}")
    _FEEDS[feed.type] = feed


def feeds() -> tuple[Feed, ...]:
    """The registered types in the order of their name (the cursor compares names)."""
    return tuple(sorted(_FEEDS.values(), key=lambda feed: feed.type))


register(Feed("facility", Facility, "api-facility-detail"))


@dataclass(frozen=True, order=True)
class Position:
    """Where a client stands: after the event (time, type, pgh_id)."""

    time: datetime.datetime
    type: str = ""
    pgh_id: int = 0


START = Position(datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC))


def encode(position: Position, prefix: str = "c1") -> str:
    """The opaque cursor of a position; `prefix` names the face that issued it (FHIR's _history: its own)."""
    text = f"{prefix}|{position.time.isoformat()}|{position.type}|{position.pgh_id}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def parse(cursor: str, prefix: str, types: set[str]) -> Position:
    """The position of a cursor `encode` made with `prefix`, of one of `types` ("" included when given);
    ValueError for anything else."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        head, time_text, type_, pgh_id = text.split("|")
        moment = parse_datetime(time_text)
    except (ValueError, UnicodeDecodeError, binascii.Error, OverflowError):
        raise ValueError(cursor) from None
    if (
        head != prefix
        or moment is None
        or moment.tzinfo is None
        or not pgh_id.isdigit()
        or type_ not in types
    ):
        raise ValueError(cursor)
    return Position(moment, type_, int(pgh_id))


def decode(cursor: str) -> Position:
    """The position a cursor continues after (empty: the beginning); one that is not ours is a 400."""
    if not cursor:
        return START
    try:
        return parse(cursor, "c1", {"", *(feed.type for feed in feeds())})
    except ValueError:
        raise serializers.ValidationError(
            {SINCE: [_("游标无效：请使用上次返回的 next_cursor，或留空从头开始。")]}, code="invalid"
        ) from None


def horizon() -> datetime.datetime:
    """The start of the oldest other transaction still running on this database (else the clock): every
    event before it is committed. Read before the events, in a statement of its own."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT LEAST(clock_timestamp(), MIN(xact_start)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend' AND xact_start IS NOT NULL"
        )
        return cursor.fetchone()[0]


def _on_snapshots(condition: Q) -> Q:
    """A scope Q over a model, rewritten over its event model: the object's key is `pgh_obj_id` there (the
    event's own `pk` is the history id); other fields keep their names in the snapshot."""
    rewritten = Q()
    rewritten.connector, rewritten.negated = condition.connector, condition.negated
    for child in condition.children:
        if isinstance(child, Q):
            rewritten.children.append(_on_snapshots(child))
            continue
        key, value = child
        head, separator, rest = key.partition("__")
        rewritten.children.append((f"pgh_obj_id{separator}{rest}" if head == "pk" else key, value))
    return rewritten


def _after(position: Position, feed: Feed) -> Q:
    """The events of `feed` after `position` in the order (time, type, pgh_id)."""
    if feed.type > position.type:
        return Q(pgh_created_at__gte=position.time)
    if feed.type < position.type:
        return Q(pgh_created_at__gt=position.time)
    return Q(pgh_created_at__gt=position.time) | Q(pgh_created_at=position.time, pgh_id__gt=position.pgh_id)


def events(
    user, feed: Feed, after: Position, before: datetime.datetime, limit: int, *, newest: bool = False
) -> list[dict]:
    """Up to `limit` events of one feed visible to `user`, after `after` and before the horizon (`newest`:
    the last ones first)."""
    model = event_model(feed.model)
    has_version = any(field.name == "version" for field in model._meta.concrete_fields)
    rows = model.objects.filter(_after(after, feed), pgh_created_at__lt=before)
    fields = ["pgh_id", "pgh_created_at", "pgh_label", "pgh_obj_id", *(["version"] if has_version else [])]
    scope = access.scope_q(user, access.Action.VIEW, feed.model)
    if scope is None:  # superuser: every event as recorded
        rows = rows.annotate(inside=Value(True), was_inside=Value(True))
    else:
        inside = Case(
            When(_on_snapshots(scope), then=Value(True)), default=Value(False), output_field=BooleanField()
        )
        previous = (
            model.objects.filter(pgh_obj_id=OuterRef("pgh_obj_id"), pgh_id__lt=OuterRef("pgh_id"))
            .order_by("-pgh_id")
            .annotate(ok=inside)
            .values("ok")[:1]
        )
        rows = rows.annotate(inside=inside, was_inside=Subquery(previous, output_field=BooleanField()))
        rows = rows.filter(Q(inside=True) | Q(was_inside=True))
    order = ("-pgh_created_at", "-pgh_id") if newest else ("pgh_created_at", "pgh_id")
    rows = rows.order_by(*order).values(*fields, "inside")[:limit]
    return [
        {
            "position": Position(row["pgh_created_at"], feed.type, row["pgh_id"]),
            "type": feed.type,
            "id": row["pgh_obj_id"],
            "version": row.get("version"),
            "kind": KINDS[row["pgh_label"]] if row["inside"] else LEFT_SCOPE,
            "time": row["pgh_created_at"],
            "url": reverse(feed.detail, args=[row["pgh_obj_id"]])
            if row["inside"] and row["pgh_label"] != "delete"
            else None,
        }
        for row in rows
    ]


def changes(user, after: Position, limit: int) -> tuple[list[dict], Position, bool]:
    """(events, position after them, whether more are ready): the next `limit` events in the feed order."""
    before = horizon()
    merged = list(
        heapq.merge(
            *(events(user, feed, after, before, limit + 1) for feed in feeds()), key=lambda e: e["position"]
        )
    )
    page, more = merged[:limit], len(merged) > limit
    return page, (page[-1]["position"] if page else after), more


def latest(user) -> Position:
    """The position after the caller's last event before the horizon (`?since=now`): later events, of
    transactions still running included, all sort after it. Nothing of others' events is disclosed."""
    before = horizon()
    found = [
        event["position"] for feed in feeds() for event in events(user, feed, START, before, 1, newest=True)
    ]
    return max(found, default=START)


class ChangeSerializer(serializers.Serializer):
    # a string, not an enum: types may be added without breaking clients that skip the ones they do not keep
    type = serializers.CharField(help_text=gettext_lazy("对象类型（如 facility）"))
    id = serializers.IntegerField(help_text=gettext_lazy("对象编号"))
    version = serializers.IntegerField(
        allow_null=True, help_text=gettext_lazy("该次变更后的版本；无版本的类型为 null")
    )
    kind = serializers.ChoiceField(
        choices=[*KINDS.values(), LEFT_SCOPE],
        help_text=gettext_lazy("created 新增、updated 修改、deleted 删除、left_scope 移出您的范围"),
    )
    time = serializers.DateTimeField(help_text=gettext_lazy("变更时间"))
    url = serializers.CharField(
        allow_null=True, help_text=gettext_lazy("对象的接口地址；删除或移出范围时为 null")
    )


class ChangePageSerializer(serializers.Serializer):
    next = serializers.URLField(help_text=gettext_lazy("下一次请求的地址（带 next_cursor）"))
    next_cursor = serializers.CharField(help_text=gettext_lazy("保存它，下次以 ?since= 传回；从不为空"))
    has_more = serializers.BooleanField(help_text=gettext_lazy("是否已有更多事件可立即读取"))
    results = ChangeSerializer(many=True)


class ChangesView(APIView):
    """Signed-in users and tokens only (401 otherwise); JSON only."""

    permission_classes = [TokenScope, permissions.IsAuthenticated]
    renderer_classes = [JSONRenderer]

    @extend_schema(
        operation_id="changes_list",
        summary=gettext_lazy("变更流"),
        description=gettext_lazy(
            "您范围内对象的新增、修改、删除及移出范围事件，按时间顺序；保存 next_cursor 并以 since 传回，"
            "不会遗漏任何事件。"
        ),
        parameters=[
            OpenApiParameter(
                SINCE, str, description=gettext_lazy("上次返回的 next_cursor；留空从头开始；now 只取当前游标")
            ),
            OpenApiParameter("page_size", int, description=gettext_lazy("每页事件数（默认 100，最多 500）")),
        ],
        responses={200: ChangePageSerializer, **LIST_ERRORS},
    )
    def get(self, request):
        params = request.query_params
        refuse_unknown(params, KNOWN_PARAMETERS)
        size_text = params.get("page_size") or str(PAGE_SIZE)
        if not size_text.isdigit() or not 1 <= int(size_text) <= MAX_PAGE_SIZE:
            raise serializers.ValidationError(
                {"page_size": [_("请填写 1 至 %(max)s 之间的整数。") % {"max": MAX_PAGE_SIZE}]},
                code="invalid",
            )
        since = params.get(SINCE, "")
        if since == NOW:
            page, position, more = [], latest(request.user), False
        else:
            page, position, more = changes(request.user, decode(since), int(size_text))
        cursor = encode(position)
        page_data = {
            "next": replace_query_param(request.build_absolute_uri(), SINCE, cursor),
            "next_cursor": cursor,
            "has_more": more,
            "results": page,
        }
        return Response(ChangePageSerializer(page_data).data)
