"""Lesson pages: plain HTML and htmx paths, bad input, progress, and a fixed query count per page."""

import re

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from learners.current import SESSION_KEY
from learners.tests.factories import PASSWORD
from lessons.models import LessonProgress, Owner

from .factories import (
    CategoryFactory,
    DutyFactory,
    GlossaryTermFactory,
    LayerFactory,
    LessonFactory,
    MisconceptionFactory,
    service_with_matrix,
)

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


@pytest.fixture
def world():
    """Two layers, two categories, three services whose owners differ on the top layer."""
    bottom, top = (
        LayerFactory(name="Physical", slug="physical"),
        LayerFactory(name="Guest OS", slug="guest-os"),
    )
    infra, abstracted = (
        CategoryFactory(name="Infrastructure services"),
        CategoryFactory(name="Abstracted services"),
    )
    ec2 = service_with_matrix(
        [bottom, top], [Owner.AWS, Owner.CUSTOMER], slug="ec2", name="Amazon EC2", category=infra
    )
    ebs = service_with_matrix(
        [bottom, top], [Owner.AWS, Owner.NOT_APPLICABLE], slug="ebs", name="Amazon EBS", category=infra
    )
    s3 = service_with_matrix(
        [bottom, top], [Owner.AWS, Owner.AWS], slug="s3", name="Amazon S3", category=abstracted
    )
    DutyFactory(
        layer=top, owner=Owner.CUSTOMER, services=[ec2], statement="Patch the guest OS of an instance."
    )
    guard = DutyFactory(layer=bottom, owner=Owner.AWS, services=[s3], statement="Guard the data centres.")
    myth = MisconceptionFactory(myth="S3 needs no care.", correction="Its access is yours.", layers=[top])
    myth.services.add(s3)
    myth.duties.add(guard)
    GlossaryTermFactory(
        slug="guest-os", term="Guest operating system", aliases=["guest OS"], layers=[top], services=[ec2]
    )
    return {"layers": [bottom, top], "services": [ec2, ebs, s3], "categories": [infra, abstracted]}


# ---------- Category matrix ----------


def test_category_matrix_names_owners_in_text_with_a_legend(client, world):
    response = client.get(reverse("lessons:category_matrix"))
    html = response.content.decode()
    assert "Infrastructure services" in html and "Abstracted services" in html
    assert html.index("Guest OS") < html.index("Physical"), "top of the stack comes first"
    assertContains(response, "▲</span> AWS")
    assertContains(response, "Legend")
    # EC2 says Customer, EBS has no guest OS: the category is Customer, with N/A ignored.
    assertContains(response, "Customer for every service in this category")


def test_category_matrix_marks_categories_whose_services_differ(client, world):
    bottom, top = world["layers"]
    service_with_matrix(
        [bottom, top], [Owner.AWS, Owner.SHARED], category=world["categories"][0], name="Amazon X"
    )
    assertContains(client.get(reverse("lessons:category_matrix")), "Varies")


def test_presenter_view_is_reachable_from_the_matrix(client, world):
    response = client.get(reverse("lessons:category_matrix"))
    assertContains(response, reverse("lessons:category_matrix_present"))
    present = client.get(reverse("lessons:category_matrix_present"))
    assertContains(present, 'class="present"')
    assertContains(present, "Leave presenter view")


# ---------- Services ----------


def test_service_page_shows_the_stack_and_duties_per_layer(client, world):
    response = client.get(reverse("lessons:service_detail", args=["ec2"]))
    assertContains(response, "<h1>Amazon EC2</h1>", html=True)
    assertContains(response, "Patch the guest OS of an instance.")
    assertNotContains(response, "Guard the data centres.")
    assertContains(response, reverse("lessons:service_present", args=["ec2"]))


def test_unknown_service_is_a_404(client, world):
    assert client.get(reverse("lessons:service_detail", args=["ec3"])).status_code == 404


# ---------- Compare ----------


def compare_url(*slugs):
    return reverse("lessons:compare") + "?" + "&".join(f"services={s}" for s in slugs)


