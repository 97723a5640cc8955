import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from classroom import live, seats, state
from classroom.models import Answer, ClassSession, Phase, Seat
from classroom.seats import COOKIE as SEAT_COOKIE
from classroom.seats import cookie_value
from learners.tests.factories import UserFactory
from quizzes.models import Attempt
from quizzes.tests.factories import OwnerQuestionFactory

from .factories import ClassSessionFactory, class_with_questions, move, multi_class, snapshot

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def join(client, session, nickname="Ada"):
    response = client.post("/join/", {"code": session.code, "nickname": nickname})
    assertRedirects(response, f"/classroom/{session.pk}/play/", fetch_redirect_response=False)
    return Seat.objects.get(session=session, nickname=nickname)


def play_url(session):
    return f"/classroom/{session.pk}/play/"


def answer(client, session, choice="Customer", position=1, **kwargs):
    return client.post(f"{play_url(session)}answer/", {"position": position, "choice": choice}, **kwargs)


def test_home_page_links_to_joining_and_hosting(client):
    response = client.get("/")
    assertContains(response, 'href="/join/"')
    assertContains(response, 'href="/classroom/"')


def test_join_page_prefills_the_code_from_the_qr_link(client):
    response = client.get("/join/?code=123456")
    assertContains(response, 'value="123456"')
    assertContains(response, "Rejoin my seat")


def test_joining_seats_the_learner_with_a_signed_cookie(client, room):
    seat = join(client, room)
    assert seats.seat_id(client.cookies[SEAT_COOKIE].value, room.pk) == seat.pk
    assert client.cookies[SEAT_COOKIE]["httponly"]
    response = client.get(play_url(room))
    assertContains(response, "You’re in, Ada")
    assertContains(response, seat.rejoin_code)
    assertContains(response, '<meta http-equiv="refresh" content="3">')  # inside <noscript>: no-JS learners


@pytest.mark.parametrize("code", ["000000", "12345", "abcdef"])
def test_a_guessed_or_malformed_code_gets_a_clear_message_and_seats_nobody(client, room, code):
    response = client.post("/join/", {"code": code, "nickname": "Ada"})
    assertContains(response, "No class is open with that code")
    assert not Seat.objects.exists() and SEAT_COOKIE not in client.cookies


def test_a_stale_code_of_an_ended_class_seats_nobody(client, room):
    move(room, "end")
    response = client.post("/join/", {"code": room.code, "nickname": "Ada"})
    assertContains(response, "No class is open with that code")
    assert not Seat.objects.exists()


def test_a_taken_nickname_is_refused_with_a_message(client, room):
    live.join(room, "Ada")
    response = client.post("/join/", {"code": room.code, "nickname": "ada"})
    assertContains(response, "That nickname is taken")
    assert Seat.objects.count() == 1


def test_too_many_wrong_codes_are_refused_for_a_while(client, room, settings):
    from classroom import throttle

    for _ in range(throttle.LIMIT):
        client.post("/join/", {"code": "000000", "nickname": "Ada"})
    response = client.post("/join/", {"code": room.code, "nickname": "Ada"})
    assertContains(response, "Too many wrong codes")
    assert not Seat.objects.exists()


def test_rejoin_on_another_device_takes_the_same_seat_and_score(client, open_room):
    seat = join(client, open_room)
    answer(client, open_room)
    other = type(client)()
    response = other.post("/join/rejoin/", {"code": open_room.code, "rejoin_code": seat.rejoin_code.lower()})
    assertRedirects(response, play_url(open_room), fetch_redirect_response=False)
    response = other.get(play_url(open_room))
    assertContains(response, "Answer received")
    assertContains(response, "Ada")


def test_a_wrong_rejoin_code_changes_nothing(client, room):
    live.join(room, "Ada")
    response = client.post("/join/rejoin/", {"code": room.code, "rejoin_code": "ZZZZZ"})
    assertContains(response, "No seat matches")
    assert SEAT_COOKIE not in client.cookies


def test_the_play_page_without_a_seat_sends_the_learner_to_join(client, room):
    assertRedirects(client.get(play_url(room)), "/join/")
    response = client.get(play_url(room), headers=HTMX)
    assert response["HX-Redirect"] == "/join/"


