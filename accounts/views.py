"""API token pages (/accounts/tokens/): a signed-in user with a role lists, creates and revokes their own API
tokens; a district official also opens API-client accounts for their district and manages those accounts'
tokens. The secret of a new token is shown once, on the response to the form that created it; only its hash
is stored (accounts.services.token_issue).

Who may do what is decided in accounts.selectors (roles and districts); anything outside the user's
scope is a 404, as everywhere else in the portal."""

from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.core.mail import send_mail
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from accounts import security
from accounts.forms import ApiClientForm, TokenForm
from accounts.models import ApiToken
from accounts.selectors import (
    api_clients,
    manageable_tokens,
    managed_districts,
    may_use_tokens,
    token_grant,
)
from accounts.services import (
    api_client_create,
    managed_accounts,
    password_changed_by_user,
    sign_in_code_issue,
    sign_in_code_redeem,
    token_issue,
    token_revoke,
)
from core import access
from core.access import Role
from facilities.forms import BootstrapMixin
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


# --- passwords and one-time sign-in codes (/accounts/…, accounts/password_urls.py) -------------------------
# A password the user did not choose (a new account's, a reset's) must be changed at the next sign-in
# (accounts.middleware); the pages here are where it is changed, reset, or passed with a one-time code.


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change in the portal's look; choosing a password clears the must-change flag.

    While the flag is set the old password is not asked for: a user who signed in with a one-time code
    because they forgot it could not give it, and the session has just proved who they are."""

    def get_form_class(self):
        if self.request.session.get(security.MUST_CHANGE_SESSION_KEY):
            return SetPasswordForm
        return super().get_form_class()

    def form_valid(self, form):
        response = super().form_valid(form)
        password_changed_by_user(form.user, self.request)
        return response

    def get_success_url(self):
        # An invited operator goes on to register their facility (accounts.middleware keeps them there).
        if self.request.session.get(security.INVITED_SESSION_KEY):
            return reverse("registry:create")
        return super().get_success_url()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["must_change"] = bool(self.request.session.get(security.MUST_CHANGE_SESSION_KEY))
        return context


class PasswordResetView(auth_views.PasswordResetView):
    """With e-mail configured, Django's reset link by e-mail; without it, the page offers no form and says
    who resets a password instead (nothing would be sent, so nothing is claimed)."""

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "email_enabled": settings.EMAIL_ENABLED}

    def post(self, request, *args, **kwargs):
        if not settings.EMAIL_ENABLED:
            return self.get(request, *args, **kwargs)
        return super().post(request, *args, **kwargs)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form):
        response = super().form_valid(form)
        password_changed_by_user(form.user, self.request)
        return response


class SignInCodeForm(BootstrapMixin, forms.Form):
    username = forms.CharField(label=gettext_lazy("用户名"), max_length=150)
    code = forms.CharField(
        label=gettext_lazy("一次性登录码"), max_length=40, help_text=gettext_lazy("如 ABCD-EFGH-JKMN")
    )


class SignInCodeRequestForm(BootstrapMixin, forms.Form):
    username = forms.CharField(label=gettext_lazy("用户名"), max_length=150)


@never_cache
@sensitive_post_parameters("code")
def sign_in_with_code(request):
    """Sign in with a one-time code (linked from the lockout and reset pages). Passes the user-name locks,
    never the address lock; failures count like wrong passwords; the user must then choose a password."""
    action = request.POST.get("action") if request.method == "POST" else None
    form = SignInCodeForm(request.POST if action == "sign_in" else None, prefix="code")
    request_form = (
        SignInCodeRequestForm(request.POST if action == "send" else None, prefix="send")
        if settings.EMAIL_ENABLED
        else None
    )
    address = security.client_ip(request)
    if action is not None:
        lock = security.lock_for(ip_address=address)  # the address lock only
        if lock is not None:
            request.tuoyu_lock = lock
            security.record(
                "login_failed", request, username=request.POST.get("code-username", ""), reason="locked out"
            )
            return security.lockout_response(request)
    if action == "sign_in" and form.is_valid():
        username = form.cleaned_data["username"]
        account = sign_in_code_redeem(username=username, code=form.cleaned_data["code"])
        if account is None:
            security.failure_record(username=username, ip_address=address)
            security.record("login_failed", request, username=username, reason="one-time code")
            form.add_error("code", _("登录码不正确、已使用或已过期。"))
        else:
            security.record("sign_in_code_used", request, user=account)
            auth_login(request, account, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("password_change")
    elif action == "send" and request_form is not None and request_form.is_valid():
        _send_sign_in_code(request, request_form.cleaned_data["username"])
        messages.info(
            request,
            _("如果该账户登记了电子邮箱，登录码已发送到该邮箱，%(minutes)s 分钟内有效。")
            % {"minutes": settings.SIGN_IN_CODE_MINUTES},
        )
        return redirect("sign_in_code")
    elif action not in (None, "sign_in", "send"):
        raise Http404
    return render(
        request,
        "registration/sign_in_code.html",
        {"form": form, "request_form": request_form, "minutes": settings.SIGN_IN_CODE_MINUTES},
    )


def _send_sign_in_code(request, username: str) -> None:
    """Mail a code to the account's address, at most once a minute; the same answer whether or not the
    account exists (nothing to learn about accounts from this page)."""
    from accounts.models import SignInCode

    account = (
        get_user_model()
        .objects.filter(username__iexact=username.strip(), is_active=True)
        .exclude(email="")
        .first()
    )
    if account is None or not account.has_usable_password():
        return
    recent = timezone.now() - timedelta(minutes=1)
    if SignInCode.objects.filter(user=account, issued_by=None, created_at__gt=recent).exists():
        return
    code = sign_in_code_issue(user=None, account=account, request=request)
    body = render_to_string(
        "registration/sign_in_code_email.txt",
        {"user": account, "code": code, "minutes": settings.SIGN_IN_CODE_MINUTES},
        request=request,
    )
    send_mail(_("托育服务管理门户一次性登录码"), body, None, [account.email], fail_silently=True)


class IssueCodeForm(BootstrapMixin, forms.Form):
    username = forms.CharField(label=gettext_lazy("用户名"), max_length=150)


@never_cache  # the response carries the code
@login_required
def sign_in_code_issue_page(request):
    """A district official (or superuser) issues a one-time sign-in code for an account they manage: a
    locked-out or forgetful town official or operator. The code is shown once."""
    if not (access.unrestricted(request.user) or access.is_official(request.user)):
        raise Http404
    form = IssueCodeForm(request.POST or None)
    issued = None
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"].strip()
        account = managed_accounts(request.user).filter(username__iexact=username).first()
        if account is None:
            form.add_error("username", _("没有这个账户，或该账户不归您管理。"))
        else:
            issued = (account, sign_in_code_issue(user=request.user, account=account, request=request))
            form = IssueCodeForm()
    return render(
        request,
        "registration/sign_in_code_issue.html",
        {"form": form, "issued": issued, "minutes": settings.SIGN_IN_CODE_MINUTES},
    )
