"""Incident scenarios the demo draws from: what happened, who was hurt and how, and what was learnt."""

from __future__ import annotations

# type code -> list of scenarios. {loc} is replaced by the location's name.
# injury: (body part, side, nature, OSHA case type) for the injured person, or None.
SCENARIOS: dict[str, list[dict[str, object]]] = {
    "injury": [
        dict(
            title="Slip on wet floor in {loc}",
            object="Wet floor",
            description="Employee slipped on a patch of water near the hand-wash station in the {loc} and fell "
            "onto their left side. The floor had been mopped ten minutes earlier and no wet-floor "
            "sign was in place.",
            actions="First aid given on site; area cordoned off and dried; wet-floor signs placed.",
            injury=("Wrist", "left", "Sprain", "injury"),
            cause="Cleaning schedule overlapped with shift change; no signage at the station.",
            lessons="Move floor cleaning outside shift changes and keep signs at every wash station.",
        ),
        dict(
            title="Hand laceration from box cutter in {loc}",
            object="Fixed-blade box cutter",
            description="While opening a carton with a fixed-blade box cutter the blade slipped and cut the "
            "palm of the right hand. Cut-resistant gloves were not worn.",
            actions="Wound cleaned and dressed by first aider; employee taken to urgent care for stitches.",
            injury=("Hand", "right", "Laceration", "injury"),
            cause="Fixed-blade cutters still in use; gloves not issued at the station.",
            lessons="Replace fixed-blade cutters with self-retracting safety knives; gloves at every bench.",
        ),
        dict(
            title="Fall from stepladder in {loc}",
            object="Stepladder; concrete floor",
            description="Employee overreached from the third step of a stepladder to reach a shelf and fell "
            "approximately 1.2 m onto the concrete floor, striking the right shoulder.",
            actions="Employee kept still until assessed by the first aider; ambulance called; ladder quarantined.",
            injury=("Shoulder", "right", "Fracture", "injury"),
            cause="Ladder too short for the task; overreaching was normal practice.",
            lessons="Provide platform ladders for high shelves; include overreaching in toolbox talks.",
        ),
        dict(
            title="Back strain lifting drum in {loc}",
            object="25 kg drum",
            description="Operator lifted a 25 kg drum from floor level without the drum trolley and felt a "
            "sharp pain in the lower back.",
            actions="Operator rested; referred to occupational health; drum trolley returned to the area.",
            injury=("Lower back", "na", "Strain", "injury"),
            cause="Drum trolley had been borrowed by another team and not returned.",
            lessons="Assign a trolley to each bay and check at shift handover.",
        ),
        dict(
            title="Foot crushed by pallet jack in {loc}",
            object="Powered pallet jack",
            description="A powered pallet jack reversed over the right foot of a picker walking behind it. "
            "Safety boots reduced the injury.",
            actions="First aid with ice; X-ray at the clinic; pallet jack taken out of service for inspection.",
            injury=("Foot", "right", "Contusion", "injury"),
            cause="No separation between pedestrians and powered equipment in the aisle.",
            lessons="Mark pedestrian walkways and fit blue-spot lights to pallet jacks.",
        ),
        dict(
            title="Burn from hot surface in {loc}",
            object="Uninsulated steam pipe",
            description="Maintenance technician touched an uninsulated steam pipe while reaching behind a "
            "valve, causing a burn to the left forearm.",
            actions="Burn cooled under running water for 20 minutes; dressing applied; pipe lagging ordered.",
            injury=("Forearm", "left", "Burn", "injury"),
            cause="Pipe lagging removed during an earlier repair and never replaced.",
            lessons="Close out maintenance work orders only after lagging and guards are refitted.",
        ),
        dict(
            title="Eye injury from metal swarf in {loc}",
            object="Metal swarf blown by compressed air",
            description="A fragment of swarf entered the right eye of a machinist while cleaning a lathe with "
            "compressed air. Safety glasses were pushed up on the forehead.",
            actions="Eye irrigated at the eyewash station; taken to hospital eye department.",
            injury=("Eye", "right", "Foreign body", "injury"),
            cause="Compressed air used for cleaning; glasses not worn during cleaning.",
            lessons="Ban compressed air for cleaning machines; vacuum units supplied.",
        ),
        dict(
            title="Needlestick injury during waste handling in {loc}",
            object="Discarded hypodermic needle",
            description="A cleaner was pricked by a discarded hypodermic needle protruding from a waste bag.",
            actions="Wound encouraged to bleed and washed; employee sent to hospital for assessment.",
            injury=("Finger", "left", "Puncture", "injury"),
            privacy=True,
            cause="Sharps discarded in general waste; no sharps bin available.",
            lessons="Sharps bins installed in all washrooms; cleaners trained in bag handling.",
        ),
    ],
    "illness": [
        dict(
            title="Dermatitis from cutting fluid in {loc}",
            object="Soluble cutting fluid",
            description="Operator reported red, itchy skin on both hands after several weeks handling parts "
            "wet with soluble cutting fluid.",
            actions="Referred to occupational health; nitrile gloves issued; fluid concentration checked.",
            injury=("Hand", "both", "Dermatitis", "skin"),
            cause="Fluid concentration above specification; gloves not part of the task's PPE.",
            lessons="Weekly fluid concentration checks; gloves and barrier cream at each machine.",
        ),
        dict(
            title="Heat exhaustion during outdoor work at {loc}",
            object="High ambient temperature",
            description="Line worker became dizzy and nauseous after four hours of work in 41 °C heat.",
            actions="Moved to shade, cooled and given water; taken to clinic as a precaution.",
            injury=("Body systems", "na", "Heat exhaustion", "other_illness"),
            cause="Work–rest schedule not adjusted for the heat forecast.",
            lessons="Heat-stress plan with mandatory rest breaks above 32 °C.",
        ),
        dict(
            title="Respiratory irritation from paint fumes in {loc}",
            object="Paint solvent vapour",
            description="Two painters reported coughing and sore throats after spraying in the booth while the "
            "extraction fan was off.",
            actions="Work stopped; area ventilated; employees assessed by first aider.",
            injury=("Respiratory system", "na", "Respiratory irritation", "respiratory"),
            cause="Extraction fan interlock bypassed during maintenance.",
            lessons="Interlock bypass needs a permit; spray gun disabled when extraction is off.",
        ),
        dict(
            title="Noise-induced hearing loss identified at {loc}",
            object="Press shop noise",
            description="Annual audiometry showed a standard threshold shift for a press operator.",
            actions="Employee informed; hearing protection fit-tested; noise survey requested.",
            injury=("Ear", "both", "Hearing loss", "hearing_loss"),
            cause="Press shop noise above 90 dB(A); hearing protection worn inconsistently.",
            lessons="Enclose the presses; enforce the hearing protection zone.",
        ),
    ],
    "near_miss": [
        dict(
            title="Unsecured load nearly fell from racking in {loc}",
            description="A pallet on the third level was found overhanging the beam by 20 cm; a carton fell "
            "into the aisle minutes after a picker had passed.",
            actions="Aisle closed; pallet lowered and restacked; racking inspected.",
            cause="Pallet placed by a new driver without beam alignment training.",
            lessons="Put-away training for all new drivers; beam-position markers fitted.",
        ),
        dict(
            title="Forklift and pedestrian near collision at {loc}",
            description="A forklift reversing out of a trailer passed within a metre of a visitor who had "
            "walked into the yard without an escort.",
            actions="Visitor escorted back to reception; yard gate procedure reissued.",
            cause="Visitor route to the yard not marked; escort rule not enforced.",
            lessons="Marked visitor walkway; visitors issued hi-vis and escorted at all times.",
        ),
        dict(
            title="Dropped spanner from elevated platform in {loc}",
            description="A 30 cm spanner fell about 5 m from a mobile elevating work platform and landed near "
            "a colleague.",
            actions="Area below cordoned off; tool lanyards issued to the team.",
            cause="No tool tethering and no exclusion zone below the platform.",
            lessons="Tool lanyards mandatory at height; exclusion zone barriers supplied.",
        ),
        dict(
            title="Gas smell reported near {loc}",
            description="An employee reported a smell of gas near the boiler room door. A loose fitting was "
            "found on the supply line.",
            actions="Gas isolated; building evacuated; engineer tightened the fitting and tested the line.",
            cause="Fitting loosened by vibration; not on the inspection checklist.",
            lessons="Quarterly gas line inspection added to the planned maintenance system.",
        ),
    ],
    "property_damage": [
        dict(
            title="Forklift struck racking upright in {loc}",
            description="A reach truck clipped a racking upright while turning, bending it by approximately "
            "15 mm.",
            actions="Bay unloaded and taken out of use; racking repair contractor called.",
            cause="Turning circle too tight; upright protectors missing.",
            lessons="Upright protectors fitted across the aisle ends; driver refresher training.",
        ),
        dict(
            title="Water damage from burst pipe in {loc}",
            description="A pipe burst overnight and flooded part of the {loc}, damaging stock and flooring.",
            actions="Water isolated; stock moved; insurer notified.",
            cause="Pipe in an unheated void froze during a cold snap.",
            lessons="Lag pipes in unheated voids; low-temperature alarms added.",
        ),
        dict(
            title="Vehicle reversed into bollard at {loc}",
            description="A company van reversed into a steel bollard, damaging the rear door.",
            actions="Vehicle taken out of service for repair; driver statement taken.",
            cause="Reversing camera faulty; no banksman.",
            lessons="Daily vehicle checks include the reversing camera.",
        ),
    ],
    "environmental": [
        dict(
            title="Hydraulic oil spill in {loc}",
            description="About 20 litres of hydraulic oil leaked from a burst hose and reached a surface drain.",
            actions="Spill kit used; drain blocked; environmental contractor called to clean the interceptor.",
            cause="Hose past its replacement date.",
            lessons="Hoses replaced on a fixed schedule; drain covers at every machine.",
        ),
        dict(
            title="Chemical drum leak in {loc}",
            description="A drum of cleaning chemical was found leaking in the store, with a 2 m² pool on the floor.",
            actions="Area ventilated; spill absorbed; drum overpacked.",
            cause="Drum damaged in delivery and not checked on receipt.",
            lessons="Goods-in inspection of chemical deliveries; bunded storage.",
        ),
    ],
    "vehicle": [
        dict(
            title="Rear-end collision on delivery route from {loc}",
            object="Third-party car",
            description="A company truck was struck from behind at traffic lights. The driver reported neck pain.",
            actions="Police attended; driver checked at hospital; vehicle recovered.",
            injury=("Neck", "na", "Whiplash", "injury"),
            cause="Third-party driver inattention.",
            lessons="Defensive driving refresher; dash cameras across the fleet.",
        ),
        dict(
            title="Van tyre blowout on highway near {loc}",
            description="A service van suffered a front tyre blowout at 60 mph; the driver stopped safely.",
            actions="Roadside assistance called; all fleet tyres checked.",
            cause="Tyre under-inflated; pressure checks not recorded.",
            lessons="Weekly tyre pressure checks logged in the vehicle app.",
        ),
    ],
    "security": [
        dict(
            title="Unauthorised person found in {loc}",
            description="A person without a badge was found in the {loc} after tailgating through the staff door.",
            actions="Person escorted off site; door access logs reviewed.",
            cause="Staff door held open for deliveries.",
            lessons="Door alarms when held open; deliveries via the goods-in entrance only.",
        ),
        dict(
            title="Verbal abuse of staff by customer at {loc}",
            description="A customer became aggressive and verbally abused a member of staff at the {loc}.",
            actions="Supervisor intervened; customer asked to leave; staff member offered support.",
            cause="Long waiting time; no de-escalation training.",
            lessons="De-escalation training for front-line staff; queue information displayed.",
        ),
    ],
    "other": [
        dict(
            title="Fire alarm activation in {loc}",
            description="Fire alarm activated by smoke from burnt toast in the {loc}; building evacuated in "
            "four minutes.",
            actions="Fire service attended and confirmed false alarm; roll call completed.",
            cause="Toaster used directly under a smoke detector.",
            lessons="Toaster moved; heat detector fitted in the kitchen.",
        ),
    ],
}