def test_a_poll_with_the_current_version_is_a_204_without_any_query(client, room, django_assert_num_queries):
    join(client, room)
    fragment = client.get(play_url(room), headers=HTMX)
    version = re.search(r"\?v=(\d+)", fragment.content.decode()).group(1)
    with django_assert_num_queries(0):
        response = client.get(f"{play_url(room)}?v={version}", headers=HTMX)
    assert response.status_code == 204


def test_the_poll_returns_the_new_fragment_once_the_host_moves_on(
    client, room, django_assert_max_num_queries
):
    join(client, room)
    room = move(room, "start")
    with django_assert_max_num_queries(8):
        response = client.get(f"{play_url(room)}?v=1", headers=HTMX)
    body = response.content.decode()
    assert response.status_code == 200 and 'id="play-card"' in body and "<html" not in body
    assert f"?v={room.version}" in body
    assert "Question 1 of 3." in body


def test_an_answer_by_plain_post_redirects_and_by_htmx_returns_the_card(client, open_room):
    join(client, open_room)
    assertRedirects(answer(client, open_room), play_url(open_room), fetch_redirect_response=False)
    second = live.join(open_room, "Bob")
    client.cookies[SEAT_COOKIE] = cookie_value(open_room.pk, second.pk)
    response = answer(client, open_room, choice="AWS", headers=HTMX)
    assertContains(response, "Answer received")
    assertContains(response, "You answered: <strong>AWS</strong>")
    assert Answer.objects.count() == 2


def test_a_double_answer_keeps_the_first_and_says_so(client, open_room):
    join(client, open_room)
    answer(client, open_room, choice="Customer")
    response = answer(client, open_room, choice="AWS", headers=HTMX)
    assertContains(response, "You already answered this question; your first answer counts.")
    assert list(Answer.objects.values_list("choice", flat=True)) == ["Customer"]


def test_an_answer_after_closing_gets_a_message_and_changes_nothing(client, open_room):
    join(client, open_room)
    move(open_room, "close")
    response = answer(client, open_room, headers=HTMX)
    assertContains(response, "Answers for that question are closed.")
    response = answer(client, open_room, follow=True)
    assertContains(response, "Answers for that question are closed.")
    assert not Answer.objects.exists()


def test_an_answer_for_another_seat_is_impossible(client, open_room):
    ada = join(client, open_room)
    bob = live.join(open_room, "Bob")
    # The form's fields never choose the seat: a seat id in the body is ignored.
    answer(client, open_room, choice="AWS", data_seat=bob.pk)
    client.post(f"{play_url(open_room)}answer/", {"position": 1, "choice": "AWS", "seat": bob.pk})
    assert list(Answer.objects.values_list("seat", flat=True)) == [ada.pk]
    # A cookie naming Bob's seat without the server's signature is rejected.
    forged = type(client)()
    forged.cookies[SEAT_COOKIE] = f"{open_room.pk}:{bob.pk}"
    response = answer(forged, open_room)
    assertRedirects(response, "/join/")
    # A genuine cookie for a seat in another class does not work here either.
    elsewhere = class_with_questions(1)
    other = type(client)()
    join(other, elsewhere, "Cy")
    assertRedirects(answer(other, open_room), "/join/")
    assert Answer.objects.count() == 1


def test_a_removed_nickname_is_told_and_cannot_answer(client, open_room):
    seat = join(client, open_room)
    live.remove_seat(open_room, seat.pk)
    response = client.get(play_url(open_room))
    assertContains(response, "You were removed from this class")
    assertNotContains(response, 'hx-trigger="every 2s"')
    response = answer(client, open_room, headers=HTMX)
    assertContains(response, "The host removed your nickname")
    assert not Answer.objects.exists()


def render_for_key(client, key, phase_actions):
    session = ClassSessionFactory()
    session.items.create(position=1, snapshot=snapshot(key=key, misconceptions={}))
    move(session, *phase_actions)
    session.refresh_from_db()
    join(client, session, nickname=f"K{key}")
    pages = [client.get(play_url(session)), client.get(play_url(session), headers=HTMX)]
    host = type(client)()
    host.force_login(session.host)
    pages.append(host.get(session.get_absolute_url()))
    # Identities differ between the two runs (ids, codes, names, tokens); what is left must be identical.
    strip = re.compile(
        r"[0-9a-f]{8}-[0-9a-f-]{27}|\b\d{6}\b|rejoin code <strong[^<]*<|K\w+|learner\d+|seats/\d+/"
        r"|nonce=\"[^\"]+\"|csrfmiddlewaretoken\" value=\"[^\"]+\"|x-csrftoken\": \"[^\"]+\""
    )
    return [strip.sub("", page.content.decode()) for page in pages]