def test_compare_shows_services_side_by_side_and_marks_changes(client, world):
    response = client.get(compare_url("ec2", "s3"))
    assertContains(response, "Amazon EC2 vs Amazon S3")
    assertContains(response, "The owner changes on <strong>1</strong> of 2 layers")
    assertContains(response, 'class="row-changes"')
    assertContains(response, "<html")


def test_compare_htmx_returns_only_the_results_fragment(client, world):
    response = client.get(compare_url("ec2", "s3"), headers=HX)
    html = response.content.decode()
    assert 'id="compare-results"' in html
    assert "<html" not in html
    assert response["Vary"] and "HX-Request" in response["Vary"]


@pytest.mark.parametrize(
    ("slugs", "message"),
    [
        (["ec2"], "Choose two to four services (you chose 1)."),
        (["ec2", "s3", "ebs", "ec2x", "x"], "is not a service in this app"),
        (["ec2", "nope"], "nope is not a service in this app."),
    ],
)
def test_compare_explains_bad_choices(client, world, slugs, message):
    response = client.get(compare_url(*slugs))
    assert response.status_code == 200
    assertContains(response, message)
    assertNotContains(response, 'class="row-changes"')


def test_compare_keeps_the_choice_checked(client, world):
    response = client.get(compare_url("ec2", "s3"))
    assertContains(response, 'value="ec2" checked')
    assertNotContains(response, 'value="ebs" checked')


# ---------- Duty explorer ----------


def test_duty_explorer_filters_and_counts(client, world):
    url = reverse("lessons:duty_list")
    assertContains(client.get(url), "2 duties")
    response = client.get(url, {"owner": "Customer"})
    assertContains(response, "1 duty match")
    assertContains(response, "Patch the guest OS of an instance.")
    assertNotContains(response, "Guard the data centres.")
    assertContains(client.get(url, {"service": "s3"}), "Guard the data centres.")
    assertContains(client.get(url, {"q": "data centres"}), "1 duty match")
    assertContains(client.get(url, {"category": world["categories"][0].slug}), "Patch the guest OS")


def test_duty_explorer_explains_empty_results(client, world):
    response = client.get(reverse("lessons:duty_list"), {"owner": "AWS", "layer": "guest-os"})
    assertContains(response, "0 duties match")
    assertContains(response, "No duty statement matches all of these filters")


def test_duty_explorer_reports_tampered_filters(client, world):
    response = client.get(reverse("lessons:duty_list"), {"owner": "Amazon"})
    assertContains(response, "These filters cannot be used")
    assertContains(response, "Select a valid choice")


def test_duty_explorer_htmx_returns_the_results_fragment(client, world):
    response = client.get(reverse("lessons:duty_list"), {"owner": "AWS"}, headers=HX)
    html = response.content.decode()
    assert 'id="duty-results"' in html and "<html" not in html


# ---------- Misconceptions ----------


def test_misconceptions_hide_the_correction_until_asked(client, world):
    MisconceptionFactory(
        myth="AWS patches my instances.", correction="You patch them.", layers=world["layers"]
    )
    response = client.get(reverse("lessons:misconception_list"))
    html = response.content.decode()
    assert "<details>" in html
    assert html.index("AWS patches my instances.") < html.index("You patch them.")


# ---------- Lessons and progress ----------


@pytest.fixture
def path(world):
    return [
        LessonFactory(slug="core-split", title="Of and in", order=1, shows=["category-matrix"]),
        LessonFactory(slug="control-types", title="Control types", order=2),
    ]


def test_lesson_page_has_objectives_body_summary_sources_and_next(client, path):
    response = client.get(path[0].get_absolute_url())
    assertContains(response, "By the end of this lesson you can")
    assertContains(response, "<h2>Why it matters</h2>", html=True)
    assertContains(response, "What to remember.")
    assertContains(response, "https://aws.amazon.com/compliance/shared-responsibility-model/")
    assertContains(response, "Next: Control types")
    assertContains(response, "Who secures each layer, by service category")


def test_lesson_markdown_is_sanitized(client, world):
    lesson = LessonFactory(
        body="## Hi\n\n<script>alert(1)</script><img src=x onerror=alert(2)> [x](javascript:alert(3))"
    )
    html = client.get(lesson.get_absolute_url()).content.decode()
    assert "<script>alert" not in html
    assert "onerror" not in html
    assert "javascript:" not in html


