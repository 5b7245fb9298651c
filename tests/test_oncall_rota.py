"""A rota people can keep: weekly shifts in their own time zone, one-off overrides, warnings."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from chatplatform import roles
from escalation import oncall, opening, paging, rota
from escalation.models import Escalation, OnCallOverride, WeeklyShift
from escalation.rota import Override
from escalation.rota import WeeklyShift as Weekly


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


class TestWeeklyShiftsAcrossDaylightSaving:
    """Pure rules: local hours stay put when the clocks change (Europe/London, 2026)."""

    DAY = Weekly(1, "primary", weekday=0, starts=time(9), ends=time(17), zone="Europe/London")
    NIGHT = Weekly(2, "primary", weekday=5, starts=time(22), ends=time(6), zone="Europe/London")

    def test_a_day_shift_keeps_its_local_hours_before_and_after_the_change(self):
        # Monday 23 March is on GMT; Monday 30 March on BST (clocks went forward on the 29th).
        winter = rota.occurrences(self.DAY, at("2026-03-23T00:00Z"), at("2026-03-24T00:00Z"))
        summer = rota.occurrences(self.DAY, at("2026-03-30T00:00Z"), at("2026-03-31T00:00Z"))
        assert winter == [(at("2026-03-23T09:00Z"), at("2026-03-23T17:00Z"))]
        assert summer == [(at("2026-03-30T08:00Z"), at("2026-03-30T16:00Z"))]
        for moment, on in [
            ("2026-03-30T07:59Z", set()), ("2026-03-30T08:00Z", {1}),
            ("2026-03-30T15:59Z", {1}), ("2026-03-30T16:00Z", set()),
        ]:  # fmt: skip
            assert rota.on_call("primary", [self.DAY], [], at(moment)) == on

    def test_a_night_shift_is_an_hour_shorter_when_the_clocks_go_forward(self):
        (spring,) = rota.occurrences(self.NIGHT, at("2026-03-28T12:00Z"), at("2026-03-29T12:00Z"))
        assert spring == (at("2026-03-28T22:00Z"), at("2026-03-29T05:00Z"))
        assert rota.on_call("primary", [self.NIGHT], [], at("2026-03-29T04:59Z")) == {2}
        assert rota.on_call("primary", [self.NIGHT], [], at("2026-03-29T05:00Z")) == set()

    def test_and_an_hour_longer_when_they_go_back(self):
        (autumn,) = rota.occurrences(self.NIGHT, at("2026-10-24T12:00Z"), at("2026-10-25T12:00Z"))
        assert autumn == (at("2026-10-24T21:00Z"), at("2026-10-25T06:00Z"))
        assert autumn[1] - autumn[0] == timedelta(hours=9)

    def test_time_zones_are_the_shifts_own(self):
        madrid = Weekly(3, "backup", weekday=2, starts=time(8), ends=time(8), zone="Europe/Madrid")
        (whole_day,) = rota.occurrences(madrid, at("2026-07-01T12:00Z"), at("2026-07-01T13:00Z"))
        assert whole_day == (at("2026-07-01T06:00Z"), at("2026-07-02T06:00Z"))
        new_york = Weekly(
            4, "primary", weekday=6, starts=time(1), ends=time(4), zone="America/New_York"
        )
        # 8 March 2026: New York skips from 02:00 to 03:00.
        (short,) = rota.occurrences(new_york, at("2026-03-08T00:00Z"), at("2026-03-09T00:00Z"))
        assert short == (at("2026-03-08T06:00Z"), at("2026-03-08T08:00Z"))


class TestOverridesAndGaps:
    WEEKDAYS = [Weekly(1, "primary", d, time(9), time(17), "UTC") for d in range(5)]

    def test_an_override_replaces_the_weekly_shift_of_its_tier_while_it_lasts(self):
        swap = Override(7, "primary", at("2026-12-01T12:00Z"), at("2026-12-01T14:00Z"))
        assert rota.on_call("primary", self.WEEKDAYS, [swap], at("2026-12-01T11:00Z")) == {1}
        assert rota.on_call("primary", self.WEEKDAYS, [swap], at("2026-12-01T13:00Z")) == {7}
        assert rota.on_call("primary", self.WEEKDAYS, [swap], at("2026-12-01T14:00Z")) == {1}
        assert rota.on_call("backup", self.WEEKDAYS, [swap], at("2026-12-01T13:00Z")) == set()

    def test_the_timeline_finds_the_weekend_hole(self):
        segments = rota.timeline(
            "primary", self.WEEKDAYS, [], at("2026-12-04T16:00Z"), at("2026-12-05T16:00Z")
        )  # a Friday afternoon, 24 hours ahead
        gap = rota.first_gap(segments)
        assert (gap.starts_at, gap.ends_at) == (at("2026-12-04T17:00Z"), at("2026-12-05T16:00Z"))
        cover = Override(9, "primary", at("2026-12-04T17:00Z"), None)
        covered = rota.timeline(
            "primary", self.WEEKDAYS, [cover], at("2026-12-04T16:00Z"), at("2026-12-05T16:00Z")
        )
        assert rota.first_gap(covered) is None
        assert [s.user_ids for s in covered] == [{1}, {9}]


@pytest.mark.django_db
class TestRotaInTheDatabase:
    @pytest.fixture
    def team(self, make_staff):
        lead = make_staff(roles.SUPERVISOR, email="lead@example.org", name="Lead")
        cover = make_staff(roles.SUPERVISOR, email="cover@example.org", name="Cover")
        for day in range(5):
            WeeklyShift.objects.create(
                user=lead, tier="primary", weekday=day, starts=time(9), ends=time(17)
            )
        return lead, cover

    def test_paging_reaches_the_weekly_primary_and_an_override_replaces_them(
        self, team, make_participant, make_group_room, sent_events,
        django_capture_on_commit_callbacks,
    ):  # fmt: skip
        lead, cover = team
        tuesday_noon = at("2026-12-01T12:00Z")
        assert oncall.on_call("primary", tuesday_noon) == [lead]
        OnCallOverride.objects.create(
            user=cover,
            tier="primary",
            starts_at=tuesday_noon,
            ends_at=tuesday_noon + timedelta(hours=1),
        )
        assert oncall.on_call("primary", tuesday_noon) == [cover]
        with django_capture_on_commit_callbacks(execute=True):
            opening.do_open_escalation(
                source=Escalation.Source.AUTOMATIC, level="high", reasons=["ideation"],
                room_id=make_group_room().pk, participant=make_participant(), now=tuesday_noon,
            )  # fmt: skip
        paged = [g for g, e in sent_events if e["type"] == "escalation.page"]
        assert paged == [f"escalation.pager.s{cover.pk}"]

    def test_a_deactivated_or_demoted_person_is_not_on_call(self, team, make_staff):
        lead, _ = team
        lead.is_active = False
        lead.save()
        assert oncall.on_call("primary", at("2026-12-01T12:00Z")) == []

    def test_the_gap_warning_names_the_hole_and_nothing_when_covered(self, team, settings):
        settings.ONCALL_GAP_WARNING_HOURS = 24
        _, cover = team
        friday = at("2026-12-04T16:00Z")
        warning = oncall.gap_warning(friday)
        assert "No primary supervisor is on call from" in warning
        assert "Dec. 4, 2026, 5 p.m." in warning
        OnCallOverride.objects.create(user=cover, tier="primary", starts_at=friday)
        assert oncall.gap_warning(friday) == ""
        settings.ONCALL_GAP_WARNING_HOURS = 0
        OnCallOverride.objects.all().delete()
        assert oncall.gap_warning(friday) == ""

    def test_a_backup_is_no_primary(self, make_staff, settings):
        settings.ONCALL_GAP_WARNING_HOURS = 4
        backup = make_staff(roles.SUPERVISOR)
        OnCallOverride.objects.create(user=backup, tier="backup", starts_at=at("2026-01-01T00:00Z"))
        assert oncall.gap_warning(at("2026-12-01T12:00Z")) != ""

    def test_now_and_next(self, team):
        lead, _ = team
        status = oncall.status(at("2026-12-04T16:00Z"), hours=24)
        assert status.current == {"primary": [lead], "backup": []}
        tier, segment, people = status.upcoming[0]
        assert (tier, segment.starts_at, people) == ("primary", at("2026-12-04T17:00Z"), [])
        assert status.gap is not None


@pytest.mark.django_db
class TestTheOncallCommand:
    def test_weekly_shifts_are_added_on_several_days_in_a_time_zone(self, make_staff, capsys):
        lead = make_staff(roles.SUPERVISOR, email="lead@example.org")
        call_command(
            "oncall", "weekly", "add", "lead@example.org", "--tier", "primary",
            "--day", "mon,wed", "--start", "22:00", "--end", "06:00", "--tz", "Europe/Madrid",
        )  # fmt: skip
        shifts = WeeklyShift.objects.order_by("weekday")
        assert [(s.weekday, s.starts, s.ends, s.time_zone) for s in shifts] == [
            (0, time(22), time(6), "Europe/Madrid"),
            (2, time(22), time(6), "Europe/Madrid"),
        ]
        assert all(s.user == lead for s in shifts)
        assert "Monday    22:00-06:00 Europe/Madrid" in capsys.readouterr().out

    def test_overrides_are_added_listed_and_removed(self, make_staff, capsys):
        cover = make_staff(roles.ADMIN, email="cover@example.org")
        call_command(
            "oncall", "override", "add", "cover@example.org", "--tier", "backup",
            "--starts", "2026-12-24T18:00+01:00", "--ends", "2026-12-26T08:00+01:00",
        )  # fmt: skip
        override = OnCallOverride.objects.get()
        assert (override.user, override.starts_at) == (cover, at("2026-12-24T17:00Z"))
        call_command("oncall", "override", "remove", str(override.pk))
        assert not OnCallOverride.objects.exists()

    def test_now_shows_who_is_on_call_and_the_hole(self, make_staff, capsys):
        make_staff(roles.SUPERVISOR, email="lead@example.org")
        call_command("oncall", "override", "add", "lead@example.org", "--tier", "primary")
        capsys.readouterr()
        call_command("oncall", "now")
        out = capsys.readouterr().out
        assert "now      primary  lead@example.org" in out
        assert "now      backup   nobody" in out
        assert "WARNING" not in out

    @pytest.mark.parametrize(
        ("arguments", "message"),
        [
            (["weekly", "add", "peer@example.org", "--tier", "primary", "--day", "mon",
              "--start", "09:00", "--end", "17:00"], "not a supervisor or admin"),
            (["weekly", "add", "lead@example.org", "--tier", "primary", "--day", "funday",
              "--start", "09:00", "--end", "17:00"], "unknown day"),
            (["weekly", "add", "lead@example.org", "--tier", "primary", "--day", "mon",
              "--start", "9am", "--end", "17:00"], "not a time of day"),
            (["weekly", "add", "lead@example.org", "--tier", "primary", "--day", "mon",
              "--start", "09:00", "--end", "17:00", "--tz", "Mars/Olympus"], "not a time zone"),
            (["override", "add", "lead@example.org", "--tier", "primary",
              "--starts", "2026-12-02T10:00Z", "--ends", "2026-12-01T10:00Z"], "must end after"),
            (["override", "remove", "999"], "there is no override shift 999"),
        ],
    )  # fmt: skip
    def test_bad_arguments_are_refused_with_a_sentence_and_nothing_is_stored(
        self, arguments, message, make_staff
    ):
        make_staff(roles.MENTOR, email="peer@example.org")
        make_staff(roles.SUPERVISOR, email="lead@example.org")
        with pytest.raises(CommandError, match=message):
            call_command("oncall", *arguments)
        assert not WeeklyShift.objects.exists() and not OnCallOverride.objects.exists()


@pytest.mark.django_db
class TestRotaPages:
    def client_for(self, user) -> Client:
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    @pytest.mark.parametrize("role", [roles.SUPERVISOR, roles.ADMIN])
    def test_supervisors_see_who_is_on_call_now_and_next_and_the_hole(self, role, make_staff):
        viewer = make_staff(role)
        page = self.client_for(viewer).get("/supervisor/oncall/").content.decode()
        assert "On call now" in page
        assert "No primary supervisor is on call" in page
        console = self.client_for(viewer).get("/supervisor/").content.decode()
        assert 'id="oncall-warning"' in console and "No primary supervisor" in console

    @pytest.mark.parametrize("role", [roles.MENTOR, roles.EVALUATOR])
    def test_others_may_not(self, role, make_staff):
        assert self.client_for(make_staff(role)).get("/supervisor/oncall/").status_code == 403

    def test_admins_are_warned_on_every_staff_page_and_in_the_rota_admin(self, make_staff):
        admin = make_staff(roles.ADMIN)
        client = self.client_for(admin)
        assert "No primary supervisor is on call" in client.get("/staff/").content.decode()
        listing = client.get("/admin/escalation/weeklyshift/", follow=True).content.decode()
        assert "No primary supervisor is on call" in listing

    def test_admins_add_weekly_shifts_in_the_admin_with_a_real_time_zone(self, make_staff):
        admin, lead = make_staff(roles.ADMIN), make_staff(roles.SUPERVISOR)
        client = self.client_for(admin)
        form = {"user": lead.pk, "tier": "primary", "weekday": 4, "starts": "18:00",
                "ends": "08:00"}  # fmt: skip
        refused = client.post(
            "/admin/escalation/weeklyshift/add/", {**form, "time_zone": "Nowhere"}
        )
        assert refused.status_code == 200 and not WeeklyShift.objects.exists()
        client.post("/admin/escalation/weeklyshift/add/", {**form, "time_zone": "Europe/Madrid"})
        assert WeeklyShift.objects.get().time_zone == "Europe/Madrid"

    def test_paging_with_no_rota_reaches_everyone(self, make_staff):
        supervisor, admin = make_staff(roles.SUPERVISOR), make_staff(roles.ADMIN)
        step = paging.policy.step(0, paging.timing())
        assert {u.pk for u in paging.recipients(step, at("2026-12-01T12:00Z"))} == {
            supervisor.pk,
            admin.pk,
        }