@pytest.mark.parametrize("actions", [["start"], ["start", "close"]])
def test_the_key_is_never_sent_before_the_reveal(client, actions):
    """The learner's page, its fragment and the projector read the same whichever choice is right."""
    customer = render_for_key(client, "Customer", actions)
    aws = render_for_key(type(client)(), "AWS", actions)
    assert customer == aws
    assert all("right answer" not in page.lower() for page in customer)


def test_after_the_reveal_the_learner_sees_the_verdict_the_key_and_the_misconception(client, open_room):
    join(client, open_room)
    answer(client, open_room, choice="AWS")
    move(open_room, "reveal")
    response = client.get(play_url(open_room))
    assertContains(response, "Not this time")
    assertContains(response, "<strong>Right answer:</strong> The customer", html=False)
    assertContains(response, "AWS patches my guest OS.")
    assertContains(response, "Your score: <strong>0</strong>")


# ---- Host ----------------------------------------------------------------------------------------


@pytest.fixture
def host(client, room):
    client.force_login(room.host)
    return client


def test_hosting_needs_an_account_and_a_class_is_its_hosts_alone(client, room):
    url = room.get_absolute_url()
    assert client.get(url)["Location"].startswith("/accounts/login/")
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    assert (
        client.post(
            f"/classroom/{room.pk}/host/actions/", {"action": "start", "version": room.version}
        ).status_code
        == 404
    )
    assert client.get(f"/classroom/{room.pk}/report/").status_code == 404
    room.refresh_from_db()
    assert room.phase == Phase.LOBBY


def test_the_host_page_asks_a_visitor_to_log_in(client, db):
    response = client.get("/classroom/")
    assertContains(response, "Any account can host")
    assertNotContains(response, "Create the class")
    assert client.post("/classroom/new/", {"source": "everything"})["Location"].startswith("/accounts/login/")


def test_a_phone_whose_class_was_deleted_is_sent_to_join_not_shown_an_error(client, db):
    """The class's pulse can outlive the class in the cache for a few seconds after a host or the retention
    purge deletes it: the phone's poll and its answer then send it to join, and nothing is recorded."""
    room = move(class_with_questions(2), "start")
    ada = live.join(room, "Ada")
    client.cookies[SEAT_COOKIE] = cookie_value(room.pk, ada.pk)
    assert client.get(play_url(room), headers=HTMX).status_code == 200  # this process knows the seat
    room = move(room, "close")
    state.pulse(room.pk)  # the pulse at the new version is cached, the room at it not yet built
    ClassSession.objects.filter(pk=room.pk).delete()
    assert answer(client, room, headers=HTMX)["HX-Redirect"] == "/join/"
    assertRedirects(answer(client, room), "/join/")
    assert client.get(play_url(room), headers=HTMX)["HX-Redirect"] == "/join/"
    response = client.get(play_url(room), follow=True)
    assertRedirects(response, "/join/")
    assertContains(response, "That class has ended or your seat is gone")
    assert not Answer.objects.exists()


def test_the_projector_keeps_one_nickname_list_per_class_however_often_it_changed(rf, db):
    """The rendered list is kept for the class's current seats only: 1,000 joins seen one by one by the
    projector must not leave 1,000 lists (each up to half a megabyte) in every process."""
    from classroom import views

    room = class_with_questions(1)
    views._nickname_lists.clear()
    listed = []
    for pk in range(1, 301):
        listed.append({"pk": pk, "nickname": f"Learner{pk:04d}"})
        html = views._nicknames(rf.get("/"), room, list(listed))
    assert len(views._nickname_lists) == 1
    assert html.count("<li>") == 300
    assert views._nicknames(rf.get("/"), room, list(listed[:-1])).count("<li>") == 299


