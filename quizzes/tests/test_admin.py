import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from lessons import documents
from lessons.tests.factories import AWS_URL
from quizzes.models import Kind, Question

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    client.force_login(get_user_model().objects.create_superuser("editor", "e@example.com", "pw-tests-only"))
    return client


def question_post(bank, *, correct=(True, False, False), relies_owner="Shared", kind=Kind.SINGLE):
    data = {
        "slug": "ec2-guest-patching",
        "kind": kind,
        "prompt": "A company runs Amazon EC2. Who patches the guest OS?",
        "explanation": "The guest OS is inside the instance.",
        "learn_more": "service:ec2",
        "sources": AWS_URL,
        "relies_on": f'[{{"service": "ec2", "layer": "guest-os", "owner": "{relies_owner}"}}]',
        "layers": [bank["layers"][1].pk],
        "group": "compute",
        "position": 0,
        "options-TOTAL_FORMS": 3,
        "options-INITIAL_FORMS": 0,
        "options-MIN_NUM_FORMS": 0,
        "options-MAX_NUM_FORMS": 1000,
    }
    for i, ok in enumerate(correct):
        data |= {
            f"options-{i}-position": i,
            f"options-{i}-text": f"Option {i}",
            f"options-{i}-explanation": f"Why {i}",
            **({f"options-{i}-correct": "on"} if ok else {}),
        }
    return data


def test_staff_author_a_question_and_preview_it(staff, bank):
    response = staff.post(reverse("admin:quizzes_question_add"), question_post(bank))
    assert response.status_code == 302, response.content.decode()[:2000]
    question = Question.objects.get(slug="ec2-guest-patching")
    assert question.options.count() == 3
    preview = staff.get(reverse("admin:quizzes_question_preview", args=[question.pk]))
    assert "A company runs Amazon EC2" in preview.content.decode()
    assert "Answer key and feedback (staff only)" in preview.content.decode()


def test_admin_rejects_two_right_answers_on_a_single_answer_question(staff, bank):
    response = staff.post(
        reverse("admin:quizzes_question_add"), question_post(bank, correct=(True, True, False))
    )
    assert "exactly one correct option" in response.content.decode()
    assert not Question.objects.filter(slug="ec2-guest-patching").exists()


def test_admin_rejects_a_question_that_contradicts_the_matrix(staff, bank):
    response = staff.post(reverse("admin:quizzes_question_add"), question_post(bank, relies_owner="AWS"))
    # The loader's rule, word for word (lessons.pack.relies_on_problems).
    assert "relies_on says ec2 / guest-os is AWS, but the matrix says Shared" in response.content.decode()
    assert not Question.objects.filter(slug="ec2-guest-patching").exists()


def test_generated_questions_are_read_only_in_the_admin(staff, bank):
    generated = Question.objects.filter(kind=Kind.OWNER).first()
    response = staff.post(reverse("admin:quizzes_question_change", args=[generated.pk]), {"prompt": "x"})
    assert response.status_code == 403


def test_admin_and_loader_share_the_learn_more_rule(staff, bank):
    data = question_post(bank) | {"learn_more": "lesson:no-such-lesson"}
    response = staff.post(reverse("admin:quizzes_question_add"), data)
    assert (
        "&#x27;learn_more&#x27; must be service:, category: or lesson: an existing slug"
        in response.content.decode()
    )
    assert not Question.objects.filter(slug="ec2-guest-patching").exists()


def test_preview_needs_the_same_permission_as_the_change_page(client, bank):
    from django.contrib.auth.models import Permission

    question = Question.objects.filter(kind=Kind.OWNER).first()
    user = get_user_model().objects.create_user("helper", password="pw-tests-only", is_staff=True)
    client.force_login(user)
    preview = reverse("admin:quizzes_question_preview", args=[question.pk])
    change = reverse("admin:quizzes_question_change", args=[question.pk])
    assert client.get(change).status_code == 403
    response = client.get(preview)
    assert response.status_code == 403
    assert question.duty.owner not in response.content.decode()
    user.user_permissions.add(Permission.objects.get(codename="view_question"))
    user = get_user_model().objects.get(pk=user.pk)
    client.force_login(user)
    assert client.get(change).status_code == 200
    assert "Answer key and feedback (staff only)" in client.get(preview).content.decode()


def preview(client, url, data):
    return client.post(url, data | {"_preview": "Preview"})


