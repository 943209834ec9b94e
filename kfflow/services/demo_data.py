"""The region's own material for the demo: seed 003 (final report) and seed 001 (long-term plan)."""

# (title, category, working group, state after decision) — the 25 measures the steering group decided.
DECIDED_MEASURES = [
    ("Karriärmodeller, fortsatt arbete", "retain", "Övrigt", "decided"),
    ("Forskningsmöjligheter för sjuksköterskor", "retain", "Utbildning", "decided"),
    ("Generösare utbildningsförmåner vid vidareutbildningar", "retain", "Löner och förmåner", "implemented"),
    ("Enkät till deltidsarbetande om utökad sysselsättningsgrad", "retain", "Tillfälliga resursförstärkningar", "implemented"),
    ("Regler för distansarbete, revidering", "retain", "Co-working och regionala arbetshubbar", "decided"),
    ("Pilotprojekt kontorslösningar", "retain", "Co-working och regionala arbetshubbar", "decided"),
    ("Enkät till äldre medarbetare", "retain", "Tillfälliga resursförstärkningar", "implemented"),
    ("Chefers förutsättningar, stärkt arbete", "retain", "Chef och ledarskap", "decided"),
    ("Förlängning av tillfälliga resursförstärkningar inom vårdnära service", "recruit", "Rätt använd kompetens", "decided"),
    ("Chefer i kliniskt arbete, utredning", "recruit", "Chef och ledarskap", "decided"),
    ("Se över samordningsbehov BT-läkare", "recruit", "Utbildning", "decided"),
    ("Övernattningsmöjlighet pendlare vårdpersonal, utreda", "recruit", "Löner och förmåner", "decided"),
    ("Enkät om tillfälliga förflyttningar vid tillfälliga arbetsanhopningar", "recruit", "Tillfälliga resursförstärkningar", "implemented"),
    ("Utreda ytterligare förmåner (tex fria bussresor, sjukvård, måltider, mm)", "recruit", "Löner och förmåner", "decided"),
    ("Förmånsportal, införande", "recruit", "Löner och förmåner", "evaluated"),
    ("Säkerställa hub-möjlighet i alla länets kommuner", "recruit", "Co-working och regionala arbetshubbar", "decided"),
    ("10 extra tjänster inom vårdnära service", "develop", "Rätt använd kompetens", "evaluated"),
    ("Nattransportörer via regionservice inom vissa områden i slutenvården", "develop", "Rätt använd kompetens", "decided"),
    ("Tillitsbaserad styrning och ledning", "develop", "Chef och ledarskap", "decided"),
    ("Beslutsprocess regionservice tjänster", "develop", "Övrigt", "decided"),
    ("Översyn Cosmic förvaltningsorganisation", "develop", "Teknisk utveckling", "decided"),
    ("Ökad kapacitet, drift och användarstöd, basutbud IT", "develop", "Teknisk utveckling", "decided"),
    ("Ökad takt i automatisering och robotisering", "develop", "Teknisk utveckling", "decided"),
    ("RAK (rätt använd kompetens)", "develop", "Rätt använd kompetens", "decided"),
    ("Fler e-besök inom hälso- och sjukvården", "develop", "Teknisk utveckling", "decided"),
]

EVALUATIONS = {
    "Förmånsportal, införande": ("Förmånsportalen är upphandlad, implementerad och i drift.", "achieved"),
    "10 extra tjänster inom vårdnära service": (
        "Utökat antal platser vid vårdnära service har utvärderats; ny utvärdering görs inför nytt beslut.", "partly"),
}

