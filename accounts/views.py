"""API token pages (/accounts/tokens/): a signed-in user with a role lists, creates and revokes their own API
tokens; a district official also opens API-client accounts for their district and manages those accounts'
tokens. The secret of a new token is shown once, on the response to the form that created it; only its hash
is stored (accounts.services.token_issue).

Who may do what is decided in accounts.selectors (roles and districts); anything outside the user's
scope is a 404, as everywhere else in the portal."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.forms import ApiClientForm, TokenForm
from accounts.models import ApiToken
from accounts.selectors import (
    api_clients,
    manageable_tokens,
    managed_districts,
    may_use_tokens,
    token_grant,
)
from accounts.services import api_client_create, token_issue, token_revoke
from core.access import Role
from facilities.models import RoleAssignment


@never_cache  # the response to a created token carries its secret
@login_required
def tokens(request):
    user = request.user
    if not may_use_tokens(user):
        raise Http404
    districts = managed_districts(user)
    manages_clients = districts.exists()
    clients = api_clients(user) if manages_clients else None
    action = request.POST.get("action") if request.method == "POST" else None

    token_form = TokenForm(
        request.POST if action == "create_token" else None, user=user, clients=clients, prefix="token"
    )
    client_form = (
        ApiClientForm(
            request.POST if action == "create_client" else None, districts=districts, prefix="client"
        )
        if manages_clients
        else None
    )
    created = None
    grant = None
    if action == "create_token" and token_form.is_valid():
        try:
            grant = token_grant(user, token_form.cleaned_data["owner"])
        except PermissionError:
            token_form.add_error(
                "owner", _("该账户在您管理范围之外也有授权，且在范围内不止一项：请由上级管理员签发令牌。")
            )
    if action == "create_token" and token_form.is_valid():
        data = token_form.cleaned_data
        token, secret = token_issue(
            user=data["owner"],
            name=data["name"],
            read_only=data["access"] == TokenForm.READ_ONLY,
            expires_at=timezone.now() + timedelta(days=data["expires_in_days"]),
            created_by=user,
            grant=grant,
        )
        created = (token, secret)
        token_form = TokenForm(user=user, clients=clients, prefix="token")
    elif action == "create_client":
        if client_form is None:
            raise Http404
        if client_form.is_valid():
            account = api_client_create(user=user, **client_form.cleaned_data)
            messages.success(
                request,
                _("已开设接口只读用户 %(username)s。现在可以为其创建只读令牌。")
                % {"username": account.username},
            )
            return redirect("tokens:list")
    elif action is not None and action != "create_token":
        raise Http404

    own_tokens = ApiToken.objects.filter(user=user).select_related("created_by")
    client_tokens = (
        manageable_tokens(user).exclude(user=user).select_related("user", "created_by", "grant__region")
        if manages_clients
        else ApiToken.objects.none()
    )
    client_accounts = (
        clients.annotate(
            usable_tokens=Count(
                "api_tokens",
                filter=Q(api_tokens__revoked_at__isnull=True, api_tokens__expires_at__gt=timezone.now()),
            )
        ).prefetch_related(
            Prefetch(
                "roles",
                queryset=RoleAssignment.objects.filter(role=Role.API_CLIENT).select_related("region"),
                to_attr="client_roles",
            )
        )
        if manages_clients
        else []
    )
    return render(
        request,
        "tokens/tokens.html",
        {
            "token_form": token_form,
            "client_form": client_form,
            "created": created,
            "own_tokens": own_tokens,
            "client_tokens": client_tokens,
            "client_accounts": client_accounts,
            "manages_clients": manages_clients,
            "now": timezone.now(),
        },
    )


@require_POST
@login_required
def revoke(request, pk):
    if not may_use_tokens(request.user):
        raise Http404
    token = get_object_or_404(manageable_tokens(request.user), pk=pk)
    if token_revoke(token=token):
        messages.success(request, _("已撤销令牌 %(name)s。") % {"name": str(token)})
    else:
        messages.info(request, _("该令牌已撤销。"))
    return redirect("tokens:list")
