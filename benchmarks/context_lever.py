"""Issue 24's context lever: does the sentence before, given as a second segment, help on unseen AI-era calls?

    python benchmarks/context_lever.py [MODEL] [--seeds 13 7] [--epochs 2] [--others 3000]

The labelers saw the sentence before each one; a model without context does not. This starts from
MODEL (default: the shipped one; the model card's figures started from the model shipped before it,
which read the sentence alone: `git show 3b1a918:nlp/shipped/hypewatch-minilm/...`), merged into a
full model, and fine-tunes it further, twice per seed, on the same data and
steps: the AI-era dev half twice over plus `--others` other training sentences, (a) as now, one
sentence in, and (b) with the sentence before it as a second segment, the stance pooled over the
sentence's own tokens (other sentences get an empty second segment). Both arms then score the
AI-era test half (calls and companies no model learned from, with their previous sentences) and
the written held-out split. Stance only: the fatigue head is left as it is. No cut, no calibration:
the arms are compared with each other, not with the shipped figures.
CPU time: about 5 minutes an arm without context and 8 with it on two cores.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", default="default")
    parser.add_argument("--seeds", type=int, nargs="+", default=[13])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--others", type=int, default=3000)
    args = parser.parse_args()

    import torch
    from torch import nn

    from hypewatch.nlp import model as mt
    from hypewatch.nlp.corpus import Example, load_corpus, split
    from hypewatch.nlp.evaluate import EvalReport
    from hypewatch.nlp.onnx_scorer import model_folder
    from hypewatch.nlp.real_eval import AI_ERA_FILE, load_real_examples, training_examples
    from hypewatch.nlp.scorer import encode as encode_pairs
    from hypewatch.nlp.train import _class_weights, _length_batches
    from hypewatch.records import LABELS, Score

    torch.set_num_threads(2)
    parts = split(load_corpus())

    def rows(half: str) -> list[tuple[Example, str]]:
        found = {}
        for row in load_real_examples(SHARED, AI_ERA_FILE, half=half):
            example = Example(row["text"], row["label"], row["fatigue"], register="real", origin=row["file"])
            found.setdefault(example.key, (example, row["previous"]))
        return list(found.values())

    dev, test = rows("dev"), rows("test")
    apart = {e.key for e, _ in dev + test} | {e.key for e in parts["validation"] + parts["heldout"]}
    others = [e for e in parts["train"] + training_examples(SHARED) if e.key not in apart]
    heldout = [(e, "") for e in parts["heldout"]]
    print(f"AI-era dev {len(dev)} (x2), test {len(test)}; {args.others} of {len(others)} others; {args.epochs} epochs")

    for seed in args.seeds:
        for context in (False, True):
            random.seed(seed)
            torch.manual_seed(seed)
            mix = dev * 2 + [(e, "") for e in random.sample(others, args.others)]
            net, tokenizer, _ = mt.load(model_folder(args.model, ROOT))

            def encode(items, context=context, tokenizer=tokenizer):
                pairs = [(e.text, previous) for e, previous in items]
                return encode_pairs(
                    tokenizer, pairs, context=context, max_length=mt.ModelMeta(context=context).pair_max_length
                )

            def stance(batch, net=net):
                return net(**batch)[0]  # pooled over the sentence's own tokens when given token_type_ids

            encoded = encode(mix)
            fields = list(encoded.keys())
            targets = torch.tensor([LABELS.index(e.label) for e, _ in mix])
            loss_fn = nn.CrossEntropyLoss(weight=_class_weights([e for e, _ in mix]), label_smoothing=0.1)
            optimizer = torch.optim.AdamW(
                [{"params": net.encoder.parameters(), "lr": 2e-5}, {"params": net.stance.parameters(), "lr": 1e-4}],
                weight_decay=0.01,
            )
            steps = args.epochs * -(-len(mix) // 16)
            schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s, steps=steps: max(0.0, 1 - s / steps))
            generator = torch.Generator().manual_seed(seed)
            started = time.perf_counter()
            for _ in range(args.epochs):
                net.train()
                for idx in _length_batches([len(x) for x in encoded["input_ids"]], 16, generator):
                    batch = tokenizer.pad({k: [encoded[k][i] for i in idx] for k in fields}, return_tensors="pt")
                    loss = loss_fn(stance(batch), targets[idx])
                    optimizer.zero_grad()
                    loss.backward()
                    torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
                    optimizer.step()
                    schedule.step()
            net.eval()

            def scores(items, encode=encode, stance=stance):
                out = []
                with torch.inference_mode():
                    for start in range(0, len(items), 64):
                        batch = tokenizer.pad(encode(items[start : start + 64]), return_tensors="pt")
                        for p in torch.softmax(stance(batch), dim=-1).tolist():
                            label = LABELS[max(range(len(LABELS)), key=p.__getitem__)]
                            out.append(Score(label, p[0], p[1], p[2], False, 0.0))
                return out

            on_test = EvalReport.compare([e for e, _ in test], scores(test))
            on_heldout = EvalReport.compare([e for e, _ in heldout], scores(heldout))
            print(
                f"seed {seed:>3} {'previous sentence' if context else 'sentence alone   '}: unseen AI-era calls "
                f"accuracy {on_test.accuracy:.3f} hype F1 {on_test.per_class['hype'].f1:.3f} "
                f"macro-F1 {on_test.macro_f1:.3f}; written held-out macro-F1 {on_heldout.macro_f1:.3f} "
                f"({time.perf_counter() - started:.0f} s)",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
