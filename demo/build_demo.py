"""Writes the bundled demo corpus: two feeds and three earnings calls about AI infrastructure.

The text is fictional and written for hypewatch. Ten weeks of mostly upbeat coverage end in a
week where the tone turns: skepticism and AI-fatigue talk jump, so the demo run raises an alert.
Run it again to regenerate the files (seeded: the output is the same every time).
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone
from email.utils import format_datetime
from html import escape
from pathlib import Path

HERE = Path(__file__).parent
LAST_DAY = date(2026, 11, 25)
DAYS = 70

HYPE = [
    "Orders for Nvidia's newest accelerators are booked out well into next year, according to people familiar with the supply chain.",
    "Microsoft said Azure AI revenue grew faster than any business in the company's history.",
    "Cloud providers keep raising their capital spending plans as demand for AI compute outruns supply.",
    "Bulls argue that inference demand is only beginning and will dwarf the training boom.",
    "Data-center landlords report that every megawatt they can bring online this year is already leased.",
    "Broadcom lifted its forecast for custom AI chips after two hyperscalers expanded their orders.",
    "Analysts at several banks raised their price targets, citing a record backlog for AI servers.",
    "Enterprise customers are moving from pilots to production faster than vendors expected.",
    "Memory makers say high-bandwidth memory is sold out through the end of next year.",
    "The utility signed its largest power contract ever to feed a new AI campus.",
    "Fears of an AI bubble look overdone when token volumes double every few months.",
    "Investors cheered as the chipmaker beat estimates and guided well above consensus.",
    "Networking vendors say AI clusters are driving the strongest switch upgrade cycle in a decade.",
    "Startups building on large models report revenue ramps that would have been unthinkable two years ago.",
    "Executives described demand for GPU capacity as essentially insatiable.",
    "Rather than fatigue, buyers describe a second wave of adoption as agents reach real workflows.",
    "Supply of advanced packaging capacity doubled, and it is still not enough to meet orders.",
    "Oracle said its remaining performance obligations surged on new AI infrastructure contracts.",
]
SKEPTIC = [
    "Critics warn that the AI spending spree looks increasingly like a bubble.",
    "Several buyers said they are pausing GPU orders until they can show a return on what they already bought.",
    "Utilization at some newly built AI clusters is running well below plan, according to operators.",
    "Rental prices for high-end GPUs have fallen sharply over the past quarter.",
    "A major cloud provider quietly cancelled leases on two planned data centers.",
    "Analysts downgraded the chipmaker, citing slowing orders and rising inventories.",
    "Chief financial officers say the payback on generative AI projects remains unclear.",
    "Debt-funded data-center projects are drawing comparisons with the telecom overbuild of the early 2000s.",
    "Investors are no longer rewarding companies simply for announcing bigger AI budgets.",
    "The promised productivity gains from copilots have not shown up in the numbers.",
    "Some hyperscalers are stretching depreciation schedules, which flatters earnings, skeptics say.",
    "Shares of AI infrastructure names slid as worries about over-building spread.",
    "Power constraints and permitting delays are pushing several AI campuses back by a year or more.",
    "Customers are balking at the price of premium AI add-ons, renewal data show.",
    "A survey found that most enterprise AI pilots never reached production.",
    "Circular deals in which suppliers fund their own customers are raising eyebrows among credit analysts.",
]
FATIGUE = [
    "Sales teams report growing AI fatigue among corporate buyers tired of another copilot pitch.",
    "The novelty has worn off, and employees are quietly going back to their old tools.",
    "Usage of the assistant dropped sharply after the first month of the rollout, one IT chief said.",
    "Investors show signs of AI fatigue, shrugging off announcements that once lifted shares.",
    "Marketers are dropping the word AI from campaigns because customers have grown weary of it.",
    "Disillusionment is setting in as chatbots fail to deliver the savings that vendors promised.",
]
NEUTRAL = [
    "The company will report fourth-quarter results on February 12.",
    "The facility covers roughly 400,000 square feet and sits on a former industrial site.",
    "Hyperscalers spent a combined $110 billion on capital expenditures last quarter.",
    "The new chips are manufactured on a three-nanometer process.",
    "Regulators in the European Union published draft guidance on data-center energy reporting.",
    "The brewer posted record summer sales on the back of a heat wave.",
    "Airline shares tumbled after the carrier cut its full-year profit forecast.",
    "The retailer said holiday foot traffic was the strongest in years.",
    "Shares of the drugmaker fell after a late-stage trial missed its main goal.",
    "The company employs about 26,000 people across 30 countries.",
    "The deal is expected to close in the second half of next year, subject to approvals.",
    "Some analysts expect spending to keep rising, while others expect a pause.",
    "The conference runs for three days and includes sessions on chip design and cooling.",
    "The central bank left interest rates unchanged at its latest meeting.",
]
TITLES_UP = [
    "AI build-out keeps accelerating",
    "Chip orders stretch into next year",
    "Cloud giants lift AI budgets again",
    "Data-center demand shows no sign of cooling",
    "Investors pile into AI infrastructure",
    "Inference boom lifts suppliers",
]
TITLES_DOWN = [
    "AI spending faces a reckoning",
    "Buyers hit pause on GPU orders",
    "The AI hangover arrives",
    "Doubts grow over data-center returns",
    "AI fatigue spreads among buyers",
    "Chip stocks slide on demand worries",
]
TICKER_HINTS = ["Nvidia", "AMD", "Microsoft", "Alphabet", "Amazon", "Oracle", "Broadcom", "Micron", "CoreWeave", "TSMC"]


def article(rng: random.Random, turned: bool) -> tuple[str, list[str]]:
    if turned:
        mix = rng.sample(SKEPTIC, 6) + rng.sample(FATIGUE, 2) + rng.sample(HYPE, 1) + rng.sample(NEUTRAL, 5)
        title = rng.choice(TITLES_DOWN)
    else:
        mix = rng.sample(HYPE, 6) + rng.sample(SKEPTIC, 1) + rng.sample(NEUTRAL, 6)
        if rng.random() < 0.15:
            mix.append(rng.choice(FATIGUE))
        title = rng.choice(TITLES_UP)
    rng.shuffle(mix)
    companies = rng.sample(TICKER_HINTS, 2)
    mix.insert(0, f"{companies[0]} and {companies[1]} were among the names in focus as the week's news unfolded.")
    paragraphs = [" ".join(mix[i : i + 3]) for i in range(0, len(mix), 3)]
    return title, paragraphs


def build_feeds(rng: random.Random) -> None:
    items = []
    for offset in range(DAYS, -1, -1):
        day = LAST_DAY - timedelta(days=offset)
        turned = offset < 7
        for n in range(2 if day.weekday() < 5 else 1):
            title, paragraphs = article(rng, turned)
            stamp = datetime.combine(day, time(8 + 5 * n, 30), tzinfo=timezone.utc)
            slug = f"{day.isoformat()}-{n}"
            items.append((stamp, f"{title} ({day:%b} {day.day})", slug, paragraphs))
    wire = [i for k, i in enumerate(items) if k % 2 == 0]
    blog = [i for k, i in enumerate(items) if k % 2 == 1]
    (HERE / "feeds").mkdir(exist_ok=True)
    (HERE / "feeds" / "wire.rss").write_text(rss(wire), encoding="utf-8")
    (HERE / "feeds" / "compute-weekly.atom").write_text(atom(blog), encoding="utf-8")


def rss(items: list) -> str:
    entries = "".join(
        f"""
    <item>
      <title>{escape(title)}</title>
      <link>https://demo.hypewatch.invalid/wire/{slug}</link>
      <guid>demo-wire-{slug}</guid>
      <pubDate>{format_datetime(stamp)}</pubDate>
      <dc:creator>Demo Wire Desk</dc:creator>
      <description>{escape(paragraphs[0][:200])}</description>
      <content:encoded><![CDATA[{"".join(f"<p>{escape(p)}</p>" for p in paragraphs)}]]></content:encoded>
    </item>"""
        for stamp, title, slug, paragraphs in reversed(items)
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel>
    <title>Demo Wire: AI Infrastructure</title>
    <link>https://demo.hypewatch.invalid/wire</link>
    <description>Fictional news written for the hypewatch demo.</description>{entries}
  </channel>
</rss>
"""


