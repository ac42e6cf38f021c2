"""The domain: plain arguments in, models or dataclasses out.

Services never touch ``request``, ``session``, ``flash``, ``url_for`` or ``g``; views, the CLI
and the API all call them. A service that refuses raises :class:`ValidationError`, which
carries messages per field and changes nothing.
"""
