"""Templates ask accounts.permissions' predicates through these filters, never re-implement them."""

from django import template

from accounts import permissions

register = template.Library()


@register.filter
def is_chair(user) -> bool:
    return permissions.is_chair(user)


@register.filter
def chairs_body(user, body_id) -> bool:
    try:
        return permissions.chairs_body(user, int(body_id))
    except (TypeError, ValueError):
        return False


@register.filter
def can_update(user, action) -> bool:
    return permissions.can_update_action(user, action)


@register.filter
def can_edit_plan(user) -> bool:
    return permissions.can_edit_plan(user)


@register.filter
def can_quantify_measures(user) -> bool:
    return permissions.can_quantify_measures(user)


@register.filter
def who_may_update(action) -> str:
    return permissions.who_may_update_action(action)
