"""The participant's safety plan: made together in the chat, kept encrypted, theirs to take."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from chatplatform import roles
from chatplatform.errors import ServiceError
from chatplatform.models import Participant, RoomKey
from chatplatform.services import retention
from chatplatform.services.participants import SESSION_KEY
from escalation import safety_plan
from escalation.models import SafetyPlan, SafetyPlanCode

pytestmark = pytest.mark.django_db

SECRET_STEP = "Call my sister Ana, then walk to the park"
WARNING = "When I stop answering messages"


def client_of(participant: Participant) -> Client:
    client = Client()
    session = client.session
    session[SESSION_KEY] = participant.pk
    session.save()
    return client


def filled(**overrides: str) -> dict[str, str]:
    return {"warning_signs": WARNING, "people": SECRET_STEP, **overrides}


@pytest.fixture
def chat(make_direct_chat, access_for):
    room, participant, mentor = make_direct_chat()
    return room, participant, mentor, access_for


@pytest.fixture
def saved(chat):
    room, participant, mentor, access_for = chat
    safety_plan.do_save_in_room(access_for(mentor, room), filled(), 0)
    return SafetyPlan.objects.get(participant=participant)


class TestInTheChat:
    def test_mentor_and_participant_fill_it_in_together(
        self, chat, sent_events, django_capture_on_commit_callbacks
    ):
        room, participant, mentor, access_for = chat
        with django_capture_on_commit_callbacks(execute=True):
            frame = safety_plan.do_save_in_room(access_for(mentor, room), filled(), 0)
        assert frame["exists"] and frame["revision"] == 1
        # Everyone in the chat (participant and mentor) gets the new version.
        (broadcast,) = [e for g, e in sent_events if g == f"room.{room.pk}"]
        assert broadcast["frame"]["type"] == "safety_plan"
        second = safety_plan.do_save_in_room(
            access_for(participant, room), filled(coping="Music"), 1
        )
        texts = {s["code"]: s["text"] for s in second["sections"]}
        assert (texts["coping"], texts["people"], second["revision"]) == ("Music", SECRET_STEP, 2)

    def test_a_save_from_an_old_revision_is_refused_and_the_latest_shown(self, chat, saved):
        room, participant, _, access_for = chat
        frame = safety_plan.do_save_in_room(access_for(participant, room), filled(coping="X"), 0)
        assert frame["conflict"].startswith("Someone else has just changed the safety plan")
        assert {s["code"]: s["text"] for s in frame["sections"]}["coping"] == ""
        assert SafetyPlan.objects.get().revision == 1

    def test_it_is_stored_encrypted_like_messages(self, saved):
        blob = bytes(saved.body_ciphertext)
        assert SECRET_STEP.encode() not in blob and b"Ana" not in blob
        assert safety_plan.sections_of(saved)["people"] == SECRET_STEP

    def test_a_new_plan_starts_with_the_crisis_lines_of_the_participants_region(self, chat):
        room, participant, mentor, access_for = chat
        participant.locale_region = "ES"
        participant.save()
        frame = safety_plan.room_frame(access_for(mentor, room), participant)
        assert not frame["exists"]
        lines = {s["code"]: s["text"] for s in frame["sections"]}["professionals"]
        assert "Emergency (Spain): 112" in lines and "Call 024" in lines
        assert "988" not in lines

    def test_only_the_chats_participant_and_its_staff_may_see_it(
        self, chat, saved, make_group_room, make_participant, make_staff
    ):
        room, _, _, access_for = chat
        for role in (roles.MENTOR, roles.EVALUATOR):
            with pytest.raises(ServiceError):
                access_for(make_staff(role), room)
        group = make_group_room()
        with pytest.raises(ServiceError) as refused:
            safety_plan.check_plan_in_room(access_for(make_participant(), group))
        assert refused.value.code == "invalid"

    def test_sections_are_checked(self, chat):
        room, _, mentor, access_for = chat
        access = access_for(mentor, room)
        for sections, code in (
            ({"favourite_colour": "blue"}, "invalid"),
            ({"coping": 7}, "invalid"),
            ({"coping": "x" * (safety_plan.SECTION_MAX_LENGTH + 1)}, "too_long"),
        ):
            with pytest.raises(ServiceError) as refused:
                safety_plan.do_save_in_room(access, sections, 0)
            assert refused.value.code == code
        assert not SafetyPlan.objects.exists()


class TestTheParticipantsOwnPages:
    def test_view_edit_download_and_print(self, chat, saved):
        _, participant, _, _ = chat
        client = client_of(participant)
        page = client.get("/me/safety-plan/")
        assert page["Cache-Control"].startswith("max-age=0") or "no-store" in page["Cache-Control"]
        assert SECRET_STEP in page.content.decode()
        form = {code: "" for code in safety_plan.SECTION_CODES}
        form.update(revision="1", warning_signs=WARNING, reasons="My cat")
        assert client.post("/me/safety-plan/", form).status_code == 302
        assert safety_plan.sections_of(SafetyPlan.objects.get())["reasons"] == "My cat"
        download = client.get("/me/safety-plan/download/")
        assert download["Content-Disposition"] == 'attachment; filename="safety-plan.txt"'
        text = download.content.decode()
        assert text.startswith("My safety plan") and "7. What matters most to me\nMy cat" in text
        printable = client.get("/me/safety-plan/print/").content.decode()
        assert "My cat" in printable and "print-page" in printable

    def test_someone_elses_session_sees_nothing(self, chat, saved, make_participant):
        stranger = client_of(make_participant())
        assert SECRET_STEP not in stranger.get("/me/safety-plan/").content.decode()
        assert stranger.get("/me/safety-plan/download/").status_code == 404
        assert stranger.get("/me/safety-plan/print/").status_code == 404

    def test_the_participant_can_delete_it(self, chat, saved):
        _, participant, _, _ = chat
        client_of(participant).post("/me/safety-plan/delete/")
        assert not SafetyPlan.objects.exists()


class TestOneTimeCode:
    def test_the_plan_comes_back_on_another_device_once(self, chat, saved):
        _, participant, _, _ = chat
        page = client_of(participant).post("/me/safety-plan/code/").content.decode()
        code = page.split('class="plan-code"')[1].split("<strong>")[1].split("</strong>")[0]
        assert len(code) == 14 and SafetyPlanCode.objects.get().code_hash not in page
        other_device = Client()
        response = other_device.post("/me/safety-plan/retrieve/", {"code": code.lower()})
        assert response.status_code == 302
        assert SECRET_STEP in other_device.get("/me/safety-plan/").content.decode()
        newcomer = Participant.objects.exclude(pk=participant.pk).get()
        assert SafetyPlan.objects.get().participant == newcomer
        again = Client().post("/me/safety-plan/retrieve/", {"code": code})
        assert again.status_code == 400 and "not valid" in again.content.decode()

    def test_an_expired_or_replaced_code_does_not_work(self, chat, saved, settings):
        _, participant, _, _ = chat
        first, _ = safety_plan.do_create_code(participant)
        second, expires = safety_plan.do_create_code(participant)
        device = Participant.objects.create(handle="New device")
        with pytest.raises(ServiceError):
            safety_plan.do_redeem_code(device, first, "net")
        with pytest.raises(ServiceError):
            safety_plan.do_redeem_code(device, second, "net", now=expires + timedelta(seconds=1))
        assert SafetyPlan.objects.get().participant == participant

    def test_guessing_is_rate_limited(self, chat, saved):
        device = Participant.objects.create(handle="Guesser")
        for _ in range(safety_plan.CODE_ATTEMPTS_PER_HOUR):
            with pytest.raises(ServiceError) as refused:
                safety_plan.do_redeem_code(device, "AAAA-AAAA-AAAA", "net-1")
            assert refused.value.code == "invalid_code"
        with pytest.raises(ServiceError) as refused:
            safety_plan.do_redeem_code(device, "AAAA-AAAA-AAAA", "net-1")
        assert refused.value.code == "rate_limited"

    def test_a_device_with_its_own_plan_is_not_overwritten(self, chat, saved, make_direct_chat):
        _, participant, _, _ = chat
        code, _ = safety_plan.do_create_code(participant)
        room2, other, _ = make_direct_chat()
        safety_plan.do_save(other, room2.pk, {"coping": "Mine"}, 0)
        with pytest.raises(ServiceError) as refused:
            safety_plan.do_redeem_code(other, code, "net")
        assert refused.value.code == "plan_exists"
        assert SafetyPlan.objects.get(participant=other).revision == 1


class TestPrivacy:
    def test_it_is_absent_from_the_participants_data_download(self, chat, saved):
        _, participant, _, _ = chat
        export = client_of(participant).get("/me/data/download/").content.decode()
        assert SECRET_STEP not in export and WARNING not in export

    def test_it_is_absent_from_every_evaluation_export(self, chat, saved, make_staff):
        evaluator = Client()
        evaluator.force_login(make_staff(roles.EVALUATOR))
        for path in (
            "/evaluation/export/?format=json",
            "/evaluation/export/?format=csv",
            "/evaluation/codebook/",
            "/evaluation/api/v1/codebook",
        ):
            body = evaluator.get(path).content.decode()
            assert SECRET_STEP not in body and "safety_plan" not in body, path

    def test_delete_my_data_deletes_it_and_its_codes(self, chat, saved):
        _, participant, _, _ = chat
        safety_plan.do_create_code(participant)
        response = client_of(participant).post("/me/data/delete/", {"confirm": "yes"})
        assert response.status_code == 200
        assert not SafetyPlan.objects.exists()
        assert not SafetyPlanCode.objects.exists()

    def test_it_lasts_as_long_as_it_is_used_and_then_retention_shreds_it(
        self, chat, saved, settings
    ):
        settings.MESSAGE_RETENTION_DAYS = 30
        now = timezone.now()
        # Made 20 days ago, and opened by its owner today: resealed under a fresh key.
        RoomKey.objects.filter(room_id=saved.room_id).update(created_at=now - timedelta(days=20))
        SafetyPlan.objects.filter(pk=saved.pk).update(sealed_at=now - timedelta(days=20))
        saved.refresh_from_db()
        safety_plan.do_keep_alive(saved, now=now)
        saved.refresh_from_db()
        assert (saved.key_version, saved.sealed_at) == (2, now)
        retention.do_purge_expired(now=now + timedelta(days=15))
        assert safety_plan.sections_of(saved)["people"] == SECRET_STEP
        assert RoomKey.objects.get(room_id=saved.room_id, version=1).wrapped_key is None
        retention.do_purge_expired(now=now + timedelta(days=32))
        assert safety_plan.sections_of(saved) is None