FIRST_NAMES = [
    "Maria",
    "James",
    "Aisha",
    "Tom",
    "Chen",
    "Olga",
    "Diego",
    "Fatima",
    "Liam",
    "Grace",
    "Kenji",
    "Amara",
    "Noah",
    "Sofia",
    "Mateo",
    "Hannah",
    "Ravi",
    "Elena",
    "Kwame",
    "Ingrid",
    "Zoë",
    "Łukasz",
    "Παναγιώτης",
    "李",
    "José",
    "Siobhán",
    "Björn",
    "Nguyễn",
]
LAST_NAMES = [
    "Garcia",
    "O'Brien",
    "Nakamura",
    "Kowalski",
    "Smith",
    "Ivanova",
    "Okafor",
    "Hernández",
    "Müller",
    "Patel",
    "Johansson",
    "Dubois",
    "Ærø",
    "Żółć",
    "Παπαδόπουλος",
    "雷",
    "Nguyen",
    "Mensah",
    "Rossi",
    "Fitzgerald",
    "D'Angelo",
    "Andersen",
]
JOB_TITLES = [
    "Machine operator",
    "Warehouse operative",
    "Forklift driver",
    "Maintenance technician",
    "Line worker",
    "Painter",
    "Picker",
    "Supervisor",
    "Electrician",
    "Cleaner",
    "Driver",
    "Administrator",
    "Engineer",
    "Welder",
]