def test_a_host_signed_out_before_posting_comes_back_to_the_form_with_nothing_done(client, db):
    OwnerQuestionFactory.create_batch(3)
    room = class_with_questions(2)
    login = client.post("/classroom/new/", {"source": "everything", "length": 5})["Location"]
    assert login == "/accounts/login/?next=/classroom/new/"
    client.force_login(room.host)
    # Signing in sends the browser to `next` by GET: back to the form, with nothing created.
    response = client.get("/classroom/new/", follow=True)
    assertRedirects(response, "/classroom/")
    assertContains(response, "You were signed out, so that was not done.")
    assert ClassSession.objects.count() == 1
    response = client.get(f"/classroom/{room.pk}/host/actions/", follow=True)
    assertRedirects(response, room.get_absolute_url())
    assertContains(response, "You were signed out, so that was not done.")
    room.refresh_from_db()
    assert room.phase == Phase.LOBBY


def test_another_hosts_class_stays_hidden_from_the_way_back_after_sign_in(client, db):
    room = class_with_questions(2)
    client.force_login(UserFactory())
    assert client.get(f"/classroom/{room.pk}/host/actions/").status_code == 404


def test_create_a_class_from_a_topic(client, db):
    OwnerQuestionFactory.create_batch(3)
    client.force_login(UserFactory())
    assertContains(client.get("/classroom/"), "Create the class")
    response = client.post(
        "/classroom/new/",
        {
            "source": "everything",
            "length": 5,
            "seconds_per_question": 30,
            "scoring": "speed",
            "leaderboard": "top5",
        },
    )
    session = ClassSession.objects.get()
    assertRedirects(response, session.get_absolute_url(), fetch_redirect_response=False)
    assert (session.items.count(), session.seconds_per_question, session.scoring, session.leaderboard) == (
        3,
        30,
        "speed",
        "top5",
    )


def test_create_a_class_from_hand_picked_questions(client, db):
    first, second = OwnerQuestionFactory.create_batch(2)
    client.force_login(UserFactory())
    client.post(
        "/classroom/new/",
        {"source": "picked", "picked": f"{second.slug}\nnot-a-question\n{first.slug}", "length": 5,
         "seconds_per_question": 0, "scoring": "accuracy", "leaderboard": "off", "name": " Week 3 recap "},
    )  # fmt: skip
    session = ClassSession.objects.get()
    assert [i.question for i in session.items.all()] == [second, first]
    assert session.title == "Week 3 recap"  # the host's own title, not "Hand-picked questions"


def test_a_topic_without_questions_creates_nothing(client, db):
    client.force_login(UserFactory())
    response = client.post(
        "/classroom/new/",
        {
            "source": "everything",
            "length": 5,
            "seconds_per_question": 0,
            "scoring": "accuracy",
            "leaderboard": "off",
        },
    )
    assertContains(response, "no questions a class can use on that topic")
    assert not ClassSession.objects.exists()


def test_the_lobby_shows_code_join_address_qr_and_names(host, room):
    live.join(room, "Ada")
    response = host.get(room.get_absolute_url())
    assertContains(response, room.code)
    assertContains(response, "http://testserver/join/")
    assertContains(response, "<svg")
    assertContains(response, "Ada")
    assertNotContains(response, "style=")  # CSP: no inline style, in the QR code either


def test_host_actions_by_htmx_return_the_card_and_by_post_redirect(host, room):
    url = f"/classroom/{room.pk}/host/actions/"
    response = host.post(url, {"action": "start", "version": room.version}, headers=HTMX)
    body = response.content.decode()
    assert 'id="host-card"' in body and "<html" not in body and "Question 1 of 3" in body
    assertRedirects(
        host.post(url, {"action": "close", "version": room.version + 1}),
        room.get_absolute_url(),
        fetch_redirect_response=False,
    )
    room.refresh_from_db()
    assert room.phase == Phase.CLOSED


def test_the_host_poll_is_204_until_something_changes(host, room):
    response = host.get(room.get_absolute_url(), headers=HTMX)
    fingerprint = re.search(r"\?f=([\d.]+)", response.content.decode()).group(1)
    assert host.get(f"{room.get_absolute_url()}?f={fingerprint}", headers=HTMX).status_code == 204
    live.join(room, "Ada")
    assertContains(host.get(f"{room.get_absolute_url()}?f={fingerprint}", headers=HTMX), "1 joined")


