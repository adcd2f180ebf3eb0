"""The text on a Textual app's screen, as a person would read it (no styles)."""
from __future__ import annotations


def screen_text(app) -> str:
    return "\n".join(strip.text.rstrip() for strip in app.screen._compositor.render_strips())
