"""One database-consistency hook, not business logic.

Deleting a facility deletes its class units first (Django's cascade order); each unit deletion lowers the
facility's computed total_slots, and the CHECK inclusive_slots ≤ total_slots would refuse the first step.
So before a facility row is deleted its inclusive slots are zeroed in the same transaction."""

from django.db.models.signals import pre_delete
from django.dispatch import receiver

from facilities.models import Facility


@receiver(pre_delete, sender=Facility)
def release_inclusive_slots_before_delete(sender, instance, **kwargs):
    Facility.objects.filter(pk=instance.pk).exclude(inclusive_slots=0).update(inclusive_slots=0)