# Seed 001: the activities of the long-term plan, with their owner unit and status.
PLAN_ACTIVITIES = [
    ("Sommarplanering", "Vidta åtgärder för att säkerställa bemanning under semesterperioden.", "HSD och DC",
     "Arbetet pågår. Beslut om sommarersättningar klart/nästan klart. Alla pass ännu ej bemannade."),
    ("Införande två helger av fem", "24/7 verksamhet ska införa helgtjänstgöring två helger av fem.", "HSD och DC",
     "Infört delvis men flera enheter kvarstår."),
    ("Omställning nära vård", "Innebär att en större del av arbetet blir med förebyggande arbete och att tillse god "
     "planering av insatser med patienter.", "HSD och DC",
     "Långsiktigt arbete med många aktiviteter, mycket samverkan mellan olika delar av vården i region och kommuner."),
    ("Ökad kontinuitet", "Arbetet med personcentrerad vård och ökad kontinuitet blir effektivare för vården och "
     "patienterna. Fast vårdkontakt och fast läkare i primärvården.", "HSD och DC",
     "Långsiktigt arbete med många aktiviteter. Fast läkare underlättas av att det finns fast anställda läkare."),
    ("Karriärvägar", "Införande av karriärvägar som bidrar till möjligheten att utvecklas i sin yrkesroll och "
     "stärker regionen som en attraktiv arbetsgivare.", "HSD och DC",
     "Arbetsgrupper är startade, arbetet med införandet drivs i projektform."),
    ("Ledningssjuksköterskor", "Skapa utrymme för ledningssjuksköterskor att arbeta i sin roll.", "HSD och DC",
     "Bristen på sjuksköterskor innebär att det är svårt att få tid till uppdraget då patienternas direkta "
     "vårdbehov går före."),
    ("Teamarbete", "Utveckla teamarbetet. Personcentrerat arbetssätt som möter individens behov och innebär en "
     "ökad effektivitet.", "HSD och DC",
     "Påbörjat framförallt i öppenvården, behov av att utvecklas mer även i slutenvården."),
    ("Kvalitetsutveckling på enhetsnivå", "Medarbetardriven och verksamhetsspecifik kvalitetsutveckling på varje "
     "enhet utifrån behov för att förbättra och effektivisera i den egna verksamheten.", "HSD och DC",
     "Infört på akutmottagningen, många enheter är intresserade av scheman med tid för utveckling."),
    ("Kompetensutveckling – utbildningsplatser och fortbildning", "Satsningar på kompetensutveckling, fler "
     "ST-tjänster och fler lokala utbildningsplatser för framförallt sjuksköterskor och specialistutbildningar.",
     "RD, HSD och DC", "Dialoger med MIUN om utbildningsplatser. Planering för ST-tjänster med viss utökning."),
    ("Arbetsmiljö", "Arbetsmiljöbefrämjande åtgärder utifrån behov.", "HSD och DC",
     "Systematiskt arbetsmiljöarbete bedrivs men förstärks genom det tillitsbaserade ledarskapet."),
    ("Kommunikation och information", "Viktigt att säkerställa en god kommunikation och informationsspridning i "
     "organisationen.", "HSD och DC", "Kommunicering av pågående åtgärder kopplat till bemanning."),
]

PLAN_NAME = "Långsiktig plan för personal- och kompetensförsörjning inom hälso- och sjukvården"

# Seed 003: "Vad är gjort? / Vad pågår? / Vad finns planerat?" per working group, reported on one measure each.
PROGRESS = {
    "RAK (rätt använd kompetens)": (
        "Dialog med HR angående rekrytering av undersköterskor. Utökat antal platser vid vårdnära service.",
        "Genombrottsarbeten med 8 team med fokus på RAK, teamarbete och Nära vård.",
        "Fortsatt arbete med genombrott."),
    "Utreda ytterligare förmåner (tex fria bussresor, sjukvård, måltider, mm)": (
        "Ledighetsförmåner i samband med utbildning reviderade. Förmånsportal upphandlad och i drift.",
        "Utreda förutsättningar kring fri frukost/lunch, frukt, sjukvård, resa på arbetstid.",
        "Utreda enkelt boende för övernattning för sjuksköterskor nära sjukhuset."),
    "Chefers förutsättningar, stärkt arbete": (
        "Enkät framtagen som underlag till skyddsrond för chefers arbetsmiljö. Chefsutbildning via e-learning.",
        "Skyddsrond för chefers arbetsmiljö. Risk- och konsekvensanalys av chefers kliniska arbete.",
        "Upphandling av extern utbildning i Utvecklande ledarskap."),
    "Fler e-besök inom hälso- och sjukvården": (
        "Molntjänst för digital optikerremiss och uppföljning ambulans införd.",
        "Breddinförande av e-besök, taligenkänning och webbtidbok i syfte att frigöra tid.",
        "Utrullning av bild-appen CIMA i mobiltelefon."),
    "Se över samordningsbehov BT-läkare": (
        "Kartlagt regionens förutsättningar för att ta emot studenter, elever och medarbetare under utbildning.",
        "Implementering av utbildningsorganisation för ST- och BT-läkare.",
        "Kliniska utbildningsmottagningar i primärvården startar HT-23."),
    "Regler för distansarbete, revidering": (
        "Regelbundna möten om co-working, arbetshubbar och regelverk för distansarbete.",
        "Konkretisering av tre insatsområden och förslag till pilotprojekt.",
        "Revideringen av regelverket lyfts till regiondirektörens ledningsgrupp."),
}

