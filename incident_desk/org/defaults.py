"""The reference data a new database starts with; every item can be changed afterwards."""

from __future__ import annotations

DEFAULT_SEVERITIES = (
    # name, rank, colour, description
    ("Critical", 1, "#b71c1c", "Fatality, permanent disability, or a risk of either; stop work."),
    ("Urgent", 2, "#e65100", "Lost-time injury, hospital treatment, or major damage or exposure."),
    ("Major", 3, "#f9a825", "Medical treatment beyond first aid, restricted work, or significant damage."),
    ("Minor", 4, "#2e7d32", "First aid only, a near miss with low potential, or minor damage."),
)

DEFAULT_TYPES = (
    ("injury", "Injury"),
    ("illness", "Illness"),
    ("near_miss", "Near miss"),
    ("property_damage", "Property damage"),
    ("environmental", "Environmental"),
    ("vehicle", "Vehicle"),
    ("security", "Security"),
    ("other", "Other"),
)

H = 60
D = 24 * H
# Minutes: acknowledge, assess, sign off, resolve — per default severity.
DEFAULT_SLAS = {
    "Critical": (1 * H, 4 * H, 8 * H, 2 * D),
    "Urgent": (4 * H, 1 * D, 2 * D, 7 * D),
    "Major": (1 * D, 3 * D, 5 * D, 14 * D),
    "Minor": (3 * D, 7 * D, 10 * D, 30 * D),
}
