"""Owners report their quantified measures' values in the status update form, through the same
service call as the status, in one transaction; a missing, estimated or corrected value needs
a note; values are append-only."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from actionplan.models import Action, MeasureValue, StatusUpdate
from actionplan.quarters import Quarter
from actionplan.rag import Rag
from actionplan.rounds import round_open
from actionplan.services import ReportedValue, measure_band_refresh, status_update_create
from tests.conftest import make_measure

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
IN_Q3 = datetime(2015, 11, 20, 10, 0, tzinfo=LONDON)
CONCERN = "Sign-off slipped: the police lead is on leave; the chair is chasing a new date."


def _post(client, action, **values):
    action.refresh_from_db()
    data = {"rag": "green", "commentary": "On track.", "version": action.version, **values}
    return client.post(reverse("actionplan:action-update", kwargs={"pk": action.pk}), data)


@pytest.fixture
def measures(target_action):
    referrals = make_measure(target_action, text="Referrals to the CSE team")
    share = make_measure(
        target_action, text="Cases with a plan", unit="percentage", target_value=Decimal(90)
    )
    return referrals, share


@time_machine.travel(IN_Q3, tick=False)
def test_the_form_asks_for_each_quantified_measure(client, owner, target_action, measures):
    client.force_login(owner)
    html = client.get(reverse("actionplan:action-update", kwargs={"pk": target_action.pk}))
    html = html.content.decode()
    assert "<legend>Measure: Referrals to the CSE team</legend>" in html
    assert "Value for Q3 2015/16" in html
    assert "Percentage; target 90%" in html


@time_machine.travel(IN_Q3, tick=False)
def test_an_owner_saves_values_with_the_status(client, owner, target_action, measures):
    referrals, share = measures
    client.force_login(owner)
    data = {f"value_{referrals.pk}": "1,234", f"value_{share.pk}": ""}
    response = _post(client, target_action, **data, **{f"note_{share.pk}": "Audit late."})
    assert response.status_code == 302
    update = StatusUpdate.objects.get(action=target_action)
    values = {v.measure_id: v for v in update.measure_values.all()}
    assert len(values) == 2
    assert values[referrals.pk].value == Decimal(1234)
    assert values[referrals.pk].quarter == "2015-Q3"
    assert values[referrals.pk].recorded_by == owner
    assert values[share.pk].value is None and values[share.pk].note == "Audit late."
    referrals.refresh_from_db()
    assert (referrals.current_rag, referrals.current_quarter) == (Rag.GREEN, "2015-Q3")
    # Each value keeps its band, for the dashboards as of a quarter; a missing one has none.
    assert values[referrals.pk].against_target == Rag.GREEN
    assert values[share.pk].against_target == ""


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ({"value": ""}, "say in the note why there is none"),
        ({"value": "1,5"}, "a comma may only separate thousands"),
        ({"value": "12", "estimate": "on"}, "how the value was estimated"),
    ],
)
@time_machine.travel(IN_Q3, tick=False)
def test_a_value_breaking_a_rule_saves_nothing(
    client, owner, target_action, measures, typed, message
):
    referrals, share = measures
    client.force_login(owner)
    data = {f"value_{share.pk}": "80%"}
    data |= {f"{name}_{referrals.pk}": text for name, text in typed.items()}
    response = _post(client, target_action, **data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not StatusUpdate.objects.exists() and not MeasureValue.objects.exists()


@time_machine.travel(IN_Q3, tick=False)
def test_a_correction_supersedes_with_a_reason(client, owner, target_action, measures):
    referrals, share = measures
    client.force_login(owner)
    first = {f"value_{referrals.pk}": "18", f"value_{share.pk}": "80"}
    assert _post(client, target_action, **first).status_code == 302
    changed = {f"value_{referrals.pk}": "19", f"value_{share.pk}": "80"}
    response = _post(client, target_action, **changed)
    assert "This corrects the 18 already reported for the quarter" in response.content.decode()
    assert StatusUpdate.objects.count() == 1
    reason = {f"note_{referrals.pk}": "Two late referrals counted."}
    assert _post(client, target_action, **changed, **reason).status_code == 302
    latest = MeasureValue.objects.filter(measure=referrals).order_by("-pk").first()
    assert latest.value == Decimal(19)
    assert latest.supersedes.value == Decimal(18)
    assert latest.note == "Two late referrals counted."
    assert MeasureValue.objects.filter(measure=referrals).count() == 2  # nothing edited


def test_the_service_saves_the_status_and_values_together_or_not_at_all(
    owner, target_action, measures
):
    referrals, share = measures
    with pytest.raises(ValidationError) as error:
        status_update_create(
            action=target_action, author=owner, rag=Rag.AMBER, commentary=CONCERN,
            expected_version=target_action.version,
            measure_values=[ReportedValue(referrals.pk, Decimal(18))],  # none for `share`
        )  # fmt: skip
    assert f"value_{share.pk}" in error.value.message_dict
    target_action = Action.objects.get(pk=target_action.pk)
    assert (target_action.version, target_action.current_rag) == (0, "")
    assert not StatusUpdate.objects.exists() and not MeasureValue.objects.exists()


def test_a_value_for_another_actions_measure_is_refused(owner, target_action, measures):
    other = make_measure(Action.objects.exclude(pk=target_action.pk).first())
    with pytest.raises(ValidationError, match="does not quantify"):
        status_update_create(
            action=target_action, author=owner, rag=Rag.GREEN, commentary="On track.",
            expected_version=target_action.version,
            measure_values=[ReportedValue(other.pk, Decimal(1))],
        )  # fmt: skip
    assert not MeasureValue.objects.exists()


def test_an_annual_measure_is_asked_for_in_q4_only(owner, target_action):
    annual = make_measure(target_action, frequency="annually")
    with time_machine.travel(IN_Q3, tick=False):
        status_update_create(
            action=target_action, author=owner, rag=Rag.GREEN, commentary="On track.",
            expected_version=target_action.version, measure_values=[],
        )  # fmt: skip
    with (
        time_machine.travel(datetime(2016, 2, 1, 10, tzinfo=LONDON), tick=False),
        pytest.raises(ValidationError) as error,
    ):
        status_update_create(
            action=target_action, author=owner, rag=Rag.GREEN, commentary="On track.",
            expected_version=target_action.version, measure_values=[],
        )  # fmt: skip
    assert f"value_{annual.pk}" in error.value.message_dict


def test_values_given_with_a_rounds_return_are_for_the_rounds_quarter(
    client, owner, business_support, target_action, measures, django_capture_on_commit_callbacks
):
    referrals, share = measures
    with time_machine.travel(datetime(2016, 1, 4, 9, tzinfo=LONDON), tick=False):
        round_open(plan=target_action.plan, quarter=Quarter(2015, 3), opened_by=business_support)
        client.force_login(owner)
        page = client.get(reverse("actionplan:action-update", kwargs={"pk": target_action.pk}))
        assert "Value for Q3 2015/16" in page.content.decode()
        data = {f"value_{referrals.pk}": "17", f"value_{share.pk}": "91%"}
        assert _post(client, target_action, **data).status_code == 302
    assert set(MeasureValue.objects.values_list("quarter", flat=True)) == {"2015-Q3"}


def test_the_update_form_query_count_is_fixed_whatever_the_measures(
    client, owner, target_action, django_assert_num_queries
):
    for number in range(6):
        measure = make_measure(target_action, text=f"Measure {number}")
        for year in range(2013, 2016):
            MeasureValue.objects.create(
                measure=measure, quarter=f"{year}-Q3", value=Decimal(number), recorded_by=owner
            )
    client.force_login(owner)
    url = reverse("actionplan:action-update", kwargs={"pk": target_action.pk})
    with time_machine.travel(IN_Q3, tick=False):
        client.get(url)
        # As test_drafts' pinned count, and the values already given for the quarter.
        with django_assert_num_queries(13):
            response = client.get(url)
    assert response.content.decode().count("<legend>Measure: ") == 6


@time_machine.travel(IN_Q3, tick=False)
def test_a_changed_target_bands_the_latest_value_again(owner, target_action):
    measure = make_measure(target_action)
    earlier = MeasureValue.objects.create(
        measure=measure, quarter="2015-Q2", value=Decimal(20), recorded_by=owner,
        against_target=Rag.GREEN,
    )  # fmt: skip
    status_update_create(
        action=target_action, author=owner, rag=Rag.GREEN, commentary="On track.",
        expected_version=0, measure_values=[ReportedValue(measure.pk, Decimal(19))],
    )  # fmt: skip
    measure.refresh_from_db()
    assert measure.current_rag == Rag.AMBER
    measure.target_value = Decimal(30)
    measure.save()
    measure_band_refresh(measure=measure)
    measure.refresh_from_db()
    assert (measure.current_rag, measure.current_quarter) == (Rag.RED, "2015-Q3")
    # Every value is banded again, the earlier quarter's too.
    bands = dict(measure.values.values_list("quarter", "against_target"))
    assert bands == {"2015-Q2": Rag.RED, "2015-Q3": Rag.RED}
    earlier.refresh_from_db()
    assert earlier.against_target == Rag.RED


def test_business_support_quantify_a_measure_in_the_admin(client, business_support, target_action):
    make_measure(target_action)
    client.force_login(business_support)
    url = reverse("admin:actionplan_action_change", args=[target_action.pk])
    html = client.get(url).content.decode()
    assert "Quantify it (leave the unit empty for a sentence only)" in html
    assert 'name="measures-0-target_value"' in html and 'name="measures-0-direction"' in html


def _report(action, author, measure, value, *, at, note=""):
    action.refresh_from_db()
    with time_machine.travel(at, tick=False):
        status_update_create(
            action=action, author=author, rag=Rag.GREEN, commentary="On track.",
            expected_version=action.version,
            measure_values=[ReportedValue(measure.pk, value, note=note)],
        )  # fmt: skip


def test_the_action_page_draws_each_measure_with_its_table_and_trend(client, owner, target_action):
    measure = make_measure(target_action, text="Referrals to the CSE team", data_source="MASH")
    _report(target_action, owner, measure, Decimal(12), at=datetime(2015, 8, 1, tzinfo=LONDON))
    _report(target_action, owner, measure, Decimal(18), at=datetime(2016, 2, 1, tzinfo=LONDON))
    client.force_login(owner)
    html = client.get(target_action.get_absolute_url()).content.decode()
    section = html.split('<section class="measures"')[1].split("</section>")[0]
    assert "Improved from 12 to 18, against a target of 20; Red." in section
    assert (
        f'aria-labelledby="measure-{measure.pk}-chart-title measure-{measure.pk}-trend"' in section
    )
    assert section.count("<circle ") == 2  # Q2 and Q4; Q3 has no value
    assert '<th scope="row">Q3 2015/16</th><td class="numeric">Not reported' in section
    assert "Source: MASH." in section
    assert "<script" not in section


def test_action_page_queries_do_not_grow_with_measures_and_quarters(
    client, owner, target_action, django_assert_num_queries
):
    def count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            client.get(target_action.get_absolute_url())
        return len(queries)

    client.force_login(owner)
    make_measure(target_action)
    client.get(target_action.get_absolute_url())
    before = count()
    for number in range(5):
        measure = make_measure(target_action, text=f"Measure {number}")
        MeasureValue.objects.bulk_create(
            MeasureValue(measure=measure, quarter=f"{year}-Q{q}", value=q, recorded_by=owner)
            for year in (2014, 2015) for q in (1, 2, 3, 4)
        )  # fmt: skip
    assert count() == before
    # As test_my_actions' pinned action page (the reporting quarter, the roles' holders, due
    # date revisions...), and the measures' values (one query for all)
    with django_assert_num_queries(22):
        client.get(target_action.get_absolute_url())


@time_machine.travel(IN_Q3, tick=False)
def test_a_control_character_in_a_value_or_note_is_refused(client, owner, target_action):
    measure = make_measure(target_action)
    client.force_login(owner)
    data = {f"value_{measure.pk}": "", f"note_{measure.pk}": "Late\x00 audit"}
    response = _post(client, target_action, **data)
    assert response.status_code == 200
    assert not StatusUpdate.objects.exists() and not MeasureValue.objects.exists()
    response = _post(client, target_action, **{f"value_{measure.pk}": "1\x0b2"})
    assert response.status_code == 200 and not MeasureValue.objects.exists()