def test_the_projector_counts_answers_and_reveals_bars_with_counts_and_percentages(host, open_room):
    for name, choice in [("Ada", "Customer"), ("Bob", "AWS"), ("Cy", "AWS"), ("Di", "Customer")]:
        seat = Seat.objects.select_related("session").get(pk=live.join(open_room, name).pk)
        live.submit_answer(seat, position=1, choice=choice)
    live.join(open_room, "Ed")
    assertContains(host.get(open_room.get_absolute_url()), "Answered 4 of 5")
    move(open_room, "reveal")
    response = host.get(open_room.get_absolute_url())
    assertContains(response, "2 · 50%", count=2)
    assertContains(response, "0 · 0%")
    assertContains(response, "right answer</strong>")
    assertContains(response, "2 of 4 (50%) chose “AWS”")
    assertContains(response, "AWS patches my guest OS.")


def test_the_host_removes_a_nickname(host, room):
    seat = live.join(room, "Rude")
    response = host.post(f"/classroom/{room.pk}/host/seats/{seat.pk}/remove/", follow=True)
    assertContains(response, "Removed “Rude”")
    seat.refresh_from_db()
    assert seat.removed


def test_report_and_csv_exports(host, open_room):
    seat = Seat.objects.select_related("session").get(pk=live.join(open_room, "-Ada").pk)
    live.submit_answer(seat, position=1, choice="Customer")
    move(open_room, "reveal", "end")
    response = host.get(f"/classroom/{open_room.pk}/report/")
    assertContains(response, "Facility")
    assertContains(response, "100%")
    assertContains(response, f"/classroom/{open_room.pk}/homework/")
    csv = host.get(f"/classroom/{open_room.pk}/report/responses.csv")
    assert csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode().splitlines()
    assert lines[0] == "nickname,question,prompt,answer,correct,points,answered_at"
    assert lines[1].startswith("'-Ada,1,Who patches the guest OS on Amazon EC2?,The customer,yes,1,")
    table = host.get(f"/classroom/{open_room.pk}/report/questions.csv").content.decode().splitlines()
    assert table[1] == "1,Who patches the guest OS on Amazon EC2?,The customer,1,1,1.00,"
    assert len(table) == 4


def test_homework_turns_the_class_into_a_self_paced_quiz(client, db):
    questions = OwnerQuestionFactory.create_batch(2)
    session = live.create_session(UserFactory(), title="Basics", topic="everything", chosen=questions)
    assertContains(client.get(f"/classroom/{session.pk}/homework/"), "2 questions")
    response = client.post(f"/classroom/{session.pk}/homework/")
    attempt = Attempt.objects.get()
    assertRedirects(response, attempt.get_absolute_url(), fetch_redirect_response=False)
    assert attempt.slots.count() == 2 and attempt.title == "Homework: Basics"


def test_purge_deletes_classes_and_nicknames_after_the_retention_period(db, settings):
    settings.CLASSROOM_RETENTION_DAYS = 30
    old, recent = class_with_questions(1), class_with_questions(1)
    live.join(old, "Ada")
    ClassSession.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    out = StringIO()
    call_command("purge_classes", stdout=out)
    assert out.getvalue().startswith("Deleted 1 live class created before")
    assert list(ClassSession.objects.all()) == [recent]
    assert not Seat.objects.exists()


def test_joining_mid_question_shows_the_open_question_at_once(client, open_room):
    join(client, open_room, "Late")
    response = client.get(play_url(open_room))
    assertContains(response, "Question 1 of 3.")
    assertContains(response, 'name="choice" value="Customer"')
    assertRedirects(answer(client, open_room), play_url(open_room), fetch_redirect_response=False)
    assert Answer.objects.get().seat.nickname == "Late"


def test_the_timer_runs_out_on_the_next_poll_and_the_phone_sees_answers_closed(client, db):
    room = class_with_questions(1, seconds_per_question=20)
    join(client, room)
    room = move(room, "start")
    assertContains(client.get(play_url(room)), "Answer within 20 seconds.")
    room.items.update(closes_at=timezone.now() - timedelta(seconds=1))
    state.forget(room.pk)
    response = client.get(f"{play_url(room)}?v={room.version}", headers=HTMX)
    assertContains(response, "Answers are closed")
    room.refresh_from_db()
    assert room.phase == Phase.CLOSED


