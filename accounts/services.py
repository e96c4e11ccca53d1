"""Writes of the accounts app: API tokens and API-client accounts. Views, commands and tools call these."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from accounts.models import ApiToken, hash_secret
from accounts.selectors import managed_districts
from core import usernames
from core.access import Role
from facilities.models import RoleAssignment
from targets.models import Region


@transaction.atomic
def token_issue(
    *, user, name: str, read_only: bool, expires_at: datetime, created_by, grant=None
) -> tuple[ApiToken, str]:
    """Create a token and return it with its secret, which is shown once and never stored. With `grant`, a
    request signed with the token sees that grant's scope only."""
    secret = ApiToken.PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        key_prefix=secret[:12],
        key_hash=hash_secret(secret),
        read_only=read_only,
        expires_at=expires_at,
        created_by=created_by,
        grant=grant,
    )
    return token, secret


@transaction.atomic
def token_revoke(*, token: ApiToken) -> bool:
    """Revoke a token now. False when it was already revoked (the row is locked, so two revocations at the
    same moment keep the first time)."""
    locked = ApiToken.objects.select_for_update().get(pk=token.pk)
    if locked.revoked_at is not None:
        token.revoked_at = locked.revoked_at
        return False
    locked.revoked_at = timezone.now()
    locked.save(update_fields=["revoked_at"])
    token.revoked_at = locked.revoked_at
    return True


@transaction.atomic
def api_client_create(*, user, username: str, full_name: str, district: Region):
    """An API-client account of `district`, opened by one of its district officials. It signs in with tokens
    only: no password is set."""
    if not managed_districts(user).filter(pk=district.pk).exists():
        raise Http404
    username = usernames.clean_new_username(username)  # ValidationError: the form shows it first
    account = get_user_model()(username=username, first_name=full_name.strip())
    account.set_unusable_password()
    account.save()
    RoleAssignment.objects.create(user=account, role=Role.API_CLIENT, region=district, granted_by=user)
    return account


# --- passwords and one-time sign-in codes ------------------------------------------------------------------


def require_password_change(user, *, reason: str = "") -> None:
    """Flag `user`: at their next sign-in every page leads to the password-change page until they choose a
    password of their own. For every password the user did not choose (generated, reset, one-time code)."""
    from accounts.models import PasswordChangeRequired

    PasswordChangeRequired.objects.update_or_create(
        user=user, defaults={"since": timezone.now(), "reason": reason[:100]}
    )


def password_changed_by_user(user, request=None) -> None:
    """The user chose a new password (the password-change or reset page): clear the flag, log it."""
    from accounts import security
    from accounts.models import PasswordChangeRequired

    PasswordChangeRequired.objects.filter(user=user).delete()
    if request is not None and hasattr(request, "session"):
        request.session.pop(security.MUST_CHANGE_SESSION_KEY, None)
    security.record("password_changed", request, user=user)


SIGN_IN_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out over the phone


def normalize_sign_in_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def managed_accounts(user):
    """Accounts for which `user` may issue a one-time sign-in code: every other account for a superuser; for
    a district official, town officials and operators whose every grant lies in the official's district, and
    operators invited to register a facility in one of its towns; for a city official also the district
    officials of its districts (an account reaching further is its higher administrator's to help). Never
    superusers or staff."""
    from core import access
    from facilities.models import OperatorInvitation
    from facilities.selectors import manageable_assignments, manageable_scope

    User = get_user_model()
    others = User.objects.filter(is_active=True).exclude(pk=user.pk)
    if access.unrestricted(user):
        return others
    towns = manageable_scope(user)[1]
    # Town officials and operators of the official's district; a city official's district officials too.
    inside = manageable_assignments(user)
    outside = RoleAssignment.objects.exclude(pk__in=inside.values("pk"))
    invited = OperatorInvitation.objects.filter(registered_at__isnull=True, town__in=towns)
    return (
        others.exclude(pk__in=access.unrestricted_accounts(User.objects.all()).values("pk"))
        .filter(is_staff=False)
        .filter(Q(roles__in=inside.values("pk")) | Q(pk__in=invited.values("user")))
        .exclude(roles__in=outside.values("pk"))
        .distinct()
    )


@transaction.atomic
def sign_in_code_issue(*, user, account, request=None) -> str:
    """A one-time sign-in code for `account`, issued by `user` (a district official or superuser for an
    account they manage; `user=None` when the account asked for it by e-mail). Earlier unused codes of the
    account stop working. Returns the code, which is shown once; only its hash is stored."""
    from accounts import security
    from accounts.models import SignInCode

    if user is not None and not managed_accounts(user).filter(pk=account.pk).exists():
        raise Http404
    now = timezone.now()
    SignInCode.objects.filter(user=account, used_at__isnull=True).update(expires_at=now)
    raw = "".join(secrets.choice(SIGN_IN_CODE_ALPHABET) for _ in range(12))
    SignInCode.objects.create(
        user=account,
        code_hash=hash_secret(raw),
        expires_at=now + timedelta(minutes=settings.SIGN_IN_CODE_MINUTES),
        issued_by=user,
    )
    security.record(
        "sign_in_code_issued",
        request,
        username=account.get_username(),
        reason=f"issued by {user.get_username()}" if user is not None else "by e-mail",
    )
    return "-".join(raw[i : i + 4] for i in range(0, 12, 4))


@transaction.atomic
def sign_in_code_redeem(*, username: str, code: str):
    """The active account whose unused, unexpired code this is, with the code used up; else None. The
    caller checks the address lock first and signs the user in (see accounts.views.sign_in_with_code)."""
    from accounts.models import SignInCode

    found = (
        SignInCode.objects.select_for_update()
        .select_related("user")
        .filter(
            code_hash=hash_secret(normalize_sign_in_code(code)),
            used_at__isnull=True,
            expires_at__gt=timezone.now(),
            user__is_active=True,
        )
        .first()
    )
    if found is None or found.user.get_username().casefold() != username.strip().casefold():
        return None
    found.used_at = timezone.now()
    found.save(update_fields=["used_at"])
    require_password_change(found.user, reason="one-time sign-in code")
    return found.user
