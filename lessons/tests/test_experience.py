"""Learner experience (issue 10): search by words, phone-ready markup, clearer messages."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from lessons import matrix
from lessons.markdown import render_markdown
from lessons.models import Duty, Owner, search_words

from .factories import (
    CategoryFactory,
    DutyFactory,
    LayerFactory,
    LessonFactory,
    MisconceptionFactory,
    ServiceFactory,
    service_with_matrix,
)

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


@pytest.fixture
def rds():
    layer = LayerFactory(name="Platform and database engine software", slug="platform")
    rds = ServiceFactory(slug="rds", name="Amazon RDS")
    patch = DutyFactory(
        layer=layer,
        owner=Owner.AWS,
        services=[rds],
        statement="Patch the database engine during maintenance.",
    )
    DutyFactory(layer=layer, owner=Owner.CUSTOMER, statement="Patch the guest OS of an instance.")
    return patch


def test_search_words_drop_question_words_and_trim_endings():
    assert search_words("Who patches RDS?") == ["patch", "rds"]
    assert search_words("encrypting the data") == ["encrypt", "data"]
    assert search_words("who is the") == []


def test_search_matches_every_word_anywhere_not_the_phrase(rds):
    assert list(Duty.objects.search("who patches RDS")) == [rds]
    assert Duty.objects.search("patch").count() == 2
    assert not Duty.objects.search("who").exists()


def test_duty_explorer_explains_a_search_with_no_hits(client, rds):
    response = client.get(reverse("lessons:duty_list"), {"q": "patch quokka"})
    assertContains(response, "0 duties match")
    assertContains(response, "No duty statement mentions all of the words “patch”, “quokka”")
    assertNotContains(response, "No duty statement matches all of these filters")


def test_duty_explorer_next_page_focuses_the_results_heading_only_for_page_links(client, rds):
    url = reverse("lessons:duty_list")
    assertContains(client.get(url, {"page": "1"}, headers=HX), 'tabindex="-1" autofocus')
    assertNotContains(client.get(url, {"owner": "AWS"}, headers=HX), "autofocus")
    assertNotContains(client.get(url, {"page": "1"}), "autofocus")


def test_compare_refuses_the_same_service_twice(client):
    layer = LayerFactory()
    for slug in ("ec2", "rds"):
        service_with_matrix([layer], [Owner.CUSTOMER], slug=slug, name=f"Amazon {slug.upper()}")
    response = client.get(reverse("lessons:compare") + "?services=ec2&services=ec2&services=rds")
    assertContains(response, "Choose each service once (Amazon EC2 came more than once).")
    assertNotContains(response, "<table")


def test_matrix_cells_name_their_column_for_the_phone_layout():
    layer = LayerFactory()
    category = CategoryFactory(name="Abstracted services")
    service = service_with_matrix([layer], [Owner.AWS], name="Amazon S3", category=category)
    _, rows = matrix.category_matrix()
    assert rows[0].cells[0].column == "Abstracted services"
    assert matrix.service_matrix([service])[0].cells[0].column == "Amazon S3"


def test_lesson_tables_sit_in_a_labelled_scroll_box():
    html = render_markdown("| Control | AWS's half |\n|---|---|\n| Patching | Hosts |")
    assert html.startswith(
        '<div class="table-scroll" role="region" tabindex="0" aria-label="Table: Control, AWS&#x27;s half">'
    )


def test_marking_done_without_javascript_confirms_it(client):
    first = LessonFactory(title="Of and in", order=1)
    LessonFactory(order=2)
    response = client.post(reverse("lessons:lesson_complete", args=[first.slug]), follow=True)
    assertContains(response, "“Of and in” is marked as done: 1 of 2 lessons done.")


def test_misconceptions_show_the_verdict_only_inside_the_answer(client):
    MisconceptionFactory(myth="AWS patches my instances.", correction="You patch them.")
    html = client.get(reverse("lessons:misconception_list")).content.decode()
    summary = html[html.index("<summary>") : html.index("</summary>")]
    assert "Myth" not in summary
    assert html.index("</summary>") < html.index("Myth.") < html.index("You patch them.")


def test_services_page_explains_placed_by_us(client):
    ServiceFactory(name="Amazon Fargate", category_inferred=True)
    response = client.get(reverse("lessons:service_list"))
    assertContains(response, 'href="#placed-note"')
    assertContains(response, "category pages do not")


def test_admin_help_texts_keep_their_placeholders(admin_client):
    response = admin_client.get(reverse("admin:lessons_duty_add"))
    assertContains(response, "content/duties/&lt;group&gt;.yaml")
