"""The people pages: business support run the partnership's people here, not in the admin
(docs/people.md). Each person also reads their own page."""

from datetime import timedelta

from axes.models import AccessLog
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Invitation, User
from accounts.permissions import can_change_person, can_manage_people, can_reset_two_factor
from accounts.security_log import log_event
from actionplan import people
from actionplan.access import get_person
from actionplan.people_forms import PeopleFilterForm, PersonForm

PEOPLE_PER_PAGE_LIMIT = 500  # the partnership has a few hundred people: one page


def _require_manager(request):
    if not can_manage_people(request.user):
        raise PermissionDenied("People are run by Board business support.")


def _filtered(queryset, data: dict):
    now = timezone.now()
    filters = {
        "agency": lambda v: Q(agency=v),
        "role": lambda v: Q(roles=v),
        "body": lambda v: Q(chaired_bodies=v),
    }
    for name, make in filters.items():
        if data.get(name):
            queryset = queryset.filter(make(data[name]))
    status = data.get("status")
    if status == "active":
        queryset = queryset.filter(is_active=True)
    elif status == "invited":
        queryset = queryset.filter(is_active=False, last_login__isnull=True)
    elif status == "deactivated":
        queryset = queryset.filter(is_active=False, last_login__isnull=False)
    signed_in = data.get("signed_in")
    if signed_in == "30":
        queryset = queryset.filter(last_login__gte=now - timedelta(days=30))
    elif signed_in == "not90":
        queryset = queryset.filter(Q(last_login__lt=now - timedelta(days=90)))
    elif signed_in == "never":
        queryset = queryset.filter(last_login__isnull=True)
    return queryset.distinct()


@login_required
def person_list(request):
    _require_manager(request)
    form = PeopleFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    queryset = User.objects.select_related("agency").prefetch_related(
        "roles", "chaired_bodies", "groups"
    )
    people_list = list(
        _filtered(queryset, data).order_by("last_name", "first_name", "username")[
            :PEOPLE_PER_PAGE_LIMIT
        ]
    )
    context = {"form": form, "people": people_list, "filtered": bool(data)}
    return render(request, "actionplan/people/person_list.html", context)


def _build_url(request):
    return request.build_absolute_uri


@login_required
def person_invite(request):
    _require_manager(request)
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        person = people.person_invite(
            invited_by=request.user, build_url=_build_url(request), **form.cleaned_data
        )
        log_event("person_invited", request=request, username=request.user.get_username(),
                  person=person.get_username())  # fmt: skip
        messages.success(request, f"{person} was invited: the e-mail is on its way.")
        return redirect("actionplan:person-detail", pk=person.pk)
    context = {"form": form, "person": None, "invitation_days": settings.INVITATION_DAYS}
    return render(request, "actionplan/people/person_form.html", context)


@login_required
def person_detail(request, pk: int):
    person = get_person(request, pk)
    context = {
        "person": person,
        "roles": person.roles.select_related("agency"),
        "bodies": person.chaired_bodies.all(),
        "access": people.current_access(person),
        "authenticator": TOTPDevice.objects.filter(user=person, confirmed=True).first(),
        "recovery_left": StaticToken.objects.filter(device__user=person).count(),
        "sign_ins": AccessLog.objects.filter(username=person.username).order_by("-attempt_time")[
            :10
        ],
        "events": person.events.select_related("actor")[:50],
        "invitation": Invitation.objects.pending(now=timezone.now()).filter(person=person).first(),
        "can_change": can_change_person(request.user, person),
        "can_reset": can_reset_two_factor(request.user, person),
        "is_self": person.pk == request.user.pk,
    }
    return render(request, "actionplan/people/person_detail.html", context)


@login_required
def person_edit(request, pk: int):
    person = get_person(request, pk, change=True)
    initial = {
        "first_name": person.first_name, "last_name": person.last_name,
        "agency": person.agency, "job_title": person.job_title,
        "roles": list(person.roles.all()), "bodies": list(person.chaired_bodies.all()),
        "access": people.current_access(person),
    }  # fmt: skip
    form = PersonForm(request.POST or None, initial=initial, person=person)
    if request.method == "POST" and form.is_valid():
        changes = people.person_update(person=person, actor=request.user, **form.cleaned_data)
        log_event("person_changed", request=request, username=request.user.get_username(),
                  person=person.get_username(), changes=len(changes))  # fmt: skip
        messages.success(request, f"{person}: {len(changes) or 'nothing'} changed.")
        return redirect("actionplan:person-detail", pk=person.pk)
    return render(request, "actionplan/people/person_form.html", {"form": form, "person": person})


def _post_action(request, pk, do, done: str, event: str):
    person = get_person(request, pk, change=True)
    do(person)
    log_event(event, request=request, username=request.user.get_username(),
              person=person.get_username())  # fmt: skip
    messages.success(request, done.format(person=person))
    return redirect("actionplan:person-detail", pk=person.pk)


@login_required
@require_POST
def person_resend(request, pk: int):
    def do(person):
        if person.is_active or person.last_login:
            raise PermissionDenied("Only a person who has not yet joined is sent an invitation.")
        people.person_invitation_resend(
            person=person, actor=request.user, build_url=_build_url(request)
        )

    return _post_action(
        request, pk, do, "A new invitation was sent to {person}.", "invitation_resent"
    )


@login_required
@require_POST
def person_revoke(request, pk: int):
    def do(person):
        people.person_invitation_revoke(person=person, actor=request.user)

    return _post_action(request, pk, do, "{person}'s invitation was revoked.", "invitation_revoked")


@login_required
@require_POST
def person_deactivate(request, pk: int):
    def do(person):
        people.person_deactivate(person=person, actor=request.user)

    return _post_action(
        request, pk, do, "{person} was deactivated and signed out.", "person_deactivated"
    )


@login_required
@require_POST
def person_reactivate(request, pk: int):
    def do(person):
        people.person_reactivate(person=person, actor=request.user, build_url=_build_url(request))

    return _post_action(request, pk, do, "{person} was reactivated.", "person_reactivated")


@login_required
def my_page(request):
    return redirect("actionplan:person-detail", pk=request.user.pk)
