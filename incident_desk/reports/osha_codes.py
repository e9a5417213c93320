"""Every OSHA code and limit Incident Desk uses, in one table so it is easy to check and correct.

Sources: OSHA Forms 300, 300A and 301 and the public descriptions of the Injury Tracking
Application (ITA) CSV upload. The ITA codes and field limits below have not all been checked
against OSHA's current data dictionary (marked UNVERIFIED); correct them here and every export,
form and validation follows.
"""

from __future__ import annotations

from dataclasses import dataclass

# 29 CFR 1904.7(b)(3)(v) and (b)(4)(iii): day counts stop at 180.
DAY_CAP = 180


@dataclass(frozen=True)
class Code:
    key: str  # what Incident Desk stores (Person.osha_outcome / osha_case_type)
    column: str  # the Form 300 column
    ita: str  # the ITA CSV value
    label: str


# Most serious outcome: Form 300 columns G–J; ITA incident_outcome (UNVERIFIED codes 1–4).
OUTCOMES: tuple[Code, ...] = (
    Code("death", "G", "1", "Death"),
    Code("days_away", "H", "2", "Days away from work"),
    Code("restricted", "I", "3", "Job transfer or restriction"),
    Code("other", "J", "4", "Other recordable case"),
)
# Injury or illness type: Form 300 column M (1)–(6); ITA type_of_incident (UNVERIFIED codes 1–6).
CASE_TYPES: tuple[Code, ...] = (
    Code("injury", "1", "1", "Injury"),
    Code("skin_disorder", "2", "2", "Skin disorder"),
    Code("respiratory", "3", "3", "Respiratory condition"),
    Code("poisoning", "4", "4", "Poisoning"),
    Code("hearing_loss", "5", "5", "Hearing loss"),
    Code("other_illness", "6", "6", "All other illnesses"),
)
# Other spellings found in stored data, mapped to the keys above.
ALIASES = {
    "death": "death",
    "fatality": "death",
    "g": "death",
    "days_away": "days_away",
    "days away": "days_away",
    "dafw": "days_away",
    "h": "days_away",
    "restricted": "restricted",
    "job_transfer": "restricted",
    "transfer": "restricted",
    "djtr": "restricted",
    "restriction": "restricted",
    "i": "restricted",
    "other": "other",
    "other_recordable": "other",
    "j": "other",
    "injury": "injury",
    "skin": "skin_disorder",
    "skin_disorder": "skin_disorder",
    "respiratory": "respiratory",
    "respiratory_condition": "respiratory",
    "poisoning": "poisoning",
    "hearing": "hearing_loss",
    "hearing_loss": "hearing_loss",
    "other_illness": "other_illness",
    "illness": "other_illness",
    "all_other_illnesses": "other_illness",
}

# ITA summary file: establishment size from the peak head count (codes 1, 21, 22, 3; UNVERIFIED).
SIZE_BANDS: tuple[tuple[int, int | None, str], ...] = (
    (0, 19, "1"),
    (20, 99, "21"),
    (100, 249, "22"),
    (250, None, "3"),
)
ESTABLISHMENT_TYPES = {1: "Private industry", 2: "State government", 3: "Local government"}
# no_injuries_illnesses (UNVERIFIED): 1 = the establishment had cases this year, 2 = it had none.
HAD_CASES, NO_CASES = "1", "2"

# ITA case file (UNVERIFIED): facility types, yes/no flags, date and time formats.
TREATMENT_FACILITY_TYPES = {
    "": "",
    "emergency_room": "0",
    "hospital": "1",
    "clinic": "2",
    "urgent_care": "2",
    "physician": "2",
    "onsite": "3",
    "on_site": "3",
    "other": "4",
}
YES, NO = "1", "0"
SEX_CODES = {"M": "M", "F": "F", "X": "X", "": ""}
DATE_FORMAT = "%m/%d/%Y"
TIME_FORMAT = "%H:%M"

# Characters OSHA's ITA rejects in names and addresses.
REJECTED_CHARACTERS = set("()~@#$%^&*?/\\!")

# Field length limits (the summary-file ones are published; the case-file ones UNVERIFIED).
MAX_LENGTH = {
    "establishment_name": 100,
    "company_name": 100,
    "street_address": 100,
    "city": 100,
    "industry_description": 300,
    "change_reason": 500,
    "case_number": 20,
    "job_title": 100,
    "incident_location": 100,
    "incident_description": 1000,
    "nar_before_incident": 1000,
    "nar_what_happened": 1000,
    "nar_injury_illness": 1000,
    "nar_object_substance": 1000,
}

US_STATES = frozenset(
    [
        "AL",
        "AK",
        "AZ",
        "AR",
        "CA",
        "CO",
        "CT",
        "DE",
        "DC",
        "FL",
        "GA",
        "HI",
        "ID",
        "IL",
        "IN",
        "IA",
        "KS",
        "KY",
        "LA",
        "ME",
        "MD",
        "MA",
        "MI",
        "MN",
        "MS",
        "MO",
        "MT",
        "NE",
        "NV",
        "NH",
        "NJ",
        "NM",
        "NY",
        "NC",
        "ND",
        "OH",
        "OK",
        "OR",
        "PA",
        "RI",
        "SC",
        "SD",
        "TN",
        "TX",
        "UT",
        "VT",
        "VA",
        "WA",
        "WV",
        "WI",
        "WY",
        "AS",
        "GU",
        "MP",
        "PR",
        "VI",
        "UM",
    ]
)

SUMMARY_COLUMNS = (
    "establishment_name",
    "ein",
    "company_name",
    "street_address",
    "city",
    "state",
    "zip",
    "naics_code",
    "industry_description",
    "size",
    "establishment_type",
    "year_filing_for",
    "annual_average_employees",
    "total_hours_worked",
    "no_injuries_illnesses",
    "total_deaths",
    "total_dafw_cases",
    "total_djtr_cases",
    "total_other_cases",
    "total_dafw_days",
    "total_djtr_days",
    "total_injuries",
    "total_skin_disorders",
    "total_respiratory_conditions",
    "total_poisonings",
    "total_hearing_loss",
    "total_other_illnesses",
    "change_reason",
)
CASE_COLUMNS = (
    "establishment_name",
    "year_of_filing",
    "case_number",
    "job_title",
    "date_of_incident",
    "incident_location",
    "incident_description",
    "incident_outcome",
    "dafw_num_away",
    "djtr_num_tr",
    "type_of_incident",
    "date_of_birth",
    "date_of_hire",
    "sex",
    "treatment_facility_type",
    "treatment_in_patient",
    "time_started_work",
    "time_of_incident",
    "time_unknown",
    "nar_before_incident",
    "nar_what_happened",
    "nar_injury_illness",
    "nar_object_substance",
    "date_of_death",
)

OUTCOME_BY_KEY = {c.key: c for c in OUTCOMES}
CASE_TYPE_BY_KEY = {c.key: c for c in CASE_TYPES}


def outcome(value: str | None) -> Code | None:
    return OUTCOME_BY_KEY.get(ALIASES.get((value or "").strip().lower(), ""))


def case_type(value: str | None) -> Code | None:
    return CASE_TYPE_BY_KEY.get(ALIASES.get((value or "").strip().lower(), ""))


def size_code(peak_employees: int) -> str:
    for low, high, code in SIZE_BANDS:
        if peak_employees >= low and (high is None or peak_employees <= high):
            return code
    return SIZE_BANDS[0][2]


def capped(days: int | None) -> int:
    return max(0, min(DAY_CAP, int(days or 0)))
