"""Users and their grants (the cast of roles built from these lives in tests/cast.py)."""

import factory
from django.contrib.auth import get_user_model

from facilities.models import RoleAssignment


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-for-tests-only")


def grant(user, role, *, region=None, facility=None):
    RoleAssignment.objects.create(user=user, role=role, region=region, facility=facility)
    if hasattr(user, "_tuoyu_roles"):  # the per-request cache of the user's grants
        del user._tuoyu_roles
    return user
