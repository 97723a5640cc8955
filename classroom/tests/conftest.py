import pytest

from classroom import live

from .factories import class_with_questions


@pytest.fixture
def room(db):
    """A class of three frozen questions in its lobby."""
    return class_with_questions(3)


@pytest.fixture
def open_room(room):
    """The same class with question 1 open."""
    return live.advance(room, "start", version=room.version)
