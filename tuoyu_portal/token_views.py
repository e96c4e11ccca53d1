"""API token pages (/accounts/tokens/): a signed-in user with a role lists, creates and revokes their own API
tokens; a district official also opens API-client accounts for their district and manages those accounts'
tokens. The secret of a new token is shown once, on the response to the form that created it; only its hash
is stored (ApiToken.issue).

Who may do what is decided with facilities.permissions (roles and districts); anything outside the user's
scope is a 404, as everywhere else in the portal."""

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from facilities.forms import BootstrapMixin
from facilities.models import RoleAssignment
from facilities.permissions import Role, assignments, district_ids, has_role
from targets.models import Region
from tuoyu_portal.models import ApiToken

User = get_user_model()

EXPIRY_DAYS_DEFAULT, EXPIRY_DAYS_MAX = 90, 365


# ---------------------------------------------------------------- scope


def may_use_tokens(user) -> bool:
    """Signed-in users who hold a role, and superusers."""
    return bool(getattr(user, "is_authenticated", False)) and (
        bool(getattr(user, "is_superuser", False)) or bool(assignments(user))
    )


def managed_districts(user):
    """Districts whose API-client accounts the user manages: those where they are a district official
    (every district for a superuser)."""
    districts = Region.objects.filter(level=Region.Level.DISTRICT)
    if getattr(user, "is_superuser", False):
        return districts
    return districts.filter(pk__in=district_ids(user, Role.DISTRICT_OFFICIAL))


def api_clients(user):
    """API-client accounts of the user's managed districts (none unless the user is a district official)."""
    return (
        User.objects.filter(
            roles__role=Role.API_CLIENT, roles__region__in=managed_districts(user).values("pk")
        )
        .exclude(pk=user.pk)
        .distinct()
        .order_by("username")
    )


def manageable_tokens(user):
    """Tokens the user may see and revoke: their own and those of their districts' API-client accounts."""
    return ApiToken.objects.filter(Q(user=user) | Q(user__in=api_clients(user).values("pk")))


def is_api_client(user) -> bool:
    return has_role(user, Role.API_CLIENT)


# ---------------------------------------------------------------- forms


class ClientChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.username}（{obj.first_name}）" if obj.first_name else obj.username


class TokenForm(BootstrapMixin, forms.Form):
    READ_ONLY, READ_WRITE = "read_only", "read_write"

    name = forms.CharField(
        label=gettext_lazy("名称"), max_length=100, help_text=gettext_lazy("用途，如：市托育一件事平台")
    )
    owner = ClientChoiceField(
        label=gettext_lazy("令牌归属"),
        queryset=User.objects.none(),
        required=False,
        empty_label=gettext_lazy("本人"),
        help_text=gettext_lazy("本人，或本区的接口只读用户"),
    )
    access = forms.ChoiceField(
        label=gettext_lazy("权限"),
        choices=[(READ_ONLY, gettext_lazy("只读")), (READ_WRITE, gettext_lazy("读写"))],
        initial=READ_ONLY,
    )
    expires_in_days = forms.IntegerField(
        label=gettext_lazy("有效期（天）"),
        min_value=1,
        max_value=EXPIRY_DAYS_MAX,
        initial=EXPIRY_DAYS_DEFAULT,
        help_text=gettext_lazy("1–365 天"),
    )

    def __init__(self, *args, user, clients, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if clients is None:
            del self.fields["owner"]
        else:
            self.fields["owner"].queryset = clients
        if is_api_client(user) and clients is None:
            # Nobody else to issue for and only read-only is allowed: offer nothing else.
            self.fields["access"].choices = [(self.READ_ONLY, _("只读"))]

    def clean(self):
        data = super().clean()
        owner = data.get("owner") or self.user
        data["owner"] = owner
        if data.get("access") == self.READ_WRITE and (owner.pk != self.user.pk or is_api_client(owner)):
            self.add_error("access", _("接口只读用户的令牌只能是只读令牌。"))
        return data


class ApiClientForm(BootstrapMixin, forms.Form):
    username = forms.CharField(
        label=gettext_lazy("用户名"),
        max_length=150,
        validators=[User.username_validator],
        help_text=gettext_lazy("字母、数字和 @/./+/-/_，如 cq-ytj-platform"),
    )
    full_name = forms.CharField(label=gettext_lazy("系统或单位名称"), max_length=150, required=False)
    district = forms.ModelChoiceField(label=gettext_lazy("区县"), queryset=Region.objects.none())

    def __init__(self, *args, districts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = districts.order_by("code")
        if districts.count() == 1:
            self.fields["district"].initial = districts.first()
            self.fields["district"].empty_label = None

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("用户名已被使用。"))
        return username


@transaction.atomic
def create_api_client(*, user, username: str, full_name: str, district: Region):
    """An API-client account of `district`, opened by one of its district officials. It signs in with tokens
    only: no password is set."""
    if not managed_districts(user).filter(pk=district.pk).exists():
        raise Http404
    account = User(username=username, first_name=full_name.strip())
    account.set_unusable_password()
    account.save()
    RoleAssignment.objects.create(user=account, role=Role.API_CLIENT, region=district, granted_by=user)
    return account


# ---------------------------------------------------------------- views


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
    if action == "create_token" and token_form.is_valid():
        data = token_form.cleaned_data
        token, secret = ApiToken.issue(
            user=data["owner"],
            name=data["name"],
            read_only=data["access"] == TokenForm.READ_ONLY,
            expires_at=timezone.now() + timedelta(days=data["expires_in_days"]),
            created_by=user,
        )
        created = (token, secret)
        token_form = TokenForm(user=user, clients=clients, prefix="token")
    elif action == "create_client":
        if client_form is None:
            raise Http404
        if client_form.is_valid():
            account = create_api_client(user=user, **client_form.cleaned_data)
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
        ApiToken.objects.filter(user__in=clients.values("pk")).select_related("user", "created_by")
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
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        messages.success(request, _("已撤销令牌 %(name)s。") % {"name": str(token)})
    else:
        messages.info(request, _("该令牌已撤销。"))
    return redirect("tokens:list")
