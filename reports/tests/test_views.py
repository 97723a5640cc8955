"""The report form: anyone can send one, plain or with htmx, within the limits; it is stored as plain text."""

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains, assertRedirects

from lessons.models import Owner
from lessons.tests.factories import DutyFactory, LayerFactory, MisconceptionFactory, service_with_matrix
from reports.filing import PER_CLIENT_PER_HOUR
from reports.models import Report, Status

URL = reverse("reports:report_new")
pytestmark = pytest.mark.django_db


@pytest.fixture
def duty():
    return DutyFactory(
        slug="rds-patch-guest-os", statement="Patch the guest OS of an RDS instance.", owner=Owner.AWS
    )


def post(client, about="duty:rds-patch-guest-os", **data):
    return client.post(
        URL,
        {"about": about, "message": "AWS's page says RDS Custom differs.", **data},
        **data.pop("headers", {}),
    )


def test_the_form_names_the_item_and_needs_no_account(client, duty):
    response = client.get(URL, {"about": "duty:rds-patch-guest-os"})
    assertContains(response, "Patch the guest OS of an RDS instance.")
    assertContains(response, 'name="message"')
    assertContains(response, 'name="aws_link"')
    assertContains(response, "csrfmiddlewaretoken")
    assertContains(response, "<html")


def test_an_unknown_item_is_not_found(client, duty):
    assert client.get(URL, {"about": "duty:no-such-duty"}).status_code == 404
    assert client.get(URL, {"about": "nonsense"}).status_code == 404
    assert client.post(URL, {"about": "duty:nope", "message": "x"}).status_code == 404
    assert not Report.objects.exists()


def test_a_valid_report_is_stored_with_its_item_and_the_learner_is_thanked(client, duty):
    response = client.post(
        URL,
        {
            "about": "duty:rds-patch-guest-os",
            "message": "  RDS Custom for SQL Server differs.  ",
            "aws_link": "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/custom-concept.html",
        },
    )
    thanks = f"{reverse('reports:report_thanks')}?about=duty%3Ards-patch-guest-os"
    assertRedirects(response, thanks)
    report = Report.objects.get()
    assert report.about == "duty:rds-patch-guest-os"
    assert report.about_text == "Patch the guest OS of an RDS instance."
    assert report.message == "RDS Custom for SQL Server differs."
    assert report.aws_link.startswith("https://docs.aws.amazon.com/")
    assert report.status == Status.OPEN
    assert report.client and "127.0.0.1" not in report.client
    assertContains(client.get(thanks), "Thank you")


def test_htmx_gets_the_thank_you_fragment(client, duty):
    response = client.post(
        URL, {"about": "duty:rds-patch-guest-os", "message": "Wrong owner."}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="report-form"' in html and "Thank you" in html and "<html" not in html
    assert Report.objects.count() == 1


def test_htmx_get_is_the_form_fragment(client, duty):
    response = client.get(URL, {"about": "duty:rds-patch-guest-os"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert 'id="report-form"' in html and "<html" not in html
    assert response.headers["Vary"].count("HX-Request") == 1


@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}])
def test_an_empty_report_is_refused_and_nothing_is_stored(client, duty, headers):
    response = client.post(URL, {"about": "duty:rds-patch-guest-os", "message": "   "}, headers=headers)
    assertContains(response, "Say what is wrong, in a sentence or two.")
    assert not Report.objects.exists()


def test_an_oversized_report_is_refused_and_nothing_is_stored(client, duty):
    response = client.post(URL, {"about": "duty:rds-patch-guest-os", "message": "x" * 2001})
    assertContains(response, "Keep it to 2000 characters or fewer (you wrote 2001).")
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    "link",
    [
        "http://docs.aws.amazon.com/x",
        "https://example.com/aws",
        "https://aws.amazon.com.evil.test/",
        "javascript:alert(1)",
    ],
)
def test_the_link_must_be_an_https_aws_page(client, duty, link):
    response = client.post(URL, {"about": "duty:rds-patch-guest-os", "message": "Wrong.", "aws_link": link})
    assert response.status_code == 200
    assert not Report.objects.exists()


