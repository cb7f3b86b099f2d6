"""The glossary of AI names (nlp.glossary): what it marks and what it leaves, how a model keeps it,
that both scorers read sentences through it alike, and that training reads them as they are."""

from __future__ import annotations

import subprocess
import sys

import duckdb
import pytest
from model_helpers import EXAMPLES
from store_helpers import some_documents
from test_onnx_scorer import assert_same_scores

from hypewatch.nlp import meta as mt
from hypewatch.nlp.adapter import SHIPPED_BYTES
from hypewatch.nlp.glossary import Additions, Glossary, GlossaryError, default_glossary
from hypewatch.nlp.onnx_scorer import OnnxScorer, identify, load_scorer, precision_variants
from hypewatch.nlp.scorer import Scorer
from hypewatch.nlp.train import TrainConfig, train

pytestmark = pytest.mark.usefixtures("user_cache")  # conftest: a cache of this module's own

NAMED = [
    "Firefly generations hit a record in May.",
    "So certainly the second half is all about the MI-355 ramp.",
    "Nothing's changed about our X-scale pipeline.",
]


@pytest.mark.parametrize(
    "text, read",
    [
        ("The introduction of Firefly, combined with", "The introduction of Firefly (AI), combined with"),
        ("the MI-355 ramp, then MI355X and MI400", "the MI-355 (AI) ramp, then MI355X (AI) and MI400 (AI)"),
        ("our xScale and X-scale pipeline", "our xScale (AI) and X-scale (AI) pipeline"),
        ("AgentForce, Agentforce and agent force", "AgentForce (AI), Agentforce (AI) and agent force (AI)"),
        ("HBM3E now, hbm4 next", "HBM3E (AI) now, hbm4 (AI) next"),  # capitals also in lower case
        ("Liquid-cooled racks and liquid cooling", "Liquid-cooled (AI) racks and liquid cooling (AI)"),
        ("two Copilots and three chatbots", "two Copilots (AI) and three chatbots (AI)"),  # plurals
    ],
)
def test_ai_names_are_marked_where_they_stand(text, read):
    assert default_glossary().read(text) == read


@pytest.mark.parametrize(
    "text",
    [
        "My instinct says the quarter was fine.",  # a name in the case written only
        "Character.ai and NIMBLE grew.",  # whole words only, no dot before
        "A firefly lit the granite steps.",
        "Peter Rubin of Vertex Pharmaceuticals spoke.",  # people and companies named like products
        "var gptScript = 1;",
        "Revenue rose 4% in the quarter.",
        "",
    ],
)
def test_other_words_are_left_as_they_are(text):
    assert default_glossary().read(text) == text


def test_a_glossary_travels_in_the_model_metadata_and_a_bad_one_is_refused():
    glossary = default_glossary()
    assert Glossary.from_dict(glossary.to_dict()) == glossary
    assert Glossary.from_dict(None) is None
    with pytest.raises(GlossaryError, match="malformed glossary"):
        Glossary.from_dict({"mark": "(AI)"})
    with pytest.raises(GlossaryError, match="needs a mark"):
        Glossary("(AI)", [], [])
    with pytest.raises(GlossaryError, match="needs a word on each side"):
        Glossary("(AI)", ["Firefly ..."], [])


def _tiny(tmp_path_factory, tiny_encoder, name: str, glossary: bool, examples=EXAMPLES):
    folder = tmp_path_factory.mktemp(name) / "hypewatch-minilm"
    config = TrainConfig(
        epochs=1, seed=3, encoder=str(tiny_encoder), batch_size=8, shipped_bytes=SHIPPED_BYTES, glossary=glossary
    )
    train(folder, config, examples=examples, evaluate_heldout=False)
    return folder


@pytest.fixture(scope="module")
def glossed(tmp_path_factory, tiny_encoder):
    return _tiny(tmp_path_factory, tiny_encoder, "glossed", glossary=True)


def test_a_model_trained_with_the_glossary_keeps_it_and_its_scorers_read_through_it(glossed):
    assert mt.load_meta(glossed).glossary == default_glossary().to_dict()
    marked = [default_glossary().read(t) for t in NAMED]
    for precision in ("fp32", "int8"):
        scorer = Scorer.load(str(glossed), device="cpu", precision=precision)
        assert scorer.glossary == default_glossary()
        plain = Scorer.load(str(glossed), device="cpu", precision=precision)
        plain.glossary = None
        # the model reads a named sentence as the marked one; a sentence without a name as it is
        assert_same_scores(scorer.score(NAMED), plain.score(marked))
        assert scorer.score(NAMED) != plain.score(NAMED)
        assert scorer.score(["Revenue rose 4%."]) == plain.score(["Revenue rose 4%."])
    fast = OnnxScorer.open(str(glossed), device="cpu")
    assert fast is not None and fast.glossary == default_glossary()
    assert_same_scores(fast.score(NAMED), Scorer.load(str(glossed), device="cpu", precision="int8").score(NAMED))


