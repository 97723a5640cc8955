import csv
import functools
from functools import wraps

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from learners.current import current_learner
from srm_site.csrf_tokens import get_token
from srm_site.http import HtmxHttpRequest

from . import cards, engine, live, report, seats, state
from .forms import AnswerForm, JoinForm, RejoinForm, SessionForm
from .models import Answer, ClassSession, Phase, Seat
from .throttle import record_failure, too_many_failures

HOST_TEMPLATE = "classroom/session_host.html"
PLAY_TEMPLATE = "classroom/play.html"


# ---- Joining ---------------------------------------------------------------------------------------


def _seat_in(request: HtmxHttpRequest, session_id) -> int | None:
    """The seat this browser holds in the session, from the signed cookie only (never from the form)."""
    return seats.seat_id(request.COOKIES.get(seats.COOKIE), session_id)


def _seated(response: HttpResponse, seat: Seat) -> HttpResponse:
    return seats.seat_response(response, seat.session_id, seat.pk)


@require_http_methods(["GET", "HEAD", "POST"])
def join(request: HtmxHttpRequest) -> HttpResponse:
    code = request.GET.get("code", "")
    if request.method == "POST":
        form = JoinForm(request.POST)
        if too_many_failures(request, "join"):
            form.add_error(None, "Too many wrong codes from this network. Wait a few minutes and try again.")
        elif form.is_valid():
            session = live.find_open(form.cleaned_data["code"])
            if session is None:
                record_failure(request, "join")
                form.add_error("code", "No class is open with that code. Check the code on the screen.")
            else:
                learner = current_learner(request, create=True) if request.user.is_authenticated else None
                try:
                    seat = live.join(session, form.cleaned_data["nickname"], learner=learner)
                except ValidationError as exc:
                    form.add_error("nickname", exc)
                except live.Refused as exc:
                    form.add_error("code", exc.message)
                else:
                    return _seated(redirect("classroom:play", session.pk), seat)
    else:
        form = JoinForm(initial={"code": code})
    return render(
        request,
        "classroom/join.html",
        {"form": form, "rejoin_form": RejoinForm(initial={"code": code}), "code": code},
    )


@require_POST
def rejoin(request: HtmxHttpRequest) -> HttpResponse:
    form = RejoinForm(request.POST)
    if too_many_failures(request, "rejoin"):
        form.add_error(None, "Too many wrong codes from this network. Wait a few minutes and try again.")
    elif form.is_valid():
        session = live.find_open(form.cleaned_data["code"])
        seat = live.rejoin(session, form.cleaned_data["rejoin_code"]) if session else None
        if seat is not None:
            messages.success(request, f"Welcome back, {seat.nickname}: same seat, same score.")
            return _seated(redirect("classroom:play", session.pk), seat)
        record_failure(request, "rejoin")
        form.add_error(None, "No seat matches that class code and rejoin code. Check both and try again.")
    return render(
        request, "classroom/join.html", {"form": JoinForm(), "rejoin_form": form, "code": ""}, status=200
    )


# ---- The learner's screen --------------------------------------------------------------------------


def _mine(seat: dict, room: dict, answer=None):
    """The seat's answer to the question shown: the one just recorded, else one indexed read."""
    if room["item"] is None:
        return None
    if answer is not None and answer.item_id == room["item"]["id"]:
        return answer  # just recorded (or the first of a double submit): no need to read it back
    return (
        Answer.objects.filter(seat_id=seat["pk"], item_id=room["item"]["id"])
        .only("choice", "correct")
        .first()
    )


def _play_card(request, session_id, seat: dict, room: dict, *, notice: str = "", answer=None) -> HttpResponse:
    """The phone's card: the htmx fragment from the room's shared rendering (cards.py), else the full page."""
    mine = _mine(seat, room, answer)
    if request.htmx:
        return HttpResponse(
            cards.play_card(session_id, seat, room, mine, notice, token=lambda: get_token(request))
        )
    return render(request, PLAY_TEMPLATE, cards.context(session_id, seat, room, mine, notice))


@require_safe
@vary_on_headers("HX-Request", "Cookie")  # the seat cookie picks the card (whether or not it shows a form)
def play(request: HtmxHttpRequest, session_id) -> HttpResponse:
    """The phone. A poll that finds its version current gets 204, and after a change a phone whose room and
    seat this process already holds gets its card, both usually from classroom/polling.py before Django; the
    view gives the same answers and reads what the shortcut needs (room, seat) once per process."""
    seat_id = _seat_in(request, session_id)
    pulse = state.pulse(session_id)
    if pulse is None or seat_id is None:
        if request.htmx:
            return HttpResponseClientRedirect(reverse("classroom:join"))
        messages.info(request, "Join the class with its code and a nickname first.")
        return redirect("classroom:join")
    if pulse.timed_out():
        live.close_if_due(session_id, pulse)
        pulse = state.pulse(session_id)
    if request.htmx and state.still_shown(pulse, request.GET.get("v", ""), request.GET.get("a", "")):
        return HttpResponse(status=204)  # nothing changed for this phone: htmx swaps nothing
    room = state.room(session_id, pulse.version)
    seat = state.seat_card(session_id, seat_id, room)
    if seat is None:
        if request.htmx:
            return HttpResponseClientRedirect(reverse("classroom:join"))
        messages.info(request, "That class has ended or your seat is gone: join a class with its code.")
        return redirect("classroom:join")
    return _play_card(request, session_id, seat, room)