def test_reports_are_rate_limited_per_client_across_processes(client, duty):
    for _ in range(PER_CLIENT_PER_HOUR):
        assert client.post(URL, {"about": "duty:rds-patch-guest-os", "message": "Wrong."}).status_code == 302
    response = client.post(URL, {"about": "duty:rds-patch-guest-os", "message": "Wrong again."})
    assert response.status_code == 429
    assertContains(response, "most reports allowed in an hour", status_code=429)
    assert Report.objects.count() == PER_CLIENT_PER_HOUR
    # The count lives in the database, so a fresh client (another worker, empty local cache) is no way round it.
    other = Client(REMOTE_ADDR="127.0.0.1")
    assert other.post(URL, {"about": "duty:rds-patch-guest-os", "message": "Wrong."}).status_code == 429
    # Another address still can.
    elsewhere = Client(REMOTE_ADDR="192.0.2.7")
    assert elsewhere.post(URL, {"about": "duty:rds-patch-guest-os", "message": "Wrong."}).status_code == 302


def test_rate_limit_with_htmx_re_renders_the_form_with_the_message(client, duty):
    for _ in range(PER_CLIENT_PER_HOUR):
        client.post(URL, {"about": "duty:rds-patch-guest-os", "message": "Wrong."})
    response = client.post(
        URL, {"about": "duty:rds-patch-guest-os", "message": "Again."}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200  # htmx 2 drops 4xx bodies
    assertContains(response, "most reports allowed in an hour")


def test_posting_without_a_csrf_token_is_refused(duty):
    client = Client(enforce_csrf_checks=True)
    response = client.post(URL, {"about": "duty:rds-patch-guest-os", "message": "Wrong."})
    assert response.status_code == 403
    assert not Report.objects.exists()


def test_posting_with_the_form_s_csrf_token_works(duty):
    client = Client(enforce_csrf_checks=True)
    client.get(URL, {"about": "duty:rds-patch-guest-os"})
    token = client.cookies["csrftoken"].value
    response = client.post(
        URL, {"about": "duty:rds-patch-guest-os", "message": "Wrong.", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302


def test_a_report_is_stored_as_plain_text_and_never_rendered_as_html(client, duty, admin_client):
    client.post(URL, {"about": "duty:rds-patch-guest-os", "message": "<script>alert(1)</script><b>bold</b>"})
    report = Report.objects.get()
    assert report.message == "<script>alert(1)</script><b>bold</b>"
    html = admin_client.get(reverse("admin:reports_report_change", args=[report.pk])).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize(
    ("about", "text"),
    [
        ("service:ec2", "Amazon EC2"),
        ("cell:ec2/guest-os", "Amazon EC2, Guest OS: Customer."),
        ("misconception:aws-patches-ec2", "AWS patches my EC2 instances."),
    ],
)
def test_services_cells_and_misconceptions_can_be_reported(client, about, text):
    layer = LayerFactory(slug="guest-os", name="Guest OS")
    service_with_matrix([layer], [Owner.CUSTOMER], slug="ec2", name="Amazon EC2")
    MisconceptionFactory(slug="aws-patches-ec2", myth="AWS patches my EC2 instances.")
    assertContains(client.get(URL, {"about": about}), text)
    assert client.post(URL, {"about": about, "message": "Wrong."}).status_code == 302
    assert Report.objects.get().about == about


def test_duty_and_service_pages_link_to_the_form(client):
    layer = LayerFactory(slug="guest-os", name="Guest OS")
    ec2 = service_with_matrix([layer], [Owner.CUSTOMER], slug="ec2", name="Amazon EC2")
    DutyFactory(slug="ec2-patch", layer=layer, services=[ec2])
    assertContains(client.get(reverse("lessons:duty_list")), f"{URL}?about=duty%3Aec2-patch")
    page = client.get(ec2.get_absolute_url())
    assertContains(page, f"{URL}?about=service%3Aec2")
    assertContains(page, f"{URL}?about=cell%3Aec2/guest-os")
