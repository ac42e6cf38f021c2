"""Extensions, created unbound; :func:`eventapp.create_app` binds them with ``init_app``."""
from functools import wraps

from flask import Flask, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from eventapp.core.models import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def init_except_door_api(app: Flask, init) -> None:
    """Run an extension's ``init(app)``; the request hooks it adds then skip the door API.

    Hooks run on every request, and on a door scan they are a share of its time worth saving
    when they have nothing to do there: Flask-Limiter's (the API is exempt from limits, yet its
    hooks still work out each request's limits) and Flask-Login's (it refreshes remember-me
    cookies, which eventapp never issues).
    """
    hooks = (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs)
    before = [list(funcs.get(None, [])) for funcs in hooks]
    init(app)
    for funcs, known, returns_response in zip(hooks, before, (False, True, False)):
        funcs[None] = [f if f in known else _unless_door_api(f, returns_response) for f in funcs.get(None, [])]


def _unless_door_api(hook, returns_response: bool):
    @wraps(hook)
    def wrapped(*args):
        if request.blueprint == "api":
            return args[0] if returns_response else None
        return hook(*args)

    return wrapped
