"""The phone's card, rendered once per room version and answer and filled in per seat.

After every change of a class (next question, reveal) each of up to 1,000 phones fetches its card within a
second or two. Most of what a card shows is the same for the whole room at one version: the question, the
verdict for a given answer, the explanation, the room's standings. What belongs to one seat is its nickname,
rejoin code, score, rank and the CSRF token of its answer form. So the card template is rendered once per
process for each (version, answer given, seat's situation) with marked slots in place of those values, and a
request only fills the slots, escaped as the template would escape them.

Only the htmx fragment is kept this way; the full page (first load, a phone without JavaScript) renders
normally. The template stays the one source of the markup: this module changes no HTML.
"""

from __future__ import annotations

from collections.abc import Callable

from django.template.loader import render_to_string
from django.utils.html import escape

from .models import Phase

FRAGMENT = "classroom/play.html#play-card"
# Private-use characters: never in content, a nickname (letters, digits, - _ . ' space) or a number, and left
# alone by HTML escaping, so a slot is found again exactly in the rendered card.
SLOT = "\ue000{}\ue001"
NICKNAME, REJOIN, POINTS, RIGHT, RANK, NOTICE, TOKEN = (
    SLOT.format(name) for name in ("nickname", "rejoin", "points", "right", "rank", "notice", "token")
)
_rendered: dict[tuple, str] = {}


class Mine:
    """The seat's answer to the question shown, as the template reads it (an `Answer` row or just recorded)."""

    __slots__ = ("choice", "correct")

    def __init__(self, choice: str, correct: bool):
        self.choice, self.correct = choice, correct


def context(session_id, seat: dict, room: dict, mine, notice: str = "") -> dict:
    """What the play template needs: the seat's own values, its answer to the question shown and the room."""
    from . import engine  # engine imports the quiz app; keep this module light to import

    labels = {c["value"]: c["label"] for c in room["item"]["choices"]} if room["item"] else {}
    mine_values = engine.chosen({"many": room["item"].get("many")}, mine.choice) if mine else []
    return {
        "session_id": session_id,
        "room": room,
        "seat": seat,
        "mine": mine,
        "my_label": "; ".join(labels.get(v, v) for v in mine_values),
        "my_values": mine_values,
        "standing": room["standings"].get(seat["pk"]),
        "notice": notice,
        # Without JavaScript the page refreshes itself, except while it shows the answer form: a reload
        # would clear the boxes a learner is ticking. Submitting the form brings the next state.
        "answering": room["phase"] == Phase.OPEN and mine is None and not seat["removed"],
    }


def play_card(session_id, seat: dict, room: dict, mine, notice: str = "", *, token: Callable[[], str]) -> str:
    """The htmx card for this seat: the room's rendering for this answer, with the seat's values filled in.
    `token()` gives the CSRF token for the answer form (called only when the card shows the form)."""
    standing = room["standings"].get(seat["pk"])
    answer = (mine.choice, bool(mine.correct)) if mine is not None else None
    key = (str(session_id), room["version"], answer, standing is not None, seat["removed"], bool(notice))
    card = _rendered.get(key)
    if card is None:
        slots = {"pk": seat["pk"], "nickname": NICKNAME, "rejoin_code": REJOIN, "removed": seat["removed"]}
        shared = context(session_id, slots, room, Mine(*answer) if answer else None, NOTICE if notice else "")
        shared["standing"] = {"points": POINTS, "right": RIGHT, "rank": RANK} if standing else None
        shared["csrf_token"] = TOKEN
        card = render_to_string(FRAGMENT, shared)
        if len(_rendered) > 2000:
            _rendered.clear()
        _rendered[key] = card
    fills = {NICKNAME: escape(seat["nickname"]), REJOIN: escape(seat["rejoin_code"]), NOTICE: escape(notice)}
    if standing:
        fills |= {POINTS: str(standing["points"]), RIGHT: str(standing["right"]), RANK: str(standing["rank"])}
    if TOKEN in card:
        fills[TOKEN] = token()
    for slot, value in fills.items():
        card = card.replace(slot, value)
    return card
