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

from pathlib import Path

from django.db import transaction

from core.seeding import (
    DEFAULT_FIXTURES_DIR,
    FixtureFile,
    FixtureLoader,
    SeedError,
    SeedReport,
    choice,
    date,
    decimal,
    integer,
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
from targets.models import Region, SourceDocument

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


class SupervisionLoader(FixtureLoader):
    def run(self) -> SeedReport:
        read = {
            f.name: f.read(self.directory, self.problems)
            for f in (DEPARTMENTS, GRADING, MATRIX, FRAMEWORKS, DIMENSIONS, THRESHOLDS, EVENTS)
        }
        departments = self.unique(DEPARTMENTS, read[DEPARTMENTS.name], lambda r: r.values["code"], "code")
        departments = self.unique(DEPARTMENTS, departments, lambda r: r.values["name"], "name")
        weights = self.unique(
            GRADING,
            read[GRADING.name],
            lambda r: (r.values["district"], r.values["key"], r.values["subject"]),
            "区县+参数+对象",
        )
        matrix = self.unique(
            MATRIX,
            read[MATRIX.name],
            lambda r: (r.values["district"], r.values["risk_level"], r.values["credit_level"]),
            "区县+风险等级+信用等级",
        )
        frameworks = self.unique(FRAMEWORKS, read[FRAMEWORKS.name], lambda r: r.values["key"], "key")
        dimensions = self.unique(
            DIMENSIONS,
            read[DIMENSIONS.name],
            lambda r: (r.values["framework"], r.values["code"]),
            "框架+代码",
        )
        thresholds = self.unique(
            THRESHOLDS,
            read[THRESHOLDS.name],
            lambda r: (r.values["framework"], r.values["grade"]),
            "框架+等级",
        )
        events = self.unique(EVENTS, read[EVENTS.name], lambda r: r.values["key"], "key")

        districts = {r.code: r for r in Region.objects.filter(level=Region.Level.DISTRICT)}
        sources = {s.key: s for s in SourceDocument.objects.all()}
        framework_keys = {r.values["key"] for r in frameworks} | set(
            EvaluationFramework.objects.values_list("key", flat=True)
        )

        def check_district(file, row, required=False):
            code = row.values["district"]
            if (code or required) and code not in districts:
                self.problem(file, row, "district", f"未知区县代码“{code}”")

        for row in weights:
            v = row.values
            check_district(GRADING, row)
            kind = GradingWeight.SUBJECTS.get(v["key"])
            if kind is None and v["subject"]:
                self.problem(GRADING, row, "subject", f"参数“{v['key']}”不分对象，subject 应留空")
            elif kind is not None and v["subject"] not in SUBJECT_CHOICES[kind]:
                allowed = "、".join(sorted(SUBJECT_CHOICES[kind]))
                self.problem(GRADING, row, "subject", f"“{v['subject']}”不在可选值中（{allowed}）")
        for row in matrix:
            check_district(MATRIX, row)
        for row in frameworks:
            if row.values["source"] and row.values["source"] not in sources:
                self.problem(FRAMEWORKS, row, "source", f"未知来源文件“{row.values['source']}”")
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
            check_district(EVENTS, row, required=True)
            if row.values["source"] not in sources:
                self.problem(EVENTS, row, "source", f"未知来源文件“{row.values['source']}”")
            if row.values["happened_on"] is None:
                self.problem(EVENTS, row, "happened_on", "不能为空")
        self.stop_on_problems()

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
                {"district": districts.get(v["district"]), "key": v["key"], "subject": v["subject"]},
                {"value": v["value"], "note": v["note"]},
            )
        for row in matrix:
            v = row.values
            self.upsert(
                MATRIX,
                row,
                GradeMatrixCell,
                {
                    "district": districts.get(v["district"]),
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
                {"key": v["key"]},
                {
                    "name": v["name"],
                    "standard_code": v["standard_code"],
                    "total_points": v["total_points"],
                    "content_status": v["content_status"],
                    "veto_grade": v["veto_grade"],
                    "source": sources.get(v["source"]) if v["source"] else None,
                    "basis": v["basis"],
                },
            )
        self.stop_on_problems()
        framework_by_key.update(
            {f.key: f for f in EvaluationFramework.objects.exclude(key__in=list(framework_by_key))}
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
        for row in events:
            v = row.values
            self.upsert(
                EVENTS,
                row,
                SupervisionEvent,
                {"key": v["key"]},
                {
                    "district": districts[v["district"]],
                    "happened_on": v["happened_on"],
                    "period_text": v["period_text"],
                    "title": v["title"],
                    "description": v["description"],
                    "quote": v["quote"],
                    "source": sources[v["source"]],
                },
            )
        self.stop_on_problems()
        return self.report


def seed_supervision(directory: Path | str | None, report: SeedReport | None = None) -> SeedReport:
    """Load the supervision fixtures (call after targets' and facilities' seeds, inside seed_all)."""
    directory = Path(directory) if directory else DEFAULT_FIXTURES_DIR
    with transaction.atomic():
        return SupervisionLoader(directory, report or SeedReport()).run()


__all__ = ["SeedError", "seed_supervision"]