def test_training_reads_sentences_as_they_are(tmp_path_factory, tiny_encoder, trained):
    """A glossary model learns what the plain recipe's model learns, to the bit, named sentences
    ("chatbots") in its training data included: the glossary changes what it reads when scoring."""
    assert any(default_glossary().read(e.text) != e.text for e in EXAMPLES)
    glossed_everything = _tiny(tmp_path_factory, tiny_encoder, "glossed-all", glossary=True)

    def raw(folder):
        scorer = Scorer.load(str(folder), device="cpu", precision="fp32")
        scorer.glossary = scorer.calibration = None
        return scorer.score([*NAMED, "Revenue rose 4%."])

    assert_same_scores(raw(glossed_everything), raw(trained[0]))  # conftest: the plain recipe, same seed


def test_the_continuing_recipe_reads_the_glossary_and_the_packaged_one_does_not():
    assert TrainConfig.continuing("default").glossary is True
    assert TrainConfig().glossary is False


# --- a user's own AI names (model.ai_names, model.ai_terms) ------------------------------------

NEW_NAME = "Zorvane generations hit a record in May."  # a product no glossary names


def test_a_users_ai_names_are_read_as_the_glossarys_are_under_another_model_id(glossed):
    added = Additions(names=("Zorvane",), terms=("agent mesh",))
    for precision in ("int8", "fp32"):
        plain = load_scorer(str(glossed), device="cpu", precision=precision)
        reading = load_scorer(str(glossed), device="cpu", precision=precision, additions=added)
        assert reading.glossary is not None
        assert reading.glossary.read(NEW_NAME) == "Zorvane (AI) generations hit a record in May."
        assert reading.glossary.read("An Agent Mesh ships.") == "An Agent Mesh (AI) ships."
        assert_same_scores(reading.score([NEW_NAME]), plain.score([reading.glossary.read(NEW_NAME)]))
        assert reading.score([NEW_NAME]) != plain.score([NEW_NAME])
        assert_same_scores(reading.score(NAMED), plain.score(NAMED))  # the model's own names as before
        # another instrument: another id, the one the run looks for before loading anything
        assert reading.model_id != plain.model_id
        assert reading.model_id == identify(str(glossed), device="cpu", precision=precision, additions=added)
        assert reading.model_id in precision_variants(reading.model_id)
        assert plain.model_id not in precision_variants(reading.model_id)
    assert Additions(("B", "A")).id == Additions(("A", "B", "A")).id != Additions(("A",)).id


def test_ai_names_for_a_model_without_a_glossary_are_refused_by_name(trained):
    with pytest.raises(GlossaryError, match=r"^model.ai_names / model.ai_terms: .+ reads no glossary of AI names"):
        load_scorer(str(trained[0]), device="cpu", additions=Additions(names=("Zorvane",)))


def test_adding_ai_names_scores_stored_documents_again_once(glossed, tmp_path, write_config):
    some_documents(tmp_path / "hw.duckdb", n=2, text=NEW_NAME)

    def score(extra: str) -> str:
        config = write_config(f"database: hw.duckdb\nlog_file: false\nmodel: {{name: {glossed}{extra}}}\n")
        done = subprocess.run(
            [sys.executable, "-m", "hypewatch", "--config", str(config), "score"],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        return done.stderr

    def stored() -> list[tuple]:
        with duckdb.connect(str(tmp_path / "hw.duckdb"), read_only=True) as conn:
            rows = conn.execute(
                "SELECT DISTINCT d.scored_by, s.p_hype FROM documents d JOIN sentences s USING (doc_id)"
            ).fetchall()
            assert conn.execute("SELECT count(*) FROM sentences").fetchone() == (2,)  # one each, never twice
            return rows

    assert "documents 2," in score("")
    before = stored()
    assert "documents 2," in score(", ai_names: [Zorvane]")
    after = stored()
    assert len(before) == len(after) == 1 and before[0][0] != after[0][0] and before[0][1] != after[0][1]
    assert "documents 0," in score(", ai_names: [Zorvane]")  # the same names: nothing to score