def test_auto_close_is_on_by_default_in_the_create_form_and_can_be_turned_off(client, db):
    OwnerQuestionFactory.create_batch(2)
    client.force_login(UserFactory())
    page = client.get("/classroom/")
    assertContains(page, 'name="auto_close"')
    assert re.search(r'<input type="checkbox" name="auto_close"[^>]*checked', page.content.decode())
    base = {"source": "everything", "length": 5, "seconds_per_question": 0, "scoring": "accuracy"}
    client.post("/classroom/new/", {**base, "leaderboard": "off", "auto_close": "on"})
    client.post("/classroom/new/", {**base, "leaderboard": "off"})  # the box unticked
    assert [s.auto_close for s in ClassSession.objects.order_by("created_at")] == [True, False]


def test_the_timer_runs_out_and_the_projector_shows_answers_closed_and_counts(client, db):
    room = class_with_questions(1, seconds_per_question=20)
    phone = Client()
    join(phone, room)
    room = move(room, "start")
    client.force_login(room.host)
    assertContains(client.get(room.get_absolute_url()), "Time limit: 20 seconds.")
    room.items.update(closes_at=timezone.now() - timedelta(seconds=1))
    state.forget(room.pk)
    response = client.get(f"{room.get_absolute_url()}?f=stale", headers=HTMX)
    assertContains(response, "Answered 0 of 1")
    assertContains(response, "answers closed")
    assertContains(response, 'value="reveal"')
    assertNotContains(response, 'value="close"')
    refused = answer(phone, room, headers=HTMX)
    assertContains(refused, "Answers for that question are closed.")
    assert not Answer.objects.exists()


def test_a_choose_two_question_on_the_phone_and_the_projector(client, db):
    room = move(multi_class(), "start")
    client.force_login(room.host)
    phone = Client()
    join(phone, room)
    card = phone.get(play_url(room), headers=HTMX)
    assertContains(card, 'type="checkbox" name="choice" value="11"')
    assertContains(card, "Select all that apply")
    assertContains(card, "Submit my answers")
    assertNotContains(card, "right")  # nothing on the phone says which options are right
    assertContains(client.get(room.get_absolute_url()), "Select all that apply")
    received = phone.post(f"{play_url(room)}answer/", {"position": 1, "choice": ["11", "13"]}, headers=HTMX)
    assertContains(received, "Answer received")
    assertContains(received, "Patching the guest operating system; Patching the hypervisor")
    assert Answer.objects.get().choice == "11,13"
    again = phone.post(f"{play_url(room)}answer/", {"position": 1, "choice": ["11", "12"]}, headers=HTMX)
    assertContains(again, "You already answered this question")
    assert Answer.objects.get().choice == "11,13"
    room = move(room, "reveal")
    verdict = phone.get(f"{play_url(room)}?v=1", headers=HTMX)
    assertContains(verdict, "Not this time")
    assertContains(
        verdict, "Right answers:</strong> Patching the guest operating system; Configuring security groups"
    )
    assertContains(verdict, "I patch the hypervisor.")  # the misconception of an option they ticked
    projector = client.get(room.get_absolute_url())
    assertContains(projector, "right answer</strong>", count=2)
    assertContains(projector, "1 · 100%", count=2)
    assertContains(projector, "bars add up to more than 100%")
    assertContains(projector, "1 of 1 (100%) chose “Patching the hypervisor”")


def test_without_javascript_the_answer_form_is_not_refreshed_away(client, db):
    room = multi_class()
    join(client, room)
    refresh = '<meta http-equiv="refresh" content="3">'
    assertContains(client.get(play_url(room)), refresh)  # the lobby changes by itself
    room = move(room, "start")
    form = client.get(play_url(room))
    assertContains(form, 'type="checkbox"')
    assertNotContains(form, refresh)  # ticking two boxes must not be wiped by a reload
    client.post(f"{play_url(room)}answer/", {"position": 1, "choice": ["11", "12"]})
    assertContains(client.get(play_url(room)), refresh)  # waiting for the reveal again


def test_join_page_ids_are_unique_with_both_forms(client):
    import re

    html = client.get("/join/").content.decode()
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert 'for="rejoin_code"' in html and 'for="id_code"' in html


def _fresh_card(request_client, session, seat) -> str:
    """The phone's card as the template renders it for this seat, without the shared rendering."""
    from django.template.loader import render_to_string

    from classroom import cards

    pulse = state.pulse(session.pk)
    room = state.room(session.pk, pulse.version)
    card = state.seat_card(session.pk, seat.pk, room)
    mine = Answer.objects.filter(seat=seat, item_id=room["item"]["id"]).first() if room["item"] else None
    return render_to_string(cards.FRAGMENT, cards.context(session.pk, card, room, mine))


