from facilities.models import Facility, PendingChange
from facilities.permissions import Action, facilities_for, has_role, related_for


def navigation(request):
    """The review link and its count of waiting items, for officials only."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    if not (user.is_superuser or has_role(user, "district_official")):
        return {"nav_can_review": False}
    waiting = (
        facilities_for(user, Action.REVIEW).filter(filing_status=Facility.FilingStatus.SUBMITTED).count()
    )
    waiting += related_for(
        user, PendingChange.objects.filter(status=PendingChange.Status.PENDING), Action.REVIEW
    ).count()
    return {"nav_can_review": True, "nav_review_count": waiting}
