"""Does AI talk before a sentence make it AI talk? The written held-out sentences that are neutral
and name no AI term, scored alone and after a written held-out AI sentence with a stance drawn at
random (seeded), as a news roundup or a call changing subject puts them.

    python benchmarks/context_leak.py [MODEL ...]

MODEL is anything `model.name` accepts (default: "default", the shipped model). By the labeling
guide (nlp/data/GUIDE.md, rule 1) every one of them stays neutral: the count given a stance after
AI talk, beside the count given one alone, is how far the sentence before leaks into a sentence's
own subject. A model without context reads the sentence alone either way, and a model that
learned the sentence before from calls alone is given none in news (nlp.meta.ModelMeta.context_kinds).
"""

from __future__ import annotations

import argparse
import random
from collections import Counter
from dataclasses import replace

from hypewatch.nlp.corpus import load_corpus, split
from hypewatch.nlp.evaluate import score_examples
from hypewatch.nlp.scorer import Scorer
from hypewatch.nlp.topics import TopicTagger, default_ai_terms

SEED = 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", default=["default"])
    args = parser.parse_args()
    tagger = TopicTagger(topics=[], ai_terms=default_ai_terms())
    held_out = split(load_corpus())["heldout"]
    plain = [e for e in held_out if e.label == "neutral" and not tagger.ai_mentions(e.text)]
    ai_stance = [e for e in held_out if e.label != "neutral" and tagger.ai_mentions(e.text)]
    rng = random.Random(SEED)
    after_ai = [replace(e, previous=rng.choice(ai_stance).text) for e in plain]
    print(
        f"{len(plain)} neutral written held-out sentences naming no AI term; {len(ai_stance)} AI sentences with a stance before them"
    )
    for name in args.models:
        scorer = Scorer.load(name, device="cpu")
        alone = Counter(s.label for s in score_examples(scorer, plain))
        after = Counter(s.label for s in score_examples(scorer, after_ai))
        print(
            f"{name}: given a stance alone {alone['hype'] + alone['skeptic']} (hype {alone['hype']}, skeptic "
            f"{alone['skeptic']}); after AI talk {after['hype'] + after['skeptic']} (hype {after['hype']}, "
            f"skeptic {after['skeptic']})"
        )
        if "news" not in scorer.context_kinds:
            print(f"{name}: the score stage reads news sentence by sentence; these figures are a transcript's")


if __name__ == "__main__":
    main()