DEMO_USERS = [
    # username, role, display name, e-mail
    ("anna", "contributor", "Anna Lindqvist", "anna@example.org"),
    ("olle", "owner", "Olle Berg", "olle@example.org"),
    ("rolf", "council", "Rolf Nilsson", "rolf@example.org"),
    ("stina", "steering", "Stina Holm", "stina@example.org"),
    ("rut", "registrar", "Rut Ek", "rut@example.org"),
    ("admin", "admin", "Adam Admin", "admin@example.org"),
]

BODIES = [
    ("Regionstyrelsen", "board", True),
    ("Hälso- och sjukvårdsnämnden", "committee", True),
    ("Styrgrupp särskild ledning kompetensförsörjning", "steering", True),
    ("Kompetensförsörjningsråd", "council", False),
    ("HR-avdelningen", "department", False),
    ("HSD och DC", "unit", False),
    ("RD, HSD och DC", "unit", False),
]

SAMPLE_AUDIT = {
    "name": "Fördjupad granskning", "number": "7/2022", "subject": "Strategisk kompetensförsörjning",
    "diarienummer": "RS/1187/2022", "addressee": "Regionens revisorer",
    "signatories": [{"name": "Maria Exempel (S)", "title": "Ordförande"},
                    {"name": "Per Exempel", "title": "Regiondirektör"}],
}

# Recommendations of our own making, in the auditors' style.
SAMPLE_RECOMMENDATIONS = [
    ("Regionstyrelsen bör säkerställa ett fortsatt fokus på arbetet med personalförsörjning efter att den "
     "extraordinära styrningen upphör.",
     "Arbetet övergår till HR-avdelningen från och med juli 2023. Ett kompetensförsörjningsråd återupptas under "
     "ledning av HR-direktören.", ["RAK (rätt använd kompetens)", "Karriärmodeller, fortsatt arbete"]),
    ("Regionstyrelsen bör verka för en långsiktig finansiering som möjliggör en fortsättning av pågående arbete.",
     "Finansieringen av arbetet prövas i regionens ordinarie budgetprocess.", []),
    ("Regionstyrelsen bör säkerställa att beslutade åtgärder följs upp och att deras effekt mäts.",
     "Varje beslutad åtgärd får ett mätetal och utvärderas av styrgruppen.", ["Förmånsportal, införande"]),
    ("Regionstyrelsen bör säkerställa att beslutsärenden från kompetensförsörjningsrådet lyfts till ett organ "
     "med beslutsmandat.", "En beslutsordning för rådet tas fram så att dess förslag går till styrgruppen.",
     ["Beslutsordning för kompetensförsörjningsrådet"]),
]

# The follow-up of the sample audit shows every flag: recommendation 1 promises the late measure below, 2 takes
# no measure (this reason), and the measure promised for 4 is proposed, then rejected after the answer.
SAMPLE_NO_MEASURE_REASONS = {2: "Ingen särskild åtgärd: finansieringen beslutas i budgetprocessen, inte i programmet."}
LATE_MEASURE = "Strukturerad inskolning inklusive utvärdering"
SAMPLE_LATE_LINK = 1
DROPPED_MEASURE = "Beslutsordning för kompetensförsörjningsrådet"

