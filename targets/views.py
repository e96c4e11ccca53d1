from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.generic import TemplateView

from core import access
from core.access import Action, Role
from targets import divisions, selectors
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


class RegionAccessMixin(LoginRequiredMixin):
    """Officials only (district and town officials, their API-client accounts, superusers); each sees the
    regions core.access gives them, and nothing of a region outside it (404, as for a missing page)."""

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        officials = (Role.DISTRICT_OFFICIAL, Role.TOWN_OFFICIAL, Role.API_CLIENT)
        if user.is_authenticated and not (access.unrestricted(user) or access.has_role(user, *officials)):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def visible_regions(self):
        return Region.objects.for_user(self.request.user, Action.VIEW)


class RegionTreeView(RegionAccessMixin, TemplateView):
    """The portal's regions with their official (NBS 2023) codes: city → district → town."""

    template_name = "targets/region_tree.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            tree=selectors.region_tree(self.visible_regions()),
            vintage=divisions.VINTAGE,
            package=divisions.PACKAGE,
            **kwargs,
        )


class RegionDivisionsView(RegionAccessMixin, TemplateView):
    """One region: its place in the NBS tree (province → city → district) and the NBS units under it, marked
    where the portal plans for them under a document's name."""

    template_name = "targets/region_divisions.html"

    def get_context_data(self, **kwargs):
        region = get_object_or_404(self.visible_regions().select_related("parent"), code=kwargs.pop("code"))
        division = divisions.get(region.code) if region.official_code else None
        return super().get_context_data(
            region=region,
            division=division,
            ancestors=divisions.ancestors(region.code) if division else [],
            rows=selectors.division_rows(region) if division else [],
            villages_vendored=region.code[:6] in divisions.VILLAGES_OF,
            vintage=divisions.VINTAGE,
            package=divisions.PACKAGE,
            **kwargs,
        )
