"""Demo organisation: sites with establishment details, locations, customers and one account per role."""

from __future__ import annotations

from sqlalchemy import select

from incident_desk.demo.context import DemoContext
from incident_desk.org.models import Customer, IncidentType, Location, Organisation, SeverityLevel, Site
from incident_desk.users import service as users
from incident_desk.users.models import User
from incident_desk.users.roles import Role

SITES = [
    # name, code, street, city, state, zip, naics, industry, tz, locations
    ("Riverside Plant", "RVP", "1200 River Road", "Dayton", "OH", "45402", "332312",
     "Fabricated structural metal manufacturing", "America/New_York",
     ["Fabrication shop", "Paint line", "Loading bay", "Warehouse", "Maintenance workshop", "Car park"]),
    ("Northgate Distribution Centre", "NDC", "88 Commerce Parkway", "Joliet", "IL", "60431", "493110",
     "General warehousing and storage", "America/Chicago",
     ["Inbound dock", "High-bay racking", "Pick and pack", "Outbound dock", "Yard", "Battery charging room"]),
    ("Harbour Street Offices", "HSO", "17 Harbour Street", "Boston", "MA", "02110", "541330",
     "Engineering services", "America/New_York",
     ["Reception", "Open-plan office", "Kitchen", "Stairwell", "Server room"]),
    ("Mesa Field Services", "MFS", "4550 E Industrial Ave", "Phoenix", "AZ", "85040", "237130",
     "Power and communication line construction", "America/Phoenix",
     ["Depot", "Vehicle fleet", "Customer site", "Substation", "Training ground"]),
]

CUSTOMERS = ["Atlas Utilities", "Brightwater Foods", "Cobalt Logistics", "Delmar County Council", "Evergreen Retail",
             "Fairview Hospital", "Granite Construction Group", "Horizon Telecom", "Ironbridge Rail", "Juniper Energy"]

# role key, username, full name, roles, password
ACCOUNTS = [
    ("admin", "admin", "Alex Morgan", [Role.ADMIN], "demo-admin-pass"),
    ("officer", "officer", "Sam Okafor", [Role.OFFICER], "demo-officer-pass"),
    ("officer2", "officer2", "Łukasz Żółć", [Role.OFFICER], "demo-officer2-pass"),
    ("manager", "manager", "Priya Raman", [Role.MANAGER], "demo-manager-pass"),
    ("manager2", "manager2", "Zoë Ærø", [Role.MANAGER], "demo-manager2-pass"),
    ("reporter", "reporter", "Jamie Fischer", [Role.REPORTER], "demo-reporter-pass"),
]


def organisation_step(ctx: DemoContext) -> None:
    s = ctx.session
    org = s.get(Organisation, 1)
    assert org is not None
    if not org.name:
        org.name = "Northwind Industrial Group"
        org.company_name = "Northwind Industrial Group, Inc."
        org.ein = "361234567"
        org.timezone = "America/Chicago"
    for name, code, street, city, state, zip_, naics, industry, tz, locations in SITES:
        site = s.scalars(select(Site).where(Site.name == name)).first()
        if site is None:
            site = Site(name=name, code=code, street=street, city=city, state=state, zip=zip_, naics_code=naics,
                        industry_description=industry, timezone=tz, establishment_type=1)
            s.add(site)
            s.flush()
        existing = {loc.name for loc in site.locations}
        for loc in locations:
            if loc not in existing:
                s.add(Location(site_id=site.id, name=loc))
        s.flush()
        ctx.site_ids.append(site.id)
        ctx.locations_by_site[site.id] = list(s.scalars(select(Location.id).where(Location.site_id == site.id)))
    for name in CUSTOMERS:
        cust = s.scalars(select(Customer).where(Customer.name == name)).first()
        if cust is None:
            cust = Customer(name=name)
            s.add(cust)
            s.flush()
        ctx.customer_ids.append(cust.id)
    ctx.severity_ids = {sev.name: sev.id for sev in s.scalars(select(SeverityLevel).where(SeverityLevel.active))}
    ctx.type_ids = {t.code: t.id for t in s.scalars(select(IncidentType).where(IncidentType.active))}


def accounts_step(ctx: DemoContext) -> None:
    s = ctx.session
    accounts = {}
    for key, username, full_name, roles, password in ACCOUNTS:
        user = users.by_username(s, username)
        if user is None:
            user = users.create_user(s, ctx.actor, username=username, full_name=full_name, password=password,
                                     roles=[r.value for r in roles], email=f"{username}@northwind.example",
                                     job_title=roles[0].label)
        ctx.users[key] = user.id
        accounts[username] = (", ".join(r.label for r in roles), password)
    ctx.extra["accounts"] = accounts
    ctx.extra["user_names"] = {u.id: u.full_name for u in s.scalars(select(User))}


STEPS = [("organisation", organisation_step), ("accounts", accounts_step)]
