"""Light, dark or system theme for the whole app, and the per-user preferences kept in QSettings.

Preferences belong to the person at this computer, not to the database, so they live in
QSettings under ``preferences/``. Screens read them through ``preference()``.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

THEMES = {"system": "Same as the system", "light": "Light", "dark": "Dark"}
DEFAULTS: dict[str, Any] = {
    "theme": "system",
    # Default filters the incident list starts with.
    "filter_open_only": False,
    "filter_mine_only": False,
    "filter_site_id": 0,  # 0 = all sites
    "filter_period_days": 0,  # 0 = any time
}
PERIODS = {0: "Any time", 30: "Last 30 days", 90: "Last 90 days", 365: "Last 12 months"}

_base_style: str | None = None


def preference(key: str) -> Any:
    default = DEFAULTS[key]
    value = QSettings().value(f"preferences/{key}", default)
    if isinstance(default, bool):
        return value in (True, "true", "1", 1)
    if isinstance(default, int):
        try:
            return int(value)
        except (TypeError, ValueError):
            return default
    return value if value is not None else default


def set_preference(key: str, value: Any) -> None:
    if key not in DEFAULTS:
        raise KeyError(f"unknown preference {key!r}")
    QSettings().setValue(f"preferences/{key}", value)


def dark_palette() -> QPalette:
    p = QPalette()
    window, base, text = QColor("#1f2328"), QColor("#16191d"), QColor("#e6e9ed")
    button, mid, accent = QColor("#2a2f36"), QColor("#3a414a"), QColor("#4f8fd6")
    roles = QPalette.ColorRole
    for role, colour in (
        (roles.Window, window),
        (roles.WindowText, text),
        (roles.Base, base),
        (roles.AlternateBase, button),
        (roles.ToolTipBase, button),
        (roles.ToolTipText, text),
        (roles.PlaceholderText, QColor("#8a939e")),
        (roles.Text, text),
        (roles.Button, button),
        (roles.ButtonText, text),
        (roles.BrightText, QColor("#ff6b6b")),
        (roles.Light, QColor("#454c56")),
        (roles.Midlight, mid),
        (roles.Mid, QColor("#30363d")),
        (roles.Dark, QColor("#111417")),
        (roles.Shadow, QColor("#000000")),
        (roles.Highlight, accent),
        (roles.HighlightedText, QColor("#ffffff")),
        (roles.Link, QColor("#79b8ff")),
        (roles.LinkVisited, QColor("#b392f0")),
    ):
        p.setColor(role, colour)
    disabled = QPalette.ColorGroup.Disabled
    for role in (roles.Text, roles.WindowText, roles.ButtonText):
        p.setColor(disabled, role, QColor("#6b737d"))
    return p


def light_palette() -> QPalette:
    p = QPalette()
    roles = QPalette.ColorRole
    for role, colour in (
        (roles.Window, QColor("#f3f4f6")),
        (roles.WindowText, QColor("#1d2127")),
        (roles.Base, QColor("#ffffff")),
        (roles.AlternateBase, QColor("#f5f7fa")),
        (roles.ToolTipBase, QColor("#ffffe1")),
        (roles.ToolTipText, QColor("#1d2127")),
        (roles.Text, QColor("#1d2127")),
        (roles.Button, QColor("#eceef1")),
        (roles.ButtonText, QColor("#1d2127")),
        (roles.Light, QColor("#ffffff")),
        (roles.Midlight, QColor("#e3e6ea")),
        (roles.Mid, QColor("#c4c9d0")),
        (roles.Dark, QColor("#9aa2ad")),
        (roles.Highlight, QColor("#1f5f99")),
        (roles.HighlightedText, QColor("#ffffff")),
        (roles.Link, QColor("#1f5f99")),
        (roles.PlaceholderText, QColor("#7b8490")),
    ):
        p.setColor(role, colour)
    # setColor(role, …) sets every colour group; disabled widgets must still look disabled.
    disabled = QPalette.ColorGroup.Disabled
    for role in (roles.WindowText, roles.Text, roles.ButtonText):
        p.setColor(disabled, role, QColor("#9aa2ad"))
    p.setColor(disabled, roles.Base, QColor("#f3f4f6"))
    p.setColor(disabled, roles.Highlight, QColor("#c4c9d0"))
    return p


def system_is_dark(app: QApplication) -> bool:
    try:
        return app.styleHints().colorScheme() == Qt.ColorScheme.Dark
    except AttributeError:  # Qt before 6.5
        return app.palette().color(QPalette.ColorRole.Window).lightness() < 128


def apply_theme(theme: str | None = None, app: QApplication | None = None) -> str:
    """Apply ``theme`` (or the saved preference) to the app; returns the effective "light" or "dark"."""
    global _base_style
    app = app or QApplication.instance()  # type: ignore[assignment]
    if not isinstance(app, QApplication):
        return "light"
    theme = theme or str(preference("theme"))
    if theme not in THEMES:
        theme = "system"
    if _base_style is None:
        _base_style = app.style().name()
    effective = theme if theme != "system" else ("dark" if system_is_dark(app) else "light")
    # Fusion draws palettes faithfully on every platform, so both themes look the same everywhere.
    fusion = QStyleFactory.create("Fusion")
    if fusion is not None:
        app.setStyle(fusion)
    app.setPalette(dark_palette() if effective == "dark" else light_palette())
    app.setProperty("incident_desk_theme", effective)
    return effective
