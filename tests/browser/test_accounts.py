import pytest
from playwright.sync_api import expect

from learners.tests.factories import PASSWORD

from .axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_up_log_out_and_log_in_again(live_server, page):
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Sign up").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")
    assert_accessible(page)

    page.get_by_label("Username").fill("grace")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("Signed in as")).to_contain_text("grace")
    assert_accessible(page)

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()

    page.get_by_role("link", name="Log in").click()
    expect(page.get_by_label("Username")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Username").fill("grace")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Please enter a correct username and password")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Signed in as")).to_contain_text("grace")
    assert page.console_errors == []


def test_sign_up_works_by_keyboard_alone(live_server, page):
    page.goto(live_server.url + "/accounts/signup/")
    page.get_by_label("Username").focus()
    page.keyboard.type("linus")
    page.keyboard.press("Tab")  # the optional e-mail, left empty
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_text("Signed in as")).to_contain_text("linus")


def test_a_learner_downloads_and_clears_their_data_from_the_footer_link(live_server, page):
    from lessons.tests.factories import LessonFactory

    lesson = LessonFactory(title="Of and in")
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(live_server.url + lesson.get_absolute_url())
    page.get_by_role("button", name="Mark this lesson as done").click()
    expect(page.get_by_text("You finished this lesson")).to_be_visible()

    page.get_by_role("link", name="Your data").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your data")
    expect(page.get_by_role("row", name="Lesson progress Responsibility model 1")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, "the page scrolls sideways"
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download all of it (JSON)").click()
    assert download.value.suggested_filename == "srm-trainer-my-data.json"

    page.get_by_role("button", name="Clear my data").click()
    expect(page.get_by_text("Everything this browser recorded has been deleted.")).to_be_visible()
    expect(page.get_by_text("Nothing has been recorded in this browser yet.")).to_be_visible()

    page.get_by_role("link", name="Privacy", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Privacy")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, "the page scrolls sideways"
    assert_accessible(page)
    assert page.console_errors == []


def test_an_account_deletes_itself_after_its_password(live_server, page):
    from learners.tests.factories import UserFactory

    user = UserFactory(username="ada")
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Your data").click()
    page.get_by_label("Your password").fill("not-it")
    page.get_by_role("button", name="Delete my account and data").click()
    expect(page.get_by_text("That is not your password. Nothing was deleted.")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Delete my account and data").click()
    expect(
        page.get_by_text("The account ada and everything recorded about it have been deleted.")
    ).to_be_visible()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    assert not type(user).objects.filter(pk=user.pk).exists()
