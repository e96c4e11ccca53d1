from core import access
from core.access import Action
from facilities.models import Facility, PendingChange


def navigation(request):
    """The review link and its count of waiting items, for officials; “我的申请” for operators."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    if not access.is_official(user):
        return {"nav_can_review": False, "nav_my_requests": bool(access.operated_facility_ids(user))}
    submitted = Facility.objects.filter(filing_status=Facility.FilingStatus.SUBMITTED)
    waiting = submitted.for_user(user, Action.REVIEW).count()
    waiting += (
        PendingChange.objects.filter(status=PendingChange.Status.PENDING)
        .for_user(user, Action.REVIEW)
        .count()
    )
    return {"nav_can_review": True, "nav_review_count": waiting}