def test_marking_a_lesson_done_records_it_once_and_moves_on(client, path):
    url = reverse("lessons:lesson_complete", args=[path[0].slug])
    assertRedirects(client.post(url), path[1].get_absolute_url())
    client.post(url)  # a double submit changes nothing
    assert LessonProgress.objects.count() == 1
    response = client.get(reverse("lessons:lesson_list"))
    assertContains(response, "1 of 2 lessons done")
    assertContains(response, "✓</span> Done")


def test_marking_done_with_htmx_returns_the_progress_fragment(client, path):
    response = client.post(reverse("lessons:lesson_complete", args=[path[0].slug]), headers=HX)
    html = response.content.decode()
    assert 'id="lesson-progress"' in html and "<html" not in html
    assert "You finished this lesson" in html


def test_marking_an_unknown_lesson_records_nothing(client, path):
    assert client.post(reverse("lessons:lesson_complete", args=["nope"])).status_code == 404
    assert LessonProgress.objects.count() == 0


def test_marking_done_needs_post_and_csrf(path):
    from django.test import Client

    url = reverse("lessons:lesson_complete", args=[path[0].slug])
    csrf_client = Client(enforce_csrf_checks=True)
    assert csrf_client.get(url).status_code == 405
    assert csrf_client.post(url).status_code == 403
    assert LessonProgress.objects.count() == 0


def test_progress_survives_signing_up(client, path):
    client.post(reverse("lessons:lesson_complete", args=[path[0].slug]))
    anonymous_id = client.session[SESSION_KEY]
    client.post(reverse("learners:signup"), {"username": "ada", "password1": PASSWORD, "password2": PASSWORD})
    progress = LessonProgress.objects.get()
    assert progress.learner.pk == anonymous_id
    assert progress.learner.user.username == "ada"
    assertContains(client.get(reverse("lessons:lesson_list")), "1 of 2 lessons done")


def test_progress_merges_into_an_existing_account_without_doubles(client, path):
    from learners.tests.factories import UserFactory

    user = UserFactory()
    client.force_login(user)
    client.post(reverse("lessons:lesson_complete", args=[path[0].slug]))
    client.post(reverse("learners:logout"))
    client.post(reverse("lessons:lesson_complete", args=[path[0].slug]))
    client.post(reverse("lessons:lesson_complete", args=[path[1].slug]))
    client.post(reverse("learners:login"), {"username": user.username, "password": PASSWORD})
    assert sorted(LessonProgress.objects.values_list("learner__user__username", "lesson__slug")) == [
        (user.username, "control-types"),
        (user.username, "core-split"),
    ]


# ---------- Exact query counts, cached fragments ----------

# (url name, args, params, queries with empty caches, queries once cached). Once cached, a page reads
# only the content version (home, built from the code alone, not even that); an anonymous visitor
# with no session costs nothing more.
PAGES = [
    ("home", [], {}, 0, 0),
    ("lessons:category_matrix", [], {}, 4, 1),
    ("lessons:category_matrix_present", [], {}, 4, 1),
    ("lessons:service_list", [], {}, 3, 1),
    ("lessons:service_detail", ["ec2"], {}, 7, 1),
    ("lessons:service_present", ["ec2"], {}, 7, 1),
    ("lessons:compare", [], {"services": ["ec2", "s3"]}, 5, 1),
    ("lessons:compare", [], {"services": ["ec2"]}, 4, 1),
    ("lessons:duty_list", [], {}, 8, 1),
    ("lessons:duty_list", [], {"owner": "Customer", "page": "1"}, 8, 1),
    ("lessons:misconception_list", [], {}, 6, 1),
    ("lessons:lesson_list", [], {}, 3, 1),
    ("lessons:lesson_detail", ["core-split"], {}, 7, 1),
    ("lessons:lesson_detail", ["control-types"], {}, 4, 1),
    ("lessons:glossary", [], {}, 6, 1),
]


def query_counts(client, url, params):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, params).status_code == 200
        counts.append(len(queries))
    return counts