def test_staff_preview_a_new_question_before_saving_and_nothing_is_kept(staff, bank):
    from django.contrib.admin.models import LogEntry

    questions, log = Question.objects.count(), LogEntry.objects.count()
    response = preview(staff, reverse("admin:quizzes_question_add"), question_post(bank))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Not saved." in html
    assert "A company runs Amazon EC2. Who patches the guest OS?" in html
    # As the learner sees it: the learner's own option list, inert in the preview.
    assert '<fieldset disabled class="module aligned learner-preview">' in html
    assert html.count('type="radio" name="choice"') == 3
    # The key in words, each option with its reason: never a dict.
    assert "<strong>Option 0</strong> (right): Why 0" in html
    assert "<strong>Option 1</strong> (wrong): Why 1" in html
    assert "{&#x27;choice" not in html and "{'choice" not in html
    assert "The guest OS is inside the instance." in html
    assert (Question.objects.count(), LogEntry.objects.count()) == (questions, log)


def test_preview_of_an_edit_shows_the_edit_and_keeps_the_saved_question(staff, bank):
    staff.post(reverse("admin:quizzes_question_add"), question_post(bank))
    question = Question.objects.get(slug="ec2-guest-patching")
    data = question_post(bank) | {"prompt": "Who patches the guest OS on EC2, in your words?"}
    data |= {"options-INITIAL_FORMS": 3}
    for i, option in enumerate(question.options.order_by("position")):
        data |= {f"options-{i}-id": option.pk, f"options-{i}-question": question.pk}
    response = preview(staff, reverse("admin:quizzes_question_change", args=[question.pk]), data)
    assert "Who patches the guest OS on EC2, in your words?" in response.content.decode()
    question.refresh_from_db()
    assert question.prompt == "A company runs Amazon EC2. Who patches the guest OS?"


def test_preview_of_invalid_input_shows_the_form_errors_and_saves_nothing(staff, bank):
    response = preview(
        staff, reverse("admin:quizzes_question_add"), question_post(bank, correct=(True, True, False))
    )
    html = response.content.decode()
    assert "Nothing to preview yet: correct the errors below" in html
    assert "exactly one correct option" in html
    assert 'name="prompt"' in html  # the form, filled in as sent
    assert not Question.objects.filter(slug="ec2-guest-patching").exists()


def test_preview_before_saving_needs_the_add_permission_and_a_csrf_token(client, bank):
    from django.contrib.auth.models import Permission
    from django.test import Client

    user = get_user_model().objects.create_user("helper", password="pw-tests-only", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_question"))
    client.force_login(user)
    response = preview(client, reverse("admin:quizzes_question_add"), question_post(bank))
    assert response.status_code == 403
    assert "Option 0" not in response.content.decode()

    checked = Client(enforce_csrf_checks=True)
    checked.force_login(get_user_model().objects.create_superuser("ed", "ed@example.com", "pw-tests-only"))
    response = preview(checked, reverse("admin:quizzes_question_add"), question_post(bank))
    assert response.status_code == 403
    assert not Question.objects.filter(slug="ec2-guest-patching").exists()


def test_the_form_offers_the_preview_only_to_those_who_can_edit(staff, bank):
    html = staff.get(reverse("admin:quizzes_question_add")).content.decode()
    assert 'name="_preview"' in html and 'formtarget="_blank"' in html
    generated = Question.objects.filter(kind=Kind.OWNER).first()
    html = staff.get(reverse("admin:quizzes_question_change", args=[generated.pk])).content.decode()
    assert 'name="_preview"' not in html  # read-only: the saved preview is linked instead
    assert reverse("admin:quizzes_question_preview", args=[generated.pk]) in html


def test_saved_preview_of_a_generated_matrix_question_names_each_rows_owner(staff, bank):
    question = Question.objects.filter(kind=Kind.MATRIX).first()
    html = staff.get(reverse("admin:quizzes_question_preview", args=[question.pk])).content.decode()
    assert "<select" in html  # the learner's row selects
    assert "{&#x27;cells" not in html and "{'cells" not in html
    cell = question.service.cells.select_related("layer").first()
    assert f"<strong>{cell.layer.name}</strong>: {cell.get_owner_display()}" in html


def test_saving_or_deleting_a_question_changes_the_content_version(staff, bank):
    # Quiz pages cache a question's card, today's key and the results under the content version.
    before = documents.content_version()
    staff.post(reverse("admin:quizzes_question_add"), question_post(bank))
    added = documents.content_version()
    assert added != before
    question = Question.objects.get(slug="ec2-guest-patching")
    staff.post(reverse("admin:quizzes_question_delete", args=[question.pk]), {"post": "yes"})
    assert not Question.objects.filter(pk=question.pk).exists()
    assert documents.content_version() != added
