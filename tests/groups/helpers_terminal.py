"""Signing a test client in as a class's terminal (班级一体机)."""

from __future__ import annotations

from django.urls import reverse

from groups import terminal


def terminal_client(client, school_class, staff):
    """Turns the class's terminal on (by ``staff``, its homeroom teacher) and signs ``client``
    in with the code; returns the client and the code."""
    code = terminal.turn_on(school_class, staff)
    response = client.post(reverse("groups:terminal_signin"), {"code": code})
    assert response.status_code == 302, response
    return client, code
