"""Learner experience (issue 10): phone layouts, matrices, htmx state, presenter and print views."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from lessons.pack import read_pack

from .answering import answer_shown
from .axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
# Pages a crawl from the home page cannot reach by plain links, or reaches only with default choices.
EXTRA_PAGES = [
    "/compare/?services=ec2&services=rds&services=lambda&services=s3",
    "/duties/?owner=Customer&page=2",
    "/quizzes/?topic=everything&length=10",
]


LESSONS = len(read_pack()["lessons"])


@pytest.fixture
def site(live_server, real_pack):
    return live_server


@pytest.fixture
def phone(page):
    page.set_viewport_size(PHONE)
    return page


def _width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_no_page_is_wider_than_a_360px_phone(site, phone):
    """Crawls every same-site page reachable by links (query strings dropped: each view once)."""
    seen, todo, wide = set(), ["/", *EXTRA_PAGES], {}
    while todo:
        path = todo.pop(0)
        if path in seen:
            continue
        seen.add(path)
        phone.goto(site.url + path)
        if _width(phone) > PHONE["width"]:
            wide[path] = _width(phone)
        for href in phone.locator("a[href]").evaluate_all("links => links.map(a => a.href)"):
            url = urlsplit(href)
            internal = url.netloc == urlsplit(site.url).netloc
            if (
                internal
                and not url.path.startswith(("/admin/", "/api/"))
                and not url.path.endswith((".json", ".csv"))
            ):
                todo.append(url.path)
    assert len(seen) > 60, f"the crawl found only {len(seen)} pages"
    assert len(wide) == 0, f"pages wider than 360 px: {wide}"


def test_lesson_tables_scroll_in_their_own_box_on_a_phone(site, phone):
    phone.goto(site.url + "/lessons/service-categories/")
    box = phone.get_by_role("region", name=re.compile("^Table: Category"))
    expect(box).to_be_visible()
    assert box.evaluate("b => b.scrollWidth > b.clientWidth"), "the wide table should scroll inside its box"
    assert _width(phone) <= PHONE["width"]
    assert_accessible(phone)


def test_category_matrix_reads_as_one_card_per_layer_on_a_phone(site, phone):
    phone.goto(site.url + "/matrix/")
    rows = phone.locator(".matrix tbody tr")
    expect(rows).to_have_count(14)
    first = rows.first
    box = first.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], "a layer's card is cut off"
    # Each owner names its column, so the card reads without the table's header row.
    expect(first.locator(".cell-owner").nth(2)).to_contain_text("Abstracted services")
    owner = first.locator(".cell-owner").nth(2)
    owner.click()
    reason = first.locator(".cell-reason").nth(2)
    expect(reason).to_be_visible()
    reason_box = reason.bounding_box()
    assert reason_box["x"] >= 0 and reason_box["x"] + reason_box["width"] <= PHONE["width"]
    assert reason.evaluate("r => r.scrollHeight <= r.clientHeight + 1"), "the note is clipped"
    expect(phone.get_by_text("Tap an owner to read why")).to_be_visible()
    assert_accessible(phone)


def test_compare_of_four_services_reads_on_a_phone(site, phone):
    phone.goto(site.url + EXTRA_PAGES[0])
    card = phone.locator("#compare-results tbody tr").first
    expect(card.locator(".cell-owner")).to_have_count(4)
    expect(card.locator(".cell-owner").nth(3)).to_contain_text("Amazon S3")
    assert _width(phone) <= PHONE["width"]


@pytest.fixture
def phone_no_js(no_js):
    no_js.set_viewport_size(PHONE)
    return no_js


def _visible_cells(row):
    return [c for c in row.locator("td.cell").all() if c.is_visible()]


def _assert_one_column_readable(page, rows, column_name, *, js=True):
    # Without JavaScript, Playwright cannot evaluate in the page (it would wait forever): boxes only.
    for row in rows.all():
        cells = _visible_cells(row)
        assert len(cells) == 1, f"{len(cells)} owners shown for one {column_name} card"
        reason = cells[0].locator(".cell-reason")
        expect(reason).to_be_visible()  # the note in full, without a tap
        box = reason.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        if js:
            assert reason.evaluate("r => r.scrollHeight <= r.clientHeight + 1"), "the note is clipped"
    if js:
        assert _width(page) <= PHONE["width"]


def test_phone_shows_one_category_of_the_matrix_at_a_time_without_javascript(site, phone_no_js):
    page = phone_no_js
    page.goto(site.url + "/matrix/")
    switch = page.get_by_role("group", name="Show on this screen")
    expect(switch.get_by_role("radio", name="Every category")).to_be_checked()
    rows = page.locator(".matrix tbody tr")
    assert len(_visible_cells(rows.first)) == 3
    switch.get_by_role("radio", name="Container services").check()
    _assert_one_column_readable(page, rows, "category", js=False)
    expect(rows.nth(0).locator("td.cell").nth(1)).to_be_visible()  # the second column: container services
    switch.get_by_role("radio", name="Every category").check()
    assert len(_visible_cells(rows.first)) == 3


def test_phone_shows_one_service_of_a_lessons_category_table_at_a_time(site, phone):
    phone.goto(site.url + "/lessons/abstracted-services/")
    switch = phone.get_by_role("group", name="Show on this screen")
    radios = switch.get_by_role("radio")
    count = radios.count()
    assert 20 < count <= 31, "the switcher's CSS has one rule per column, 30 at most"
    last = radios.nth(count - 1)
    name = last.evaluate("r => r.labels[0].textContent.trim()")
    last.check()
    table = phone.locator(".matrix-switch + .matrix-scroll .matrix")
    header = table.locator("thead th").nth(count - 1)
    assert header.inner_text().strip() == name
    _assert_one_column_readable(phone, table.locator("tbody tr"), "service")
    assert_accessible(phone)


def test_phone_compare_can_show_only_the_layers_that_change_or_one_service(site, phone_no_js):
    page = phone_no_js
    page.goto(site.url + EXTRA_PAGES[0])
    changes = int(page.locator("#compare-results p strong").first.inner_text())
    rows = page.locator("#compare-results tbody tr")
    switch = page.get_by_role("group", name="Show on this screen")
    switch.get_by_role("radio", name="Only layers that change").check()
    visible = [r for r in rows.all() if r.is_visible()]
    assert len(visible) == changes < 14
    assert all("Changes" in r.locator("th").inner_text() for r in visible)
    switch.get_by_role("radio", name="AWS Lambda").check()
    _assert_one_column_readable(page, rows, "service", js=False)


def test_compare_without_javascript_lands_on_its_result_on_a_phone(site, phone_no_js):
    page = phone_no_js
    page.goto(site.url + "/compare/")
    page.get_by_label("Amazon EC2", exact=True).check()
    page.get_by_label("AWS Lambda", exact=True).check()
    page.get_by_role("button", name="Compare").click()
    heading = page.get_by_role("heading", name="Amazon EC2 vs AWS Lambda")
    expect(heading).to_be_visible()
    assert _in_viewport(page, heading), "the result is three screens below the choices"


def test_the_switcher_is_for_phones_only(site, page):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(site.url + "/matrix/")
    expect(page.locator(".matrix-switch")).to_be_hidden()
    assert len(_visible_cells(page.locator(".matrix tbody tr").first)) == 3


def test_cell_note_in_the_right_hand_column_is_not_clipped_at_1280(site, page):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(site.url + "/matrix/")
    cell = page.locator(".matrix tbody tr").nth(3).locator("td").last
    cell.hover()
    reason = cell.locator(".cell-reason")
    expect(reason).to_be_visible()
    scroll = page.locator(".matrix-scroll").first.bounding_box()
    note = reason.bounding_box()
    assert note["x"] >= scroll["x"] and note["x"] + note["width"] <= scroll["x"] + scroll["width"] + 0.5


def test_legend_icons_sit_inside_their_boxes(site, page):
    page.goto(site.url + "/matrix/")
    for swatch in page.locator(".legend .swatch").all():
        assert swatch.evaluate(
            "s => s.scrollHeight <= s.clientHeight + 1 && s.scrollWidth <= s.clientWidth + 1"
        )


@pytest.fixture
def no_js(browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    yield page
    context.close()


def _in_viewport(page, locator) -> bool:
    box = locator.bounding_box()
    return box is not None and box["y"] >= -1 and box["y"] + box["height"] <= page.viewport_size["height"]


# ---------- Defect 5: htmx state ----------


def test_next_page_of_duties_moves_to_the_top_of_the_results(site, page):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(site.url + "/duties/")
    page.get_by_role("link", name="Next page").click()
    heading = page.locator("#results-title")
    expect(page).to_have_url(re.compile("page=2"))
    expect(heading).to_be_focused()
    assert _in_viewport(page, heading), "the new page's heading is off screen"
    # Changing a filter must not pull focus away from the control being used.
    owner = page.get_by_label("Owner")
    owner.focus()
    owner.select_option("AWS")
    expect(heading).to_contain_text("match")
    expect(owner).to_be_focused()


def test_compare_brings_the_new_result_into_view(site, page):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(site.url + "/compare/")
    page.get_by_label("Amazon EC2", exact=True).check()
    page.get_by_label("AWS Lambda", exact=True).check()
    heading = page.get_by_role("heading", name="Amazon EC2 vs AWS Lambda")
    expect(heading).to_be_visible()
    page.wait_for_function(
        "() => { const r = document.querySelector('#compare-title').getBoundingClientRect();"
        " return r.top >= 0 && r.bottom <= innerHeight; }"
    )


def test_back_and_forward_restore_the_compare_form_and_results_from_the_url(site, page):
    page.goto(site.url + "/compare/")
    choices = page.locator("#compare-form")  # the phone switcher below names the services too
    choices.get_by_label("Amazon EC2", exact=True).check()
    choices.get_by_label("Amazon RDS", exact=True).check()
    expect(page.get_by_role("heading", name="Amazon EC2 vs Amazon RDS")).to_be_visible()
    choices.get_by_label("AWS Lambda", exact=True).check()
    expect(page.get_by_role("heading", name="Amazon EC2 vs Amazon RDS vs AWS Lambda")).to_be_visible()
    page.go_back()
    expect(page).not_to_have_url(re.compile("lambda"))
    expect(page.get_by_role("heading", name="Amazon EC2 vs Amazon RDS", exact=True)).to_be_visible()
    expect(choices.get_by_label("AWS Lambda", exact=True)).not_to_be_checked()
    expect(choices.get_by_label("Amazon RDS", exact=True)).to_be_checked()
    page.go_forward()
    expect(page.get_by_role("heading", name="Amazon EC2 vs Amazon RDS vs AWS Lambda")).to_be_visible()
    expect(choices.get_by_label("AWS Lambda", exact=True)).to_be_checked()
    assert page.console_errors == []


def test_back_restores_the_duty_explorer_filters_and_results_from_the_url(site, page):
    page.goto(site.url + "/duties/")
    page.get_by_label("Owner").select_option("AWS")
    expect(page).to_have_url(re.compile("owner=AWS"))
    aws_count = page.locator("#results-title").inner_text()
    page.get_by_label("Owner").select_option("Customer")
    expect(page).to_have_url(re.compile("owner=Customer"))
    expect(page.locator("#results-title")).not_to_have_text(aws_count)
    page.go_back()
    expect(page).to_have_url(re.compile("owner=AWS"))
    expect(page.get_by_label("Owner")).to_have_value("AWS")
    expect(page.locator("#results-title")).to_have_text(aws_count)


# ---------- Defect 7: presenter views ----------


@pytest.mark.parametrize("size", [(1024, 768), (1920, 1080)])
def test_presenter_views_fit_a_projector_without_scrolling(site, page, size):
    width, height = size
    page.set_viewport_size({"width": width, "height": height})
    for path in ["/matrix/present/", "/services/ec2/present/", "/services/rds/present/"]:
        page.goto(site.url + path)
        scroll = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
        )
        assert scroll[0] <= width and scroll[1] <= height, f"{path} is {scroll} at {width}x{height}"
        inner = page.locator(".matrix-scroll, .stack").first
        assert inner.evaluate("e => e.scrollWidth <= e.clientWidth"), f"{path} scrolls inside its box"
        size_px = page.locator(".matrix td, .stack-name").first.evaluate(
            "e => parseFloat(getComputedStyle(e).fontSize)"
        )
        assert size_px >= 0.023 * height, f"{path}: {size_px}px type is too small to read from the back"


@pytest.mark.parametrize("path", ["/matrix/present/", "/services/ec2/present/"])
def test_presenter_views_opened_on_a_phone_stay_legible(site, phone, path):
    phone.goto(site.url + path)
    sizes = phone.locator(".matrix td, .matrix th, .stack-layer").evaluate_all(
        "els => els.map(e => parseFloat(getComputedStyle(e).fontSize))"
    )
    assert sizes and min(sizes) >= 12, f"projector-scaled type on a phone: {min(sizes)} px"
    headers = phone.locator(".matrix tbody th, .stack-head").evaluate_all(
        "els => els.filter(e => e.scrollWidth > e.clientWidth + 1).length"
    )
    assert headers == 0, "layer names cut off"
    assert _width(phone) <= PHONE["width"]


def test_presenter_stack_steps_through_layers_with_the_arrow_keys(site, page):
    page.set_viewport_size({"width": 1024, "height": 768})
    page.goto(site.url + "/services/ec2/present/")
    layers = page.locator(".stack-layer")
    expect(layers.first.locator(".stack-reason")).to_be_visible()
    layers.first.focus()
    page.keyboard.press("ArrowDown")
    expect(layers.nth(1)).to_be_focused()
    expect(layers.nth(1).locator(".stack-reason")).to_be_visible()
    expect(layers.first.locator(".stack-reason")).to_be_hidden()
    page.keyboard.press("ArrowUp")
    expect(layers.first).to_be_focused()
    assert_accessible(page)


# ---------- Defect 8: printed handouts ----------


def test_printed_comparison_keeps_each_conditional_cells_note(site, page):
    page.goto(site.url + "/compare/?services=ec2&services=s3&services=rds")
    conditional = page.locator(".cell:has(.cond-mark)").count()
    assert conditional > 0
    page.emulate_media(media="print")
    notes = page.locator(".cell-notes li")
    expect(notes).to_have_count(conditional)
    expect(notes.first).to_be_visible()
    expect(notes.first).to_contain_text("Amazon S3")


def test_printed_lesson_matrix_keeps_each_conditional_cells_note(site, page):
    page.goto(site.url + "/lessons/abstracted-services/")
    conditional = page.locator(".block .cell:has(.cond-mark)").count()
    assert conditional > 0
    page.emulate_media(media="print")
    expect(page.locator(".block .cell-notes li")).to_have_count(conditional)
    expect(page.locator(".block .cell-notes li").first).to_be_visible()


def test_printed_misconceptions_print_each_correction_with_its_myth(site, page):
    page.goto(site.url + "/misconceptions/")
    corrections = page.locator(".myth-verdict")
    expect(corrections.first).to_be_hidden()  # on screen the learner decides first
    page.emulate_media(media="print")
    for i in range(corrections.count()):
        expect(corrections.nth(i)).to_be_visible()


# ---------- Defect 9: small ones ----------


def test_misconceptions_keep_the_verdict_until_opened(site, page):
    page.goto(site.url + "/misconceptions/")
    first = page.locator(".myth details").first
    expect(first.locator("summary")).not_to_contain_text("Myth")
    first.locator("summary").click()
    expect(first.get_by_text("Myth.")).to_be_visible()


def test_lesson_quiz_button_has_room_after_the_summary(site, page):
    page.goto(site.url + "/lessons/core-split/")
    summary = page.locator(".summary").bounding_box()
    quiz = page.locator(".lesson-quiz").bounding_box()
    assert quiz["y"] - (summary["y"] + summary["height"]) >= 16


def test_mark_done_without_javascript_confirms(site, no_js):
    no_js.goto(site.url + "/lessons/core-split/")
    no_js.get_by_role("button", name="Mark this lesson as done").click()
    expect(no_js.get_by_role("status")).to_contain_text(f"is marked as done: 1 of {LESSONS} lessons done")


def test_search_finds_words_not_the_phrase_and_explains_no_hits(site, page):
    page.goto(site.url + "/duties/")
    page.get_by_label("Search").fill("who patches RDS")
    expect(page.locator("#results-title")).to_contain_text("match")
    expect(page.locator(".duty").first).to_contain_text(re.compile("patch", re.I))
    page.get_by_label("Search").fill("quokka")
    expect(page.get_by_text("No duty statement mentions “quokka”")).to_be_visible()
    expect(page.get_by_text("No duty statement matches all of these filters")).to_have_count(0)


def test_placed_by_us_is_explained_on_the_services_page(site, page):
    page.goto(site.url + "/services/")
    pill = page.get_by_role("link", name="placed by us").first
    expect(pill).to_be_visible()
    expect(page.locator("#placed-note")).to_contain_text("AWS's category pages do not name")
    assert_accessible(page)


# ---------- Defects 1 and 6: quiz set-up and results ----------


def test_quiz_setup_starts_the_quiz_chosen_and_its_link_follows_the_choice(site, page):
    page.goto(site.url + "/quizzes/")
    page.get_by_label("Topic").select_option("control-types")
    page.get_by_label("Number of questions").select_option("5")
    expect(page.locator("#share-link")).to_have_attribute(
        "href", re.compile(r"topic=control-types&length=5$")
    )
    expect(page.locator("#share-link")).to_have_text("Control types: 5 questions")
    page.get_by_role("button", name="Start the quiz").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Control types")
    expect(page.get_by_text("Question 1 of 5")).to_be_visible()


def test_quiz_setup_gets_its_link_without_javascript(site, no_js):
    no_js.goto(site.url + "/quizzes/")
    no_js.get_by_label("Topic").select_option("service:s3")
    no_js.get_by_label("Number of questions").select_option("20")
    no_js.get_by_role("button", name="Get a link to share").click()
    expect(no_js).to_have_url(re.compile(r"topic=service%3As3&length=20"))
    expect(no_js.get_by_role("link", name="Amazon S3: 20 questions")).to_be_visible()
    no_js.get_by_role("button", name="Start the quiz").click()
    expect(no_js.get_by_role("heading", level=1)).to_have_text("Amazon S3")
    expect(no_js.get_by_text("Keyboard: press a number")).to_be_hidden()  # no number keys without JavaScript


def _answer_everything(page):
    card = page.locator("#question-card")
    while True:
        answer_shown(card)
        if card.get_by_role("link", name="See your results").count():
            card.get_by_role("link", name="See your results").click()
            return
        card.get_by_role("link", name="Next question").click()
        expect(card.get_by_role("button", name="Check answer")).to_be_visible()
        expect(page.locator("#question-card :is(input:not([type=hidden]), select)").first).to_be_focused()


def test_lesson_quiz_results_on_a_phone_lead_on_first(site, phone):
    phone.goto(site.url + "/lessons/core-split/")
    phone.get_by_role("button", name="Take the lesson quiz").click()
    assert phone.evaluate("document.documentElement.classList.contains('js')")  # shows the number-key hint
    _answer_everything(phone)
    expect(phone.get_by_role("heading", level=1)).to_contain_text("Results")
    expect(phone.locator(".score-line")).to_contain_text(re.compile(r"\d+ of \d+ questions? right"))
    next_lesson = phone.get_by_role("link", name=re.compile("^Next lesson: "))
    for wanted in (next_lesson, phone.get_by_role("link", name="Back to the lesson")):
        expect(wanted).to_be_visible()
        assert _in_viewport(phone, wanted), "the next step is below the first screen on a phone"
    expect(phone.locator("details.breakdown")).not_to_have_attribute("open", "")
    assert _width(phone) <= PHONE["width"]
    assert_accessible(phone)
    next_lesson.click()
    expect(phone).to_have_url(re.compile("/lessons/control-types/$"))
    phone.goto(site.url + "/quizzes/history/")
    assert _width(phone) <= PHONE["width"], "quiz history scrolls sideways"
    phone.goto(site.url + "/")
    expect(phone.get_by_role("heading", name="Continue where you left off")).to_be_visible()


# ---------- What learners expect: search, diagrams, reading time ----------


def test_search_from_any_page_and_diagrams_with_reading_time(site, page):
    page.goto(site.url + "/lessons/")
    expect(page.get_by_text(re.compile(r"about \d+ minutes of reading in all"))).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Search").click()
    page.get_by_label("Search the glossary, lessons, services, duties and myths").fill("who patches RDS")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Duties \(\d+\)"))).to_be_visible()
    assert_accessible(page)
    page.goto(site.url + "/lessons/core-split/")
    figure = page.get_by_role("figure", name=re.compile("Where the line sits"))
    expect(figure).to_be_visible()
    expect(figure.locator(".diagram-column")).to_have_count(3)
    expect(figure.locator(".visually-hidden li").first).to_contain_text("top of the stack first")
    expect(page.get_by_text(re.compile(r"About \d+ minutes? to read"))).to_be_visible()


# ---------- Defect 9: the admin question preview before saving ----------


def test_staff_preview_a_question_from_the_add_form_before_saving(site, page):
    from django.contrib.auth import get_user_model

    from quizzes.models import Question

    get_user_model().objects.create_superuser("editor", "e@example.com", "pw-tests-only-29")
    page.goto(site.url + "/admin/login/?next=/admin/quizzes/question/add/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill("pw-tests-only-29")
    page.get_by_role("button", name="Log in").click()
    # Help texts with placeholders keep them (escaped, not swallowed as tags).
    expect(page.get_by_text("service:<slug>, category:<slug> or lesson:<slug>")).to_be_visible()
    assert_accessible(page)
    question = page.locator("fieldset.module").first  # the question's own fields, not its options'
    question.get_by_label("Slug:", exact=True).fill("preview-browser-test")
    question.get_by_label("Kind:", exact=True).select_option("single")
    question.get_by_label("Prompt:", exact=True).fill("Who patches the guest OS of an EC2 instance?")
    question.get_by_label("Explanation:", exact=True).fill(
        "The guest OS runs inside the instance the customer controls."
    )
    question.get_by_label("Learn more:", exact=True).fill("service:ec2")
    question.get_by_label("Sources:", exact=True).fill(
        "https://docs.aws.amazon.com/whitepapers/latest/aws-risk-and-compliance/shared-responsibility-model.html"
    )
    question.get_by_role("group", name="Layers").get_by_role("checkbox").first.check()
    for _ in range(3):
        page.get_by_role("button", name="Add another Option").click()
    rows = page.locator("#options-group .inline-related:not(.empty-form)")
    options = [
        ("The customer", "Inside the instance."),
        ("AWS", "AWS stops at the hypervisor."),
        ("Both, equally", "Patching the guest is not split."),
    ]
    for i, (text, why) in enumerate(options):
        rows.nth(i).locator("input[name$='-position']").fill(str(i))
        rows.nth(i).locator("[name$='-text']").fill(text)
        rows.nth(i).locator("[name$='-explanation']").fill(why)
    rows.nth(0).locator("input[name$='-correct']").check()

    with page.expect_popup() as popup_info:
        page.get_by_role("button", name=re.compile("^Preview")).click()
    preview = popup_info.value
    preview.wait_for_load_state()
    expect(preview.get_by_text("Not saved.")).to_be_visible()
    learner = preview.locator("fieldset.learner-preview")
    expect(learner).to_contain_text("Who patches the guest OS of an EC2 instance?")
    expect(learner.get_by_role("radio")).to_have_count(3)
    key = preview.locator(".answer-key li")
    expect(key.nth(0)).to_have_text(re.compile(r"The customer \(right\): Inside the instance\."))
    expect(key.nth(1)).to_have_text(re.compile(r"AWS \(wrong\): AWS stops at the hypervisor\."))
    assert_accessible(preview)
    preview.close()
    assert not Question.objects.filter(slug="preview-browser-test").exists()

    # Invalid input: the errors, in the form as filled in; then the original tab still saves.
    rows.nth(1).locator("input[name$='-correct']").check()
    with page.expect_popup() as popup_info:
        page.get_by_role("button", name=re.compile("^Preview")).click()
    refused = popup_info.value
    expect(refused.get_by_text("Nothing to preview yet")).to_be_visible()
    expect(refused.get_by_text(re.compile("exactly one correct option"))).to_be_visible()
    refused.close()
    rows.nth(1).locator("input[name$='-correct']").uncheck()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text(re.compile("was added successfully"))).to_be_visible()
    assert Question.objects.get(slug="preview-browser-test").options.count() == 3