# An earlier audit, so that recommendation 3 of the sample audit is "återkommande".
EARLIER_AUDIT = {
    "name": "Granskning", "number": "4/2019", "subject": "Personal- och kompetensförsörjning",
    "diarienummer": "RS/612/2019", "addressee": "Regionens revisorer",
}
EARLIER_RECOMMENDATIONS = [
    "Regionstyrelsen bör säkerställa att beslutade åtgärder följs upp och att effekterna av dem mäts och redovisas.",
    "Regionstyrelsen bör ta fram en samlad plan för kompetensförsörjningen med tydliga och uppföljningsbara mål.",
]
EARLIER_ANSWER = "Uppföljningen sker inom den ordinarie verksamhetsplaneringen."
EARLIER_REASON = "Åtgärderna ryms i verksamhetsplanen för 2020; ingen särskild åtgärd beslutas."

# Seed 000: effect that can be ensured. Two indicators with a history on one decided measure; the values are
# invented in the style of the region's HR statistics. (measure, indicator, [(days before today, value, source)])
INDICATORS = [
    ("RAK (rätt använd kompetens)",
     {"name": "Sjukfrånvaro bland sjuksköterskor", "unit": "%", "direction": "lower", "baseline": 7.9,
      "target": 6.5, "frequency_days": 90},
     [(270, 7.8, "HR-systemet, kvartalsuttag"), (180, 7.6, "HR-systemet, kvartalsuttag"),
      (90, 7.3, "HR-systemet, kvartalsuttag"), (10, 7.1, "HR-systemet, kvartalsuttag")]),
    ("RAK (rätt använd kompetens)",
     {"name": "Undersköterskor anställda i vårdnära service", "unit": "antal", "direction": "higher",
      "baseline": 42, "target": 60, "frequency_days": 180},
     [(300, 44, "Bemanningsenheten"), (120, 51, "Bemanningsenheten")]),
]

# The judgement given when the decided measures above were prioritised (workflows/scoring.yaml: 30 of 40).
DECIDED_SCORES = {"effect": 3, "certainty": 3, "cost": 2, "time_to_effect": 2}

# Proposals awaiting the steering group's decision, for the ranked list (/atgarder/rangordning): (title,
# description, category, working group, judgement or None, prioritised?). Two share a score, so the list shows
# how ties fall (by number); a proposal not yet judged stands last.
RANKING_PROPOSALS = [
    ("Utökad användning av digitala skyddsronder",
     "Förslag från arbetsgruppen Teknisk utveckling: digitala skyddsronder kompletterade med praktisk genomgång "
     "av arbetsplatsernas IT-verktyg.", "develop", "Teknisk utveckling",
     {"effect": 3, "certainty": 4, "cost": 1, "time_to_effect": 1}, True),
    ("Mer filmat utbildningsmaterial i KTC",
     "Förslag till KTC att utöka med mer filmat utbildningsmaterial.", "develop", "Utbildning",
     {"effect": 2, "certainty": 3, "cost": 1, "time_to_effect": 1}, True),
    ("Länsgemensam samverkan i kompetensförsörjningsfrågor",
     "Initiativ till utökad länsgemensam samverkan med kommunerna.", "recruit", "Övrigt",
     {"effect": 4, "certainty": 1, "cost": 3, "time_to_effect": 4}, True),
    ("Förankrad bemanningsnorm och prioriteringsordning",
     "En bemanningsnorm per verksamhetsområde, förankrad med fackliga företrädare.", "retain",
     "Tillfälliga resursförstärkningar", {"effect": 2, "certainty": 3, "cost": 1, "time_to_effect": 1}, False),
    ("Heltid som norm i vården",
     "Fler tjänster på heltid och färre delade turer; följs upp med sysselsättningsgrad.", "retain",
     "Arbetsmiljö", {"effect": 4, "certainty": 4, "cost": 3, "time_to_effect": 3}, False),
]
