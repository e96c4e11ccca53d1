"""`{{ member.id_number|id_masked }}`: an ID number as pages show it (core.privacy)."""

from django import template

from core.privacy import mask_id_number

register = template.Library()


@register.filter
def id_masked(value):
    return mask_id_number(value)
