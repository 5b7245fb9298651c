"""Training: quizzes, pass marks, expiry, the required modules, an organisation's own curriculum."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from chatplatform import roles
from chatplatform.mentoring import certification, registry
from chatplatform.mentoring.curriculum import CurriculumError
from chatplatform.mentoring.models import Completion, ModuleVersion, QuizAttempt
from chatplatform.models import AuditEntry
from tests.test_mentor_curriculum import MODULE, write_module

pytestmark = pytest.mark.django_db


def right_answers(module) -> dict[int, int]:
    return {i: q.correct for i, q in enumerate(module.questions)}


def wrong_answers(module) -> dict[int, int]:
    return {i: (q.correct + 1) % len(q.options) for i, q in enumerate(module.questions)}


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


class TestQuizzes:
    def test_passing_a_quiz_completes_the_module_until_it_expires(self, make_staff):
        mentor = make_staff(roles.MENTOR, trained=False)
        module = registry.module("active-listening")
        now = timezone.now()
        attempt = certification.do_submit_quiz(mentor, module, right_answers(module), now)
        assert (attempt.score, attempt.passed) == (100, True)
        completion = Completion.objects.get(user=mentor)
        assert completion.via == Completion.Via.QUIZ
        assert completion.expires_at == now + timedelta(days=module.expiry_days)
        assert completion.module_version.definition["questions"][0]["correct"] == (
            module.questions[0].correct
        )
        states = {s.module.id: s.state for s in certification.standings(mentor, now)}
        assert states["active-listening"] == certification.CURRENT
        later = now + timedelta(days=module.expiry_days, seconds=1)
        states = {s.module.id: s.state for s in certification.standings(mentor, later)}
        assert states["active-listening"] == certification.EXPIRED

    def test_a_score_under_the_pass_mark_is_kept_but_completes_nothing(self, make_staff):
        mentor = make_staff(roles.MENTOR, trained=False)
        module = registry.module("safe-messaging")
        attempt = certification.do_submit_quiz(mentor, module, wrong_answers(module))
        assert (attempt.score, attempt.passed) == (0, False)
        assert QuizAttempt.objects.filter(user=mentor).count() == 1
        assert not Completion.objects.filter(user=mentor).exists()
        standing = next(s for s in certification.standings(mentor) if s.module.id == module.id)
        assert (standing.state, standing.best_score) == (certification.MISSING, 0)

    def test_the_certificate_is_current_only_with_every_required_module(self, make_staff):
        mentor = make_staff(roles.MENTOR, trained=False)
        modules = registry.required_modules()
        for module in modules[:-1]:
            certification.do_submit_quiz(mentor, module, right_answers(module))
        certificate = certification.certificate(mentor)
        assert not certificate.is_current
        assert [s.module.id for s in certificate.missing] == [modules[-1].id]
        certification.do_submit_quiz(mentor, modules[-1], right_answers(modules[-1]))
        assert certification.certificate(mentor).is_current

    def test_required_modules_are_a_setting(self, make_staff, settings):
        settings.MENTOR_REQUIRED_MODULES = ["role-and-limits", "escalation"]
        mentor = make_staff(roles.MENTOR, trained=False)
        for module_id in settings.MENTOR_REQUIRED_MODULES:
            module = registry.module(module_id)
            certification.do_submit_quiz(mentor, module, right_answers(module))
        assert certification.certificate(mentor).is_current
        optional = next(s for s in certification.standings(mentor) if s.module.id == "self-care")
        assert (optional.required, optional.state) == (False, certification.MISSING)

    def test_a_required_module_the_curriculum_lacks_is_refused(self, settings):
        settings.MENTOR_REQUIRED_MODULES = ["role-and-limits", "juggling"]
        with pytest.raises(CurriculumError, match="juggling"):
            registry.required_modules()


class TestOwnCurriculum:
    def test_an_organisation_replaces_the_curriculum(self, make_staff, settings, tmp_path):
        write_module(tmp_path, MODULE)
        settings.MENTOR_CURRICULUM_DIR = str(tmp_path)
        assert [m.id for m in registry.curriculum()] == ["listening"]
        mentor = make_staff(roles.MENTOR, trained=False)
        module = registry.module("listening")
        certification.do_submit_quiz(mentor, module, {0: 1, 1: 1})
        assert certification.certificate(mentor).is_current
        assert ModuleVersion.objects.get().version == 2

    def test_changed_wording_without_a_new_version_is_refused(self, make_staff, settings, tmp_path):
        write_module(tmp_path, MODULE)
        settings.MENTOR_CURRICULUM_DIR = str(tmp_path)
        mentor = make_staff(roles.MENTOR, trained=False)
        certification.do_submit_quiz(mentor, registry.module("listening"), {0: 1, 1: 0})
        edited = tmp_path / "edited"
        edited.mkdir()
        write_module(edited, MODULE.replace("Pick B", "Choose B"))
        settings.MENTOR_CURRICULUM_DIR = str(edited)
        with pytest.raises(CurriculumError, match="give the changed module a new version"):
            certification.do_submit_quiz(mentor, registry.module("listening"), {0: 1, 1: 0})
        assert QuizAttempt.objects.count() == 1
        bumped = tmp_path / "bumped"
        bumped.mkdir()
        write_module(
            bumped, MODULE.replace("Pick B", "Choose B").replace("version: 2", "version: 3")
        )
        settings.MENTOR_CURRICULUM_DIR = str(bumped)
        certification.do_submit_quiz(mentor, registry.module("listening"), {0: 1, 1: 0})
        assert sorted(ModuleVersion.objects.values_list("version", flat=True)) == [2, 3]


class TestGrants:
    def test_certify_mentor_grants_the_required_modules_once_and_is_audited(self, make_staff):
        mentor = make_staff(roles.MENTOR, email="trained.elsewhere@example.org", trained=False)
        call_command("certify_mentor", "trained.elsewhere@example.org", "--quiet")
        assert certification.certificate(mentor).is_current
        count = Completion.objects.filter(user=mentor).count()
        assert count == len(registry.required_modules())
        call_command("certify_mentor", "trained.elsewhere@example.org", "--quiet")
        assert Completion.objects.filter(user=mentor).count() == count
        entry = AuditEntry.objects.get(action="training.granted")
        assert (entry.actor, entry.target) == ("system", f"staff:{mentor.pk}")

    def test_certify_mentor_names_an_unknown_module(self, make_staff):
        make_staff(roles.MENTOR, email="m@example.org", trained=False)
        from django.core.management.base import CommandError

        with pytest.raises(CommandError, match="juggling"):
            call_command("certify_mentor", "m@example.org", "--module", "juggling")


class TestPages:
    def test_a_mentor_reads_a_module_and_passes_its_quiz(self, make_staff):
        mentor = make_staff(roles.MENTOR, trained=False)
        client = signed_in(mentor)
        page = client.get("/staff/training/")
        assert page.status_code == 200
        assert "Active listening" in page.content.decode()
        module = registry.module("active-listening")
        page = client.get("/staff/training/active-listening/")
        assert page.status_code == 200
        assert "<h1>Active listening</h1>" in page.content.decode()
        answers = {f"q{i}": str(c) for i, c in right_answers(module).items()}
        response = client.post("/staff/training/active-listening/", answers)
        assert response.status_code == 302
        assert response["Location"] == "/staff/training/"
        assert Completion.objects.filter(user=mentor).count() == 1

    def test_a_failed_quiz_returns_to_the_module_with_the_score(self, make_staff):
        mentor = make_staff(roles.MENTOR, trained=False)
        client = signed_in(mentor)
        response = client.post("/staff/training/escalation/", {"q0": "1", "q1": "99"}, follow=True)
        assert "the pass mark is 80%" in response.content.decode()
        assert QuizAttempt.objects.get(user=mentor).score == 0
        assert not Completion.objects.filter(user=mentor).exists()

    def test_the_module_text_is_spanish_for_a_spanish_reader(self, make_staff):
        client = signed_in(make_staff(roles.MENTOR, trained=False))
        page = client.get("/staff/training/active-listening/", HTTP_ACCEPT_LANGUAGE="es")
        assert "<h1>Escucha activa</h1>" in page.content.decode()

    def test_html_in_a_module_is_shown_as_text(self, make_staff, settings, tmp_path):
        write_module(tmp_path, MODULE)
        (tmp_path / "listening.en.md").write_text("# Hi\n\n<script>alert(1)</script>\n")
        settings.MENTOR_CURRICULUM_DIR = str(tmp_path)
        page = signed_in(make_staff(roles.MENTOR)).get("/staff/training/listening/")
        assert "<script>alert" not in page.content.decode()
        assert "&lt;script&gt;" in page.content.decode()

    def test_an_evaluator_is_refused_and_a_visitor_must_sign_in(self, make_staff):
        assert signed_in(make_staff(roles.EVALUATOR)).get("/staff/training/").status_code == 403
        response = Client().get("/staff/training/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")

    def test_an_unknown_module_is_not_found(self, make_staff):
        client = signed_in(make_staff(roles.MENTOR))
        assert client.get("/staff/training/juggling/").status_code == 404
