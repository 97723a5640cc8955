import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

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
    assert "Answer key (staff only)" in preview.content.decode()


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
    assert "Answer key (staff only)" in client.get(preview).content.decode()
