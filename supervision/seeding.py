"""Seed for supervision: inspection departments, the grading rule's starting proposal (weights and the
risk × credit matrix — no document gives them; every row says so and each district sets its own), the two
quality-evaluation frameworks (WS/T 821—2023's seven dimensions and points, Daxing's seven headings without
points; item content and grade lines unknown, so left empty), and dated supervision events the documents
report (Yubei's 医育结合联盟, March 2024).

No inspection, finding or complaint is seeded: the documents report only totals (Yubei: 8 joint
inspections, 64 problems), which stay ReportedFigures in targets.

Uses core.seeding's file/row/problem machinery; runs inside seed_all's transaction after places and
sources exist (ops.seed calls `seed_supervision(directory, report)`). Idempotent: rows are matched on
natural keys (department code; district + key + subject; district + risk + credit; framework key;
framework + dimension code; framework + grade; event key).
"""

from __future__ import annotations

import datetime
from pathlib import Path

from core.formatting import listing
from core.seeding import (
    DEFAULT_FIXTURES_DIR,
    FixtureFile,
    SeedError,
    SeedReport,
    choice,
    date,
    decimal,
    integer,
    pick,
    required_decimal,
    required_text,
    text,
)
from facilities.models import Facility
from supervision.models import (
    CreditLevel,
    Department,
    EvaluationDimension,
    EvaluationFramework,
    Finding,
    Grade,
    GradeMatrixCell,
    GradeThreshold,
    GradingWeight,
    RiskLevel,
    SupervisionEvent,
)
from targets.seeding import SourcedLoader

DEPARTMENTS = FixtureFile(
    "supervision_departments.csv",
    {"code": required_text, "name": required_text, "sort_order": integer, "note": text},
)
GRADING = FixtureFile(
    "supervision_grading.csv",
    {
        "district": text,
        "key": choice(GradingWeight.Key),
        "subject": text,
        "value": required_decimal,
        "note": text,
    },
)
MATRIX = FixtureFile(
    "supervision_grade_matrix.csv",
    {
        "district": text,
        "risk_level": choice(RiskLevel),
        "credit_level": choice(CreditLevel),
        "grade": choice(Grade),
        "note": text,
    },
)
FRAMEWORKS = FixtureFile(
    "supervision_frameworks.csv",
    {
        "key": required_text,
        "edition": integer,
        "name": required_text,
        "standard_code": text,
        "total_points": decimal,
        "content_status": text,
        "veto_grade": text,
        "source": text,
        "basis": text,
    },
)
DIMENSIONS = FixtureFile(
    "supervision_dimensions.csv",
    {
        "framework": required_text,
        "code": required_text,
        "name": required_text,
        "points": decimal,
        "sort_order": integer,
    },
)
THRESHOLDS = FixtureFile(
    "supervision_grade_thresholds.csv",
    {"framework": required_text, "grade": required_text, "min_score": decimal, "sort_order": integer},
)
EVENTS = FixtureFile(
    "supervision_events.csv",
    {
        "key": required_text,
        "district": required_text,
        "happened_on": date,
        "period_text": text,
        "title": required_text,
        "description": text,
        "quote": text,
        "source": required_text,
    },
)

SUBJECT_CHOICES = {
    "severity": set(Finding.Severity.values),
    "kind": set(Facility.Kind.values),
    "disclosure": set(GradingWeight.Disclosure.values),
    "grade": set(Grade.values),
}