@require_POST
def play_answer(request: HtmxHttpRequest, session_id) -> HttpResponse:
    """An answer from a phone. The seat comes from the signed cookie (its nickname and code from the cached seat
    card); `live.submit_answer` records it in one conditional insert or says why not."""
    seat_id = _seat_in(request, session_id)
    pulse = state.pulse(session_id) if seat_id is not None else None
    seat = state.seat_card(session_id, seat_id, state.room(session_id, pulse.version)) if pulse else None
    if seat is None:
        if request.htmx:
            return HttpResponseClientRedirect(reverse("classroom:join"))
        messages.error(request, "You have not joined this class on this device: join or rejoin first.")
        return redirect("classroom:join")
    form = AnswerForm(request.POST)
    notice, answer = "", None
    if not form.is_valid():
        notice = "Choose one of the answers shown."
    else:
        try:
            answer = live.submit_answer(
                Seat(pk=seat["pk"], session_id=session_id, learner_id=seat["learner_id"]),
                position=form.cleaned_data["position"],
                choice=form.cleaned_data["choice"],
            )
        except live.AlreadyAnswered as exc:
            notice, answer = exc.message, exc.answer
        except live.Refused as exc:
            notice = exc.message
    if request.htmx:
        room = state.room(session_id, state.pulse(session_id).version)  # the answer may have closed it
        seat = state.seat_card(session_id, seat_id, room)
        if seat is None:  # the class was deleted meanwhile
            return HttpResponseClientRedirect(reverse("classroom:join"))
        return _play_card(request, session_id, seat, room, notice=notice, answer=answer)
    if notice:
        messages.warning(request, notice)
    return redirect("classroom:play", session_id)


# ---- Hosting ---------------------------------------------------------------------------------------


def _hosted(request: HtmxHttpRequest, session_id) -> ClassSession:
    return get_object_or_404(ClassSession.objects.hosted_by(request.user), pk=session_id)


def host_only(view):
    """Any signed-in account can host; a session is its host's alone (anyone else gets a 404)."""

    @login_required
    @wraps(view)
    def wrapper(request, session_id, *args, **kwargs):
        return view(request, _hosted(request, session_id), *args, **kwargs)

    return wrapper


def back_to_the_form(page):
    """For a host's form POST: a GET here is the browser coming back from the sign-in page after the form was
    posted while signed out. Nothing was done; send the host back to the form's page (page(*args)) to say so."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method == "GET":
                messages.info(request, "You were signed out, so that was not done. Please do it again.")
                return redirect(page(*args))
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


@require_safe
def session_list(request: HtmxHttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "classroom/session_list.html", {"form": None, "sessions": []})
    sessions = ClassSession.objects.hosted_by(request.user)
    return render(request, "classroom/session_list.html", {"form": SessionForm(), "sessions": sessions})


@require_http_methods(["GET", "POST"])
@login_required
@back_to_the_form(lambda: reverse("classroom:session_list"))
def session_create(request: HtmxHttpRequest) -> HttpResponse:
    form = SessionForm(request.POST)
    if not form.is_valid():
        sessions = ClassSession.objects.hosted_by(request.user)
        return render(request, "classroom/session_list.html", {"form": form, "sessions": sessions})
    data = form.cleaned_data
    if len(data["chosen"]) < data["length"] and data["source"] != "picked":
        messages.info(
            request,
            f"That choice has {len(data['chosen'])} questions a class can use, so this class has"
            f" {len(data['chosen'])}. {engine.KINDS_NOTE}",
        )
    session = live.create_session(
        request.user,
        title=data["title"],
        topic=data["topic"],
        chosen=data["chosen"],
        seconds_per_question=data["seconds_per_question"],
        scoring=data["scoring"],
        leaderboard=data["leaderboard"],
        auto_close=data["auto_close"],
    )
    return redirect(session)


@functools.lru_cache(maxsize=64)  # the lobby's projector polls every second; a class's join URL never changes
def _qr_svg(url: str) -> str:
    # make_qr, not make: a short payload would otherwise become a Micro QR that many phone cameras cannot read.
    svg = segno.make_qr(url, error="m").svg_inline(scale=6, dark="#000", light="#fff", omitsize=True)
    return mark_safe(svg)  # segno's own SVG of our own URL: no user text in it


def _host_context(request: HtmxHttpRequest, session: ClassSession) -> dict:
    pulse = state.pulse(session.pk)
    room = state.room(session.pk, pulse.version)
    seats = list(session.seats.filter(removed=False).values("pk", "nickname"))
    item = session.items.filter(position=session.position).first() if session.position else None
    answered = state.answered_count(item) if item else 0
    join_url = request.build_absolute_uri(reverse("classroom:join"))
    reveal = room["reveal"]
    return {
        "session": session,
        "room": room,
        "seats": seats,
        "answered": answered,
        "fingerprint": f"{pulse.version}.{answered}.{len(seats)}",
        "actions": live.allowed_actions(session, room["total"]),
        "join_url": join_url,
        "qr": _qr_svg(f"{join_url}?code={session.code}") if session.phase == Phase.LOBBY else "",
        "reveal": reveal,
        "nicknames": lambda: _nicknames(request, session, seats),  # called only when rendered
    }


# Per class: (the seats it lists, the rendered list). One entry a class, so a class of 1,000 holds about a
# megabyte however many times its list changed while learners joined.
_nickname_lists: dict[str, tuple[tuple[int, ...], str]] = {}
NICKNAME_LISTS_KEPT = 50


def _nicknames(request: HtmxHttpRequest, session: ClassSession, seats: list[dict]) -> str:
    """The projector's list of nicknames, each with its remove form: rendered once per process for each list
    of seats (nicknames never change) with the CSRF token filled in per response. For a class of 1,000 it
    cost about 45 ms of CPU each time the projector's card changed (about every second) rendered afresh."""
    pks = tuple(seat["pk"] for seat in seats)
    kept = _nickname_lists.get(str(session.pk))
    if kept is not None and kept[0] == pks:
        listed = kept[1]
    else:
        context = {"session": session, "seats": seats, "csrf_token": cards.TOKEN}
        listed = render_to_string(f"{HOST_TEMPLATE}#nicknames", context)
        if len(_nickname_lists) >= NICKNAME_LISTS_KEPT and str(session.pk) not in _nickname_lists:
            _nickname_lists.clear()
        _nickname_lists[str(session.pk)] = (pks, listed)
    return mark_safe(listed.replace(cards.TOKEN, get_token(request)))  # rendered with autoescape on


