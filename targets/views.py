from django.shortcuts import get_object_or_404, render

from targets import selectors
from targets.models import Region


def home(request):
    """Public overview: each seeded district with its documents, population and target totals."""
    districts = list(selectors.districts())
    ids = [d.pk for d in districts]
    totals = selectors.target_totals_by_district(ids)
    population = selectors.latest_population_by_region(ids)
    for district in districts:
        district.target_totals = totals[district.pk]
        district.latest_population = population.get(district.pk)
    return render(request, "targets/home.html", {"districts": districts})


def district_detail(request, code):
    district = get_object_or_404(
        Region.objects.select_related("parent"), code=code, level=Region.Level.DISTRICT
    )
    columns, table = selectors.target_table(district)
    figures = selectors.reported_figures(district)
    return render(
        request,
        "targets/district_detail.html",
        {
            "district": district,
            "documents": district.documents.all(),
            "population": selectors.latest_population(district),
            "columns": columns,
            "table": table,
            "figures": figures,
        },
    )
