"""Projects against the plan: per district and kind of project, what a document plans (a goal stored as a
targets.ReportedFigure with its source, e.g. Yubei's 1 district centre, 4 医育结合 parks and 15 town parks
“by the end of 2025”), how many projects the portal records, and how many of those are in service; the
latest figure the documents report as done is shown beside them, never summed into them.

In service: the in-service milestone is recorded as done, or the linked facility operates (the complement
of subsidies.selectors.not_in_service, which the pipeline uses)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from subsidies.models import Project
from subsidies.selectors import not_in_service
from targets import comparators
from targets.models import Region, ReportedFigure

Measure = ReportedFigure.Measure

# Which reported measure counts the projects of each kind.
KIND_MEASURES: dict[str, str] = {
    Project.Kind.SERVICE_CENTRE: Measure.SERVICE_CENTRES,
    Project.Kind.MEDICAL_CHILDCARE_PARK: Measure.MEDICAL_CHILDCARE_PARKS,
    Project.Kind.TOWN_PARK: Measure.TOWN_INCLUSIVE_PARKS,
}


@dataclass
class KindLine:
    district: Region
    kind: str
    label: str
    goal: ReportedFigure | None
    recorded: int
    in_service: int
    reported: ReportedFigure | None  # the latest figure a document reports as done

    @property
    def planned(self):
        return self.goal.value if self.goal else None

    @property
    def not_recorded(self) -> int | None:
        """Projects the plan names that the portal has no record of (never below 0)."""
        if self.goal is None:
            return None
        return max(int(self.goal.value) - self.recorded, 0)

    @property
    def goal_met(self) -> bool | None:
        return comparators.figure_satisfied(self.in_service, self.goal)


def plan_lines(projects: QuerySet[Project], districts: QuerySet[Region]) -> list[KindLine]:
    """One line per district and kind that has a goal or a recorded project (`projects` is the user's
    scoped queryset; `districts` the districts whose goals may be shown)."""
    recorded = {
        (row["district_id"], row["kind"]): row["n"]
        for row in projects.order_by().values("district_id", "kind").annotate(n=Count("pk"))
    }
    pending = {
        (row["district_id"], row["kind"]): row["n"]
        for row in not_in_service(projects).order_by().values("district_id", "kind").annotate(n=Count("pk"))
    }
    figures = ReportedFigure.objects.filter(
        region__in=districts, measure__in=list(KIND_MEASURES.values())
    ).filter(Q(nature=ReportedFigure.Nature.GOAL) | Q(nature=ReportedFigure.Nature.ACTUAL))
    goals: dict[tuple[int, str], ReportedFigure] = {}
    reported: dict[tuple[int, str], ReportedFigure] = {}
    for figure in figures.select_related("source").order_by("period_end", "pk"):
        target = goals if figure.nature == ReportedFigure.Nature.GOAL else reported
        target[(figure.region_id, figure.measure)] = figure  # the latest one wins
    labels = dict(Project.Kind.choices)
    lines = []
    for district in districts.order_by("code"):
        for kind, _label in Project.Kind.choices:
            measure = KIND_MEASURES.get(kind)
            goal = goals.get((district.pk, measure)) if measure else None
            count = recorded.get((district.pk, kind), 0)
            if goal is None and not count:
                continue
            lines.append(
                KindLine(
                    district=district,
                    kind=kind,
                    label=str(labels[kind]),
                    goal=goal,
                    recorded=count,
                    in_service=count - pending.get((district.pk, kind), 0),
                    reported=reported.get((district.pk, measure)) if measure else None,
                )
            )
    return lines
