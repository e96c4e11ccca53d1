"""Writes of the accounts app: API tokens and API-client accounts. Views, commands and tools call these."""

from __future__ import annotations

import secrets
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from accounts.models import ApiToken, hash_secret
from accounts.selectors import managed_districts
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
    account = get_user_model()(username=username, first_name=full_name.strip())
    account.set_unusable_password()
    account.save()
    RoleAssignment.objects.create(user=account, role=Role.API_CLIENT, region=district, granted_by=user)
    return account
