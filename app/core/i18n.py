"""Translation for messages raised below the web layer (services, importers).

Pages show them in the user's language, the API in the Accept-Language one (English by
default), the CLI in English. Outside an app context the English text is returned as is.
"""
from __future__ import annotations

from typing import Any

from flask import has_app_context


def _(text: str, /, **values: Any) -> str:
    """gettext with %(name)s placeholders, safe anywhere."""
    if has_app_context():
        from flask_babel import gettext
        return gettext(text, **values)
    return text % values if values else text


def lang() -> str:
    if has_app_context():
        from flask_babel import get_locale
        locale = get_locale()
        return locale.language if locale else "en"
    return "en"
