"""CSRF: every state-changing HTML route refuses a post without a valid token (400).

Built from the URL map, so a new form is checked the day it is added. Only the bearer-token
API under ``/api/`` may be exempt (a script with a token is not a browser with cookies).
"""
from __future__ import annotations

import re

from flask import g

from eventapp.extensions import csrf
from tests import factories
from tests.accounts.test_authorization import URL_ARGUMENTS, make_world, url_for_rule

CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def _is_api(rule) -> bool:
    return rule.rule.startswith("/api/")


def _changing_html_routes(app):
    return [(rule, method) for rule in app.url_map.iter_rules() if not _is_api(rule)
            for method in sorted(rule.methods & CHANGING)]


def _admin_client(app, world):
    client = app.test_client()
    g.pop("_login_user", None)
    response = client.post("/login", data={"email": world.users["admin"].email, "password": factories.PASSWORD})
    assert response.status_code == 302
    return client


def test_only_the_api_is_exempt(app):
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        location = f"{view.__module__}.{view.__name__}"
        blueprint = app.blueprints.get(rule.endpoint.rpartition(".")[0])
        exempt = location in csrf._exempt_views or (blueprint is not None and blueprint in csrf._exempt_blueprints)
        assert not exempt or _is_api(rule), f"{rule.rule} is exempt from CSRF but is not under /api/"


def test_every_changing_route_refuses_a_post_without_token(app):
    assert URL_ARGUMENTS  # the same URL arguments as the authorization test
    world = make_world()
    client = _admin_client(app, world)
    app.config["WTF_CSRF_ENABLED"] = True
    routes = _changing_html_routes(app)
    assert any(rule.endpoint == "auth.logout" for rule, _ in routes)
    wrong = []
    for rule, method in routes:
        url = url_for_rule(rule, world)
        for data in ({}, {"csrf_token": "forged"}):
            g.pop("_login_user", None)
            response = client.open(url, method=method, data=data)
            if response.status_code != 400:
                wrong.append(f"{method} {url} with {data or 'no token'}: {response.status_code}")
    assert wrong == [], "\n".join(wrong)
    # Still signed in: none of these posts did anything (logout included).
    g.pop("_login_user", None)
    assert client.get("/").status_code == 200


def test_a_post_with_the_page_token_goes_through(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    factories.make_user(email="awa.traore@example.org")
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or \
        re.search(r'name="csrf_token" value="([^"]+)"', page)
    response = client.post("/login", data={"email": "awa.traore@example.org", "password": factories.PASSWORD,
                                           "csrf_token": token.group(1)})
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "csrf_token" in page  # the sign-out and language forms carry it
