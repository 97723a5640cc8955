"""Right and wrong answers for any question, as a learner would post them (read from today's key)."""

from quizzes import kinds


def key_of(question) -> dict:
    kinds.load([question])
    return kinds.snapshot(question)["key"]


def right_answer_data(question) -> dict:
    key = key_of(question)
    return key.get("cells", key)


def wrong_answer_data(question) -> dict:
    """Any answer other than the key: a different choice, or every cell flipped."""
    key = key_of(question)
    if "cells" in key:
        return {name: ("Customer" if owner != "Customer" else "AWS") for name, owner in key["cells"].items()}
    values = [value for value, _ in kinds.present(question).choices]
    if "choices" in key:
        return {"choices": [v for v in values if v not in key["choices"]][:1]}
    return {"choice": next(v for v in values if v != key["choice"])}


def as_answer(data: dict) -> dict:
    """Posted data as record_answer takes it."""
    if "choice" in data or "choices" in data:
        return data
    return {"cells": data}
