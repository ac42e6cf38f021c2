"""Helpers shared by the tests that talk to the door's JSON API: an event, a paired station,
its bearer header, and a JSON POST."""
from __future__ import annotations

import json

import pytest

from eventapp.door import stations as station_service
from tests import factories


@pytest.fixture
def event(app):
    """An event of the factories' defaults."""
    return factories.make_event()


@pytest.fixture
def station(event):
    """A station of ``event``, as issued (its ``token`` is the bearer token)."""
    return station_service.create_station(event, "Gate A")


def bearer(issued) -> dict[str, str]:
    """The Authorization header of an issued station."""
    return {"Authorization": f"Bearer {issued.token}"}


def post_json(client, url, body, headers=None):
    """POST ``body`` (a value, or JSON text as it is) as application/json."""
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(url, data=data, content_type="application/json", headers=headers or {})