@require_safe
@vary_on_headers("HX-Request")
@host_only
def session_host(request: HtmxHttpRequest, session: ClassSession) -> HttpResponse:
    pulse = state.pulse(session.pk)
    if pulse.timed_out():
        live.close_if_due(session.pk, pulse)
        session.refresh_from_db()
    context = _host_context(request, session)
    if request.htmx and request.GET.get("f") == context["fingerprint"]:
        return HttpResponse(status=204)
    template = f"{HOST_TEMPLATE}#host-card" if request.htmx else HOST_TEMPLATE
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
@host_only
@back_to_the_form(lambda session: session.get_absolute_url())
def session_action(request: HtmxHttpRequest, session: ClassSession) -> HttpResponse:
    action = request.POST.get("action", "")
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = -1
    try:
        position = int(request.POST.get("position", ""))
    except ValueError:
        position = None
    session = live.advance(session, action, version=version, position=position)
    if request.htmx:
        return render(request, f"{HOST_TEMPLATE}#host-card", _host_context(request, session))
    return redirect(session)


@require_POST
@host_only
def seat_remove(request: HtmxHttpRequest, session: ClassSession, seat_id: int) -> HttpResponse:
    seat = live.remove_seat(session, seat_id)
    if seat is not None:
        messages.success(
            request,
            format_html("Removed “{}”. That nickname cannot answer or be taken again.", seat.nickname),
        )
    session.refresh_from_db()
    if request.htmx:
        return render(request, f"{HOST_TEMPLATE}#host-card", _host_context(request, session))
    return redirect(session)


# ---- After the class -------------------------------------------------------------------------------


@require_safe
@host_only
def session_report(request: HtmxHttpRequest, session: ClassSession) -> HttpResponse:
    homework_url = request.build_absolute_uri(reverse("classroom:homework", args=[session.pk]))
    return render(
        request,
        "classroom/session_report.html",
        {"session": session, "report": report.build(session), "homework_url": homework_url},
    )


def _csv(name: str, header: list[str], rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows(report.csv_safe(row) for row in rows)
    return response


@require_safe
@host_only
def report_responses_csv(request: HtmxHttpRequest, session: ClassSession) -> HttpResponse:
    return _csv(f"class-{session.code}-responses.csv", report.RESPONSE_HEADER, report.response_rows(session))


@require_safe
@host_only
def report_questions_csv(request: HtmxHttpRequest, session: ClassSession) -> HttpResponse:
    return _csv(
        f"class-{session.code}-questions.csv",
        report.QUESTION_HEADER,
        report.question_rows(report.build(session)),
    )


@require_http_methods(["GET", "HEAD", "POST"])
def homework(request: HtmxHttpRequest, session_id) -> HttpResponse:
    """The class's questions as a self-paced quiz: anyone with the link can take it."""
    session = get_object_or_404(ClassSession, pk=session_id)
    asked = [item.question for item in session.items.select_related("question") if item.question_id]
    if request.method == "POST":
        if not [q for q in asked if not q.retired]:
            messages.error(
                request, "These questions are no longer in the app, so there is nothing to practise."
            )
            return redirect("classroom:homework", session.pk)
        learner = current_learner(request, create=True)
        attempt = engine.start_homework(learner, title=session.title, asked=asked)
        return redirect(attempt)
    return render(request, "classroom/homework.html", {"session": session, "count": len(asked)})
