"""What a comparator means: the one place that decides it, for reported figures, goals and staff goals alike.

Chinese legal and statistical usage (民法典 第1259条: "以上、以下、以内、届满，包括本数；不满、超过、以外，
不包括本数") fixes the wording: "80%以上" is met by exactly 80 %, "90%以上" by 9 caregivers certified of 10.
Only "超过/高于" are strict, and "余/约" ("130余家", "约3800平米") mark a figure as approximate or more than a
round number, never exact. The seed stores the comparator (`ReportedFigure.Comparator`), `from_wording`
reads it off a document's words, and `satisfies` says whether a value stands in that relation to the stated
number.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from targets.models import ReportedFigure

Comparator = ReportedFigure.Comparator

# Longest wording first, so "不少于" is not read as "少于" and "不超过" not as "超过".
WORDING: tuple[tuple[str, str], ...] = (
    ("不少于", Comparator.GTE),
    ("不低于", Comparator.GTE),
    ("不超过", Comparator.LTE),
    ("不高于", Comparator.LTE),
    ("不满", Comparator.LT),
    ("不足", Comparator.LT),
    ("以上", Comparator.GTE),
    ("至少", Comparator.GTE),
    ("达到", Comparator.GTE),
    ("以下", Comparator.LTE),
    ("以内", Comparator.LTE),
    ("超过", Comparator.GT),
    ("高于", Comparator.GT),
    ("低于", Comparator.LT),
    ("少于", Comparator.LT),
    ("余", Comparator.GT),  # "130余家": more than 130, the number itself is not meant
    ("约", Comparator.APPROX),
)


def from_wording(text: str) -> str:
    """The comparator a document's phrase states ("90%以上" → gte, "不超过20%" → lte, "130余家" → gt)."""
    for words, comparator in WORDING:
        if words in text:
            return comparator
    return Comparator.EQ


def satisfies(value: Decimal, comparator: str, reference: Decimal, *, goal: bool = False) -> bool:
    """Whether `value` stands in the relation `comparator reference` ("≥ 90": 90.0 does).

    `=` and `≈` depend on the question: a goal stated as a bare number ("达到100%", "1家") is reached at that
    number (goal=True); a reported figure agrees when `value` rounds to the printed number at its precision
    (7,076 / 1,567 = 4.515… agrees with a printed 4.52, not with 4.53)."""
    value, reference = Decimal(value), Decimal(reference)
    if comparator == Comparator.GTE:
        return value >= reference
    if comparator == Comparator.GT:
        return value > reference
    if comparator == Comparator.LTE:
        return value <= reference
    if comparator == Comparator.LT:
        return value < reference
    if goal:
        return value >= reference
    places = max(-reference.normalize().as_tuple().exponent, 0)
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP) == reference


def figure_satisfied(value: Decimal | None, figure: ReportedFigure | None) -> bool | None:
    """`satisfies` for a reported figure: a goal when the figure is one; None when either side is missing."""
    if value is None or figure is None:
        return None
    return satisfies(
        value, figure.comparator, figure.value, goal=figure.nature != ReportedFigure.Nature.ACTUAL
    )
