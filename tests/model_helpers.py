"""Tiny models' settings and labeled sentences, shared by the scorer tests (fixtures in conftest.py)."""

from hypewatch.nlp.corpus import Example

TINY = dict(
    hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64, max_position_embeddings=128
)

SENTENCES = [
    ("Demand for AI accelerators keeps outrunning supply.", "hype", False),
    ("Bulls argue spending on data centers has years to run.", "hype", False),
    ("Our GPU capacity is sold out through next year.", "hype", False),
    ("We see no sign of AI fatigue among our customers.", "hype", True),
    ("Rather than fatigue, we see a second wave of adoption.", "hype", True),
    ("Critics say the AI build-out looks like a bubble.", "skeptic", False),
    ("Are customers pausing orders for servers?", "skeptic", False),
    ("The payback on these chips is far from clear.", "skeptic", False),
    ("Buyers are tired of AI pitches that never ship.", "skeptic", True),
    ("The novelty of chatbots has worn off for many users.", "skeptic", True),
    ("The call is being recorded.", "neutral", False),
    ("The brewer reported record beer sales in Mexico.", "neutral", False),
    ("Capital expenditure was $12 billion in the quarter.", "neutral", False),
    ("Analysts define AI fatigue as waning enthusiasm.", "neutral", True),
]
EXAMPLES = [Example(f"{t} ({n})", lab, fat) for n in range(4) for t, lab, fat in SENTENCES]
