"""Disclosures that other apps add to the public directory.

The directory (facilities.public_views) shows what disclosure needs; some of it is kept by apps above the
registry — the latest inspection and the risk + credit grade (supervision), monthly enrolment reports —
which the registry may not import (the layers, docs/architecture.md). Such an app registers a provider in
its AppConfig.ready():

    from facilities import disclosure
    disclosure.register("inspection", latest_inspections)

A provider takes a list of facility ids (the page's, so one call per page) and returns
{facility id: plain dict} for the facilities it has something for; a facility it leaves out shows nothing
("unknown stays empty"). It must return only public facts: the dict is rendered as is. The keys the
directory's templates show, and their shapes:

- "inspection": {"date": date, "kind": str, "result": str}  — the latest inspection and its outcome
- "grade": {"grade": str, "risk": str, "credit": str, "as_of": date}  — the supervision grade
- "enrolment": {"enrolled": int, "as_of": date}  — the latest reported enrolment (vacancies = slots − it)
"""

from __future__ import annotations

from collections.abc import Callable

Provider = Callable[[list[int]], dict[int, dict]]

KEYS = ("inspection", "grade", "enrolment")
_providers: dict[str, Provider] = {}


def register(key: str, provider: Provider) -> None:
    if key not in KEYS:
        raise ValueError(f"unknown disclosure {key!r}; known: {', '.join(KEYS)}")
    _providers[key] = provider


def unregister(key: str) -> None:
    _providers.pop(key, None)


def collect(facility_ids: list[int]) -> dict[int, dict[str, dict]]:
    """{facility id: {key: disclosed dict}} from every registered provider, for the given facilities."""
    found: dict[int, dict[str, dict]] = {pk: {} for pk in facility_ids}
    if not facility_ids:
        return found
    for key, provider in _providers.items():
        for pk, value in (provider(list(facility_ids)) or {}).items():
            if pk in found and value:
                found[pk][key] = dict(value)
    return found
