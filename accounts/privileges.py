"""Privilege changes: superuser and staff status, groups and permissions.

Every change of these is written to the security log (kind "privilege", naming the account and the change),
whoever makes it and however (the admin, a command, the shell). A change made while a request acts for
someone who is not a superuser is refused: only the superusers' admin pages offer these fields, and this
catches any other path a future form or API might open. Outside a request (commands, the shell) the
operator of the server is trusted, as Django's createsuperuser is.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models.signals import m2m_changed, post_save, pre_save
from django.dispatch import receiver

from accounts import security
from core import access
from core.versioning import acting_user_id

User = get_user_model()
FLAGS = ("is_superuser", "is_staff")


def _actor():
    pk = acting_user_id()
    return User._base_manager.filter(pk=pk).first() if pk else None


def _guard(what: str):
    """The acting user, after refusing the change when they are not a superuser."""
    actor = _actor()
    if actor is not None and not access.unrestricted(actor):
        security.record("denied", user=actor, reason=f"privilege change refused: {what}"[:200])
        raise PermissionDenied(what)
    return actor


def _log(actor, what: str) -> None:
    security.record("privilege", user=actor, username=actor.get_username() if actor else "", reason=what)


@receiver(pre_save, sender=User, dispatch_uid="privileges_user_flags")
def user_flags_changing(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or (update_fields is not None and not set(update_fields) & set(FLAGS)):
        return  # fixtures; saves of other columns (the last sign-in)
    before = (
        User._base_manager.filter(pk=instance.pk).values(*FLAGS).first() if instance.pk else None
    ) or dict.fromkeys(FLAGS, False)
    changes = [
        f"{flag} {before[flag]}→{getattr(instance, flag)}"
        for flag in FLAGS
        if before[flag] != getattr(instance, flag)
    ]
    if changes:
        what = f"{instance.get_username()}: {', '.join(changes)}"
        instance._privilege_change = (_guard(what), what)


@receiver(post_save, sender=User, dispatch_uid="privileges_user_flags_logged")
def user_flags_changed(sender, instance, **kwargs):
    change = instance.__dict__.pop("_privilege_change", None)
    if change:
        _log(*change)


def _members(model, pk_set) -> str:
    if not pk_set:
        return ""
    names = model._base_manager.filter(pk__in=pk_set)
    if model is Group:
        return ", ".join(sorted(names.values_list("name", flat=True)))
    return ", ".join(
        sorted(f"{p.content_type.app_label}.{p.codename}" for p in names.select_related("content_type"))
    )


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="privileges_user_groups")
@receiver(m2m_changed, sender=User.user_permissions.through, dispatch_uid="privileges_user_permissions")
@receiver(m2m_changed, sender=Group.permissions.through, dispatch_uid="privileges_group_permissions")
def memberships_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    if action not in ("pre_add", "pre_remove", "pre_clear", "post_add", "post_remove", "post_clear"):
        return
    field = {
        User.groups.through: "groups",
        User.user_permissions.through: "user_permissions",
        Group.permissions.through: "permissions",
    }[sender]
    owner = str(instance) if not reverse else f"{model._meta.model_name}s of {instance}"
    verb = action.split("_", 1)[1]
    if action.startswith("pre_"):
        if action == "pre_clear" and not reverse:
            current = getattr(instance, field).values_list("pk", flat=True)
            instance._privilege_cleared = set(current)
        what = f"{owner}: {field} {verb}"
        if action != "pre_clear" and not pk_set:
            return  # adding or removing nothing
        _guard(what)
        return
    if action == "post_clear":
        pk_set = instance.__dict__.pop("_privilege_cleared", None)
        if not pk_set:
            return
    elif not pk_set:
        return
    members = _members(model, pk_set) if not reverse else ", ".join(str(pk) for pk in sorted(pk_set))
    _log(_actor(), f"{owner}: {field} {verb} {members}"[:200])