def test_each_phone_gets_the_rooms_shared_card_with_its_own_name_code_score_and_rank(client, db):
    room = move(class_with_questions(2, leaderboard="top5"), "start")
    ada = join(client, room, "Ada")
    answer(client, room, choice="Customer")
    bob_client = Client()
    bob = join(bob_client, room, "O'Neil")
    answer(bob_client, room, choice="AWS")
    room = move(room, "close", "reveal")
    bodies = {}
    for who, seat in ((client, ada), (bob_client, bob)):
        response = who.get(f"{play_url(room)}?v=1", headers=HTMX)
        bodies[seat.nickname] = response.content.decode()
        assert bodies[seat.nickname] == _fresh_card(who, room, seat)  # the same bytes as a fresh rendering
    assert "Ada</strong> · rejoin code" in bodies["Ada"] and ada.rejoin_code in bodies["Ada"]
    assert "O&#x27;Neil</strong>" in bodies["O'Neil"] and "Ada<" not in bodies["O'Neil"]
    assert "Your score: <strong>1</strong> (1 right) · rank <strong>1</strong> of 2" in bodies["Ada"]
    assert "Your score: <strong>0</strong> (0 right) · rank <strong>2</strong> of 2" in bodies["O'Neil"]
    assert "Right" in bodies["Ada"] and "Not this time" in bodies["O'Neil"]


def test_the_shared_card_carries_this_phones_own_csrf_token_and_its_answer_is_accepted(db):
    room = move(class_with_questions(1), "start")
    phone = Client(enforce_csrf_checks=True)
    phone.get("/join/")
    token = phone.cookies["csrftoken"].value
    phone.post("/join/", {"code": room.code, "nickname": "Ada", "csrfmiddlewaretoken": token})
    other = Client(enforce_csrf_checks=True)
    other.get("/join/")
    other.post(
        "/join/",
        {"code": room.code, "nickname": "Bob", "csrfmiddlewaretoken": other.cookies["csrftoken"].value},
    )
    cards = [c.get(f"{play_url(room)}?v=1", headers=HTMX).content.decode() for c in (phone, other)]
    tokens = [re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', card).group(1) for card in cards]
    assert tokens[0] != tokens[1]
    response = phone.post(
        f"{play_url(room)}answer/", {"position": 1, "choice": "Customer", "csrfmiddlewaretoken": tokens[0]}
    )
    assertRedirects(response, play_url(room), fetch_redirect_response=False)
    assert Answer.objects.get().seat.nickname == "Ada"


def test_an_answer_costs_the_insert_and_the_auto_close_check(client, db, django_assert_num_queries):
    open_room = move(class_with_questions(2, auto_close=True), "start")
    join(client, open_room)
    client.get(f"{play_url(open_room)}?v=1", headers=HTMX)  # the phone shows the question: its seat is known
    live.join(open_room, "Bob")  # still to answer: the question stays open
    state.grading(open_room.pk, 1)  # the first answer in this process read the question
    with django_assert_num_queries(2):
        response = answer(client, open_room, headers=HTMX)
    assertContains(response, "Answer received")
    assert Answer.objects.get().choice == "Customer"


def test_the_projectors_nickname_list_follows_joins_and_removals_and_carries_a_valid_token(room):
    """The list is rendered once per list of seats and reused: a join or a removal shows at once, and each
    remove form carries this response's CSRF token."""
    host = Client(enforce_csrf_checks=True)
    host.force_login(room.host)
    live.join(room, "Ada")
    first = host.get(room.get_absolute_url(), headers=HTMX).content.decode()
    bob = live.join(room, "Bob")
    second = host.get(room.get_absolute_url(), headers=HTMX).content.decode()
    assert "Bob" not in first and "<li>Bob" in second and "<li>Ada" in second
    token = re.search(r'name="csrfmiddlewaretoken" value="(\w+)"', second).group(1)
    response = host.post(
        f"/classroom/{room.pk}/host/seats/{bob.pk}/remove/", {"csrfmiddlewaretoken": token}, headers=HTMX
    )
    assert response.status_code == 200 and "<li>Bob" not in response.content.decode()
    assert Seat.objects.get(pk=bob.pk).removed