@pytest.mark.parametrize(("name", "args", "params", "cold", "warm"), PAGES)
def test_page_costs_an_exact_number_of_queries(client, world, path, name, args, params, cold, warm):
    assert query_counts(client, reverse(name, args=args), params) == [cold, warm]


@pytest.mark.parametrize(("name", "args", "params", "cold", "warm"), PAGES)
def test_query_counts_do_not_change_when_the_content_grows_five_fold(
    client, world, path, name, args, params, cold, warm
):
    from lessons import documents

    grow(world, factor=5)
    documents.content_changed()
    assert query_counts(client, reverse(name, args=args), params) == [cold, warm]


def grow(world, *, factor):
    """factor x the services, duties and misconceptions, each tied to the others like the originals."""
    bottom, top = world["layers"]
    for n in range(factor - 1):
        for original in world["services"]:
            service = service_with_matrix(
                [bottom, top],
                [Owner.AWS, Owner.SHARED],
                slug=f"{original.slug}-{n}",
                category=original.category,
            )
            if original.slug != "ebs":
                DutyFactory(layer=top, owner=Owner.SHARED, services=[service])
        myth = MisconceptionFactory(layers=[top])
        myth.services.add(service)
        myth.duties.add(*service.duties.all())
        GlossaryTermFactory(layers=[bottom, top], services=[service])


@pytest.mark.parametrize(
    ("name", "args", "cold", "warm"),
    [("lessons:lesson_list", [], 5, 4), ("lessons:lesson_detail", ["core-split"], 9, 4)],
)
def test_a_learners_lesson_pages_add_only_their_progress(client, world, path, name, args, cold, warm):
    # The session, the learner and the learner's progress: three queries on top of the cached page
    # (marking a lesson done already cached the learning path).
    client.post(reverse("lessons:lesson_complete", args=["control-types"]))
    client.get(reverse("home"))  # the session's hourly renewal (learners.middleware) happens here
    assert query_counts(client, reverse(name, args=args), {}) == [cold, warm]


def test_cached_pages_change_with_the_content_version(client, world):
    url = reverse("lessons:service_detail", args=["ec2"])
    assertContains(client.get(url), "Patch the guest OS of an instance.")
    duty = world["services"][0].duties.get()
    duty.statement = "Patch and harden the guest OS."
    duty.save()
    assertContains(client.get(url), "Patch the guest OS of an instance.")  # cached until told
    from lessons import documents

    documents.content_changed()
    assertContains(client.get(url), "Patch and harden the guest OS.")


def test_cached_pages_keep_each_visitors_own_parts(client, path):
    from django.test import Client

    url = path[0].get_absolute_url()
    client.post(reverse("lessons:lesson_complete", args=[path[0].slug]))
    mine, theirs = client.get(url), Client().get(url)
    assertContains(mine, "You finished this lesson")
    assertNotContains(theirs, "You finished this lesson")
    assertContains(theirs, "Mark this lesson as done")
    token = re.compile(r'"x-csrftoken": "([^"]+)"')
    assert token.search(mine.text).group(1) != token.search(theirs.text).group(1)
    assert mine["Content-Security-Policy"] != theirs["Content-Security-Policy"]  # a fresh nonce each


def test_read_only_pages_hand_out_no_csrf_token(client, world):
    response = client.get(reverse("lessons:category_matrix"))
    assert "csrftoken" not in response.cookies
    assertNotContains(response, "x-csrftoken")


def test_every_page_renders_from_the_real_pack(client, real_pack):
    urls = [
        reverse("lessons:lesson_list"),
        reverse("lessons:category_matrix"),
        reverse("lessons:category_matrix_present"),
        reverse("lessons:service_list"),
        compare_url("ec2", "rds", "lambda"),
        reverse("lessons:duty_list"),
        reverse("lessons:misconception_list"),
        reverse("lessons:glossary"),
    ]
    from lessons.models import Lesson, Service

    urls += [lesson.get_absolute_url() for lesson in Lesson.objects.all()]
    urls += [service.get_absolute_url() for service in Service.objects.all()]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"Traceback" not in response.content