class SupervisionLoader(SourcedLoader):
    files = {
        DEPARTMENTS: {"code": ("code",), "name": ("name",)},
        GRADING: {"区县+参数+对象": ("district", "key", "subject")},
        MATRIX: {"区县+风险等级+信用等级": ("district", "risk_level", "credit_level")},
        FRAMEWORKS: {"key+版本号": ("key", "edition")},
        DIMENSIONS: {"框架+代码": ("framework", "code")},
        THRESHOLDS: {"框架+等级": ("framework", "grade")},
        EVENTS: {"key": ("key",)},
    }

    def check(self, departments, weights, matrix, frameworks, dimensions, thresholds, events):
        framework_keys = {r.values["key"] for r in frameworks} | set(
            EvaluationFramework.objects.values_list("key", flat=True)
        )

        for row in weights:
            v = row.values
            self.check_district(GRADING, row, required=False)
            kind = GradingWeight.SUBJECTS.get(v["key"])
            if kind is None and v["subject"]:
                self.problem(GRADING, row, "subject", f"参数“{v['key']}”不分对象，subject 应留空")
            elif kind is not None and v["subject"] not in SUBJECT_CHOICES[kind]:
                allowed = listing(sorted(SUBJECT_CHOICES[kind]))
                self.problem(GRADING, row, "subject", f"“{v['subject']}”不在可选值中（{allowed}）")
        for row in matrix:
            self.check_district(MATRIX, row, required=False)
        for row in frameworks:
            self.check_source(FRAMEWORKS, row, required=False)
        for file, rows in ((DIMENSIONS, dimensions), (THRESHOLDS, thresholds)):
            for row in rows:
                if row.values["framework"] not in framework_keys:
                    self.problem(file, row, "framework", f"未知评估框架“{row.values['framework']}”")
        for row in frameworks:
            total = row.values["total_points"]
            points = [d.values["points"] for d in dimensions if d.values["framework"] == row.values["key"]]
            if total is not None and points and all(p is not None for p in points) and sum(points) != total:
                self.problem(
                    FRAMEWORKS, row, "total_points", f"各维度分值之和 {sum(points)} 与总分 {total} 不一致"
                )
        for row in events:
            self.check_district(EVENTS, row)
            self.check_source(EVENTS, row)
            if row.values["happened_on"] is None:
                self.problem(EVENTS, row, "happened_on", "不能为空")

    def write(self, departments, weights, matrix, frameworks, dimensions, thresholds, events):
        for row in departments:
            v = row.values
            self.upsert(
                DEPARTMENTS,
                row,
                Department,
                {"code": v["code"]},
                {"name": v["name"], "sort_order": v["sort_order"] or 0, "note": v["note"]},
            )
        for row in weights:
            v = row.values
            self.upsert(
                GRADING,
                row,
                GradingWeight,
                {"district": self.regions.get(v["district"]), "key": v["key"], "subject": v["subject"]},
                {"value": v["value"], "note": v["note"]},
            )
        for row in matrix:
            v = row.values
            self.upsert(
                MATRIX,
                row,
                GradeMatrixCell,
                {
                    "district": self.regions.get(v["district"]),
                    "risk_level": v["risk_level"],
                    "credit_level": v["credit_level"],
                },
                {"grade": v["grade"], "note": v["note"]},
            )
        framework_by_key = {}
        for row in frameworks:
            v = row.values
            framework_by_key[v["key"]] = self.upsert(
                FRAMEWORKS,
                row,
                EvaluationFramework,
                {"key": v["key"], "edition": v["edition"] or 1},
                {
                    **pick(v, "name", "standard_code", "total_points", "content_status", "veto_grade"),
                    "source": self.sources.get(v["source"]) if v["source"] else None,
                    "basis": v["basis"],
                },
            )
        self.stop_on_problems()
        framework_by_key.update(
            {
                f.key: f
                for f in EvaluationFramework.objects.exclude(key__in=list(framework_by_key)).filter(
                    status=EvaluationFramework.Status.PUBLISHED
                )
            }
        )
        for row in dimensions:
            v = row.values
            self.upsert(
                DIMENSIONS,
                row,
                EvaluationDimension,
                {"framework": framework_by_key[v["framework"]], "code": v["code"]},
                {"name": v["name"], "points": v["points"], "sort_order": v["sort_order"] or 0},
            )
        for row in thresholds:
            v = row.values
            self.upsert(
                THRESHOLDS,
                row,
                GradeThreshold,
                {"framework": framework_by_key[v["framework"]], "grade": v["grade"]},
                {"min_score": v["min_score"], "sort_order": v["sort_order"] or 0},
            )
        # A seeded edition is published once its content is in: from then on it is frozen, and a change
        # in the fixtures is refused (it needs a new edition) instead of rewriting earlier scores.
        self.stop_on_problems()
        for framework in framework_by_key.values():
            if framework.status == EvaluationFramework.Status.DRAFT:
                framework.status = EvaluationFramework.Status.PUBLISHED
                framework.published_on = datetime.date.today()
                framework.save(update_fields=["status", "published_on", "updated_at"])
        for row in events:
            v = row.values
            self.upsert(
                EVENTS,
                row,
                SupervisionEvent,
                {"key": v["key"]},
                {
                    **pick(v, "happened_on", "period_text", "title", "description", "quote"),
                    "district": self.regions[v["district"]],
                    "source": self.sources[v["source"]],
                },
            )


def seed_supervision(directory: Path | str | None, report: SeedReport | None = None) -> SeedReport:
    """Load the supervision fixtures (call after targets' and facilities' seeds, inside seed_all)."""
    return SupervisionLoader(Path(directory) if directory else DEFAULT_FIXTURES_DIR, report).run()


__all__ = ["SeedError", "seed_supervision"]