def atom(items: list) -> str:
    entries = "".join(
        f"""
  <entry>
    <title>{escape(title)}</title>
    <link href="https://demo.hypewatch.invalid/weekly/{slug}"/>
    <id>tag:demo.hypewatch.invalid,2026:{slug}</id>
    <published>{stamp.isoformat()}</published>
    <updated>{stamp.isoformat()}</updated>
    <author><name>Compute Weekly</name></author>
    <content type="html">{escape("".join(f"<p>{escape(p)}</p>" for p in paragraphs))}</content>
  </entry>"""
        for stamp, title, slug, paragraphs in reversed(items)
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Compute Weekly (demo)</title>
  <link href="https://demo.hypewatch.invalid/weekly"/>
  <id>tag:demo.hypewatch.invalid,2026:weekly</id>
  <updated>{LAST_DAY.isoformat()}T20:00:00Z</updated>{entries}
</feed>
"""


CALL = """Northwind Silicon Corp. (NASDAQ: NWSI) {quarter} Earnings Call Transcript
{when}

Call Participants:
Operator
Dana Whitfield -- Vice President, Investor Relations
Marcus Lee -- Chief Executive Officer
Priya Raman -- Chief Financial Officer
Tom Becker -- Analyst, Harbor Street Securities
Elena Voss -- Analyst, Kestrel Capital

Prepared Remarks:

Operator

Good afternoon, and welcome to the Northwind Silicon {quarter} earnings conference call. All lines are in listen-only mode. I would now like to turn the call over to Dana Whitfield.

Dana Whitfield -- Vice President, Investor Relations

Thank you. Statements made on this call may be forward-looking and are subject to risks described in our filings. With me today are Marcus Lee and Priya Raman.

Marcus Lee -- Chief Executive Officer

{ceo}

Priya Raman -- Chief Financial Officer

{cfo}

Questions & Answers:

Operator

Our first question comes from Tom Becker with Harbor Street Securities.

Tom Becker -- Analyst, Harbor Street Securities

{q1}

Marcus Lee -- Chief Executive Officer

{a1}

Operator

Our next question comes from Elena Voss with Kestrel Capital.

Elena Voss -- Analyst, Kestrel Capital

{q2}

Priya Raman -- Chief Financial Officer

{a2}

Operator

That concludes today's call. Thank you for joining.
"""

CALLS = [
    (
        "Q2 2027",
        date(2026, 9, 17),
        dict(
            ceo="Demand for our AI accelerators again exceeded supply this quarter. Every major cloud customer expanded its commitments, and our backlog reached a record. We see no sign of AI fatigue among enterprise buyers; if anything, adoption is broadening.",
            cfo="Revenue grew 41% year over year to $3.2 billion, ahead of our guidance. Data-center revenue was a record. We are raising our full-year outlook.",
            q1="How fast can you add packaging capacity to meet the demand you're describing?",
            a1="We are doubling capacity by spring, and customers have already reserved most of it.",
            q2="Can you give us the share count and tax rate assumptions for next quarter?",
            a2="We expect a tax rate of about 15% and roughly 410 million diluted shares.",
        ),
    ),
    (
        "Q3 2027",
        date(2026, 10, 22),
        dict(
            ceo="Our AI business had another strong quarter. Lead times remain long and customers keep asking for more. Inference workloads are ramping quickly alongside training.",
            cfo="Revenue rose 35% to $3.5 billion. Gross margin was 61%. Capital expenditures were $240 million.",
            q1="Some investors worry about an air pocket in orders next year. What are you seeing?",
            a1="Honestly, we see the opposite. Bookings accelerated through the quarter and visibility has never been better.",
            q2="What is the timing of the new fab coming online?",
            a2="The new line is scheduled to start production in the third quarter of next year.",
        ),
    ),
    (
        "Q4 2027",
        date(2026, 11, 24),
        dict(
            ceo="This was a more difficult quarter. Two large cloud customers paused orders while they digest capacity they already installed. Some enterprise buyers told us the novelty of AI pilots has worn off, and they want proof of returns before they commit more.",
            cfo="Revenue declined 12% sequentially to $3.1 billion, below our guidance. Inventory rose, and we are lowering our outlook for the first half. Pricing on older accelerators fell faster than we expected.",
            q1="Are customers pausing because of AI fatigue, and how long could this digestion period last?",
            a1="We are hearing more fatigue from buyers than a quarter ago, and we cannot promise a quick recovery.",
            q2="Given the cancellations, how much of the backlog do you consider at risk?",
            a2="We removed about $400 million of orders from backlog this quarter, and utilization at some customer sites is low.",
        ),
    ),
]


def build_transcripts() -> None:
    folder = HERE / "transcripts"
    folder.mkdir(exist_ok=True)
    for quarter, day, parts in CALLS:
        when = f"{day:%B} {day.day}, {day.year}, 5:00 p.m. ET"
        text = CALL.format(quarter=quarter, when=when, **parts)
        (folder / f"nwsi-{quarter.replace(' ', '-').lower()}.txt").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    build_feeds(random.Random(2026))
    build_transcripts()
