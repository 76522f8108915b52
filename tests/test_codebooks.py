"""Tests for the shipped codebooks and for loading, checking and writing codebook TOML."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.codebooks import (
    DEFAULT_CODEBOOK,
    bundled_codebooks,
    codebook_to_toml,
    load_bundled,
    load_codebook,
    parse_codebook,
    validate_codebook,
)
from annotator.errors import CodebookError
from annotator.model import AttributeDef, Codebook, Label, Layer

FRAMES = [
    ("Economic", "1"),
    ("Capacity and resources", "2"),
    ("Morality", "3"),
    ("Fairness and equality", "4"),
    ("Legality, constitutionality and jurisprudence", "5"),
    ("Policy prescription and evaluation", "6"),
    ("Crime and punishment", "7"),
    ("Security and defense", "8"),
    ("Health and safety", "9"),
    ("Quality of life", "0"),
    ("Cultural identity", "q"),
    ("Public opinion", "w"),
    ("Political", "e"),
    ("External regulation and reputation", "r"),
    ("Other", "t"),
]
DEVICES = [
    ("Loaded language", "1"),
    ("Name calling or labeling", "2"),
    ("Repetition", "3"),
    ("Exaggeration or minimisation", "4"),
    ("Doubt", "5"),
    ("Appeal to fear or prejudice", "6"),
    ("Flag-waving", "7"),
    ("Causal oversimplification", "8"),
    ("Slogans", "9"),
    ("Appeal to authority", "0"),
    ("Black-and-white fallacy", "q"),
    ("Thought-terminating cliché", "w"),
    ("Whataboutism, straw man, red herring", "e"),
    ("Bandwagon, reductio ad hitlerum", "r"),
    ("Metaphor", "t"),
    ("Rhetorical question", "y"),
    ("Irony", "u"),
    ("Hyperbole", "i"),
    ("Historical analogy", "o"),
]
GENERIC = [
    ("Attribution of responsibility", "1"),
    ("Human interest", "2"),
    ("Conflict", "3"),
    ("Morality", "4"),
    ("Economic consequences", "5"),
]

# A small valid codebook; each validation test breaks one thing in it.
TINY = """\
name = "tiny"

[[layers]]
name = "Stance"
kind = "span"

[[layers.labels]]
name = "Fear"
key = "f"
colour = "#E69F00"

[[layers.labels]]
name = "Joy"
key = "j"
colour = "#56B4E9"
"""


def problem(text: str) -> str:
    """The message parse_codebook gives for `text` read as bad.toml."""
    with pytest.raises(CodebookError) as caught:
        parse_codebook(text, "bad.toml")
    message = str(caught.value)
    assert message.startswith("bad.toml")
    assert "\n" not in message
    return message


def keys_and_names(layer: Layer) -> list[tuple[str, str]]:
    """(name, key) of every label of `layer`, in order."""
    return [(label.name, label.key) for label in layer.labels]


# ---------------------------------------------------------------- shipped codebooks


def test_both_shipped_codebooks_are_found_and_load() -> None:
    available = bundled_codebooks()
    assert {"news-discourse", "generic-frames"} <= set(available)
    assert DEFAULT_CODEBOOK == "news-discourse"
    for name in available:
        assert load_bundled(name).name == name


def test_news_discourse_has_the_agreed_layers_labels_and_keys() -> None:
    codebook = load_bundled("news-discourse")
    assert [layer.name for layer in codebook.layers] == [
        "Framing", "Dominant frame", "Stance", "Overall stance", "Rhetorical device",
    ]
    framing, dominant = codebook.layer("Framing"), codebook.layer("Dominant frame")
    assert framing is not None and dominant is not None
    assert (framing.kind, framing.granularity, framing.overlap) == ("span", "token", "allow")
    assert keys_and_names(framing) == FRAMES
    assert (dominant.kind, dominant.multiple) == ("document", False)
    assert keys_and_names(dominant) == FRAMES
    assert [label.colour for label in dominant.labels] == [label.colour for label in framing.labels]

    stance, overall = codebook.layer("Stance"), codebook.layer("Overall stance")
    assert stance is not None and overall is not None
    assert (stance.kind, stance.granularity, stance.overlap) == ("span", "token", "allow")
    assert keys_and_names(stance) == [("Favour", "f"), ("Against", "a"), ("Neutral", "n")]
    assert stance.attribute("target") == AttributeDef(
        "target", "text", description=stance.attribute("target").description  # type: ignore[union-attr]
    )
    intensity = stance.attribute("intensity")
    assert intensity is not None
    assert (intensity.type, intensity.minimum, intensity.maximum) == ("int", 1, 3)
    assert (overall.kind, overall.multiple) == ("document", False)
    assert keys_and_names(overall) == [("Favour", "f"), ("Against", "a"), ("Neutral", "n"), ("Mixed", "m")]
    assert [attribute.name for attribute in overall.attributes] == ["target"]

    devices = codebook.layer("Rhetorical device")
    assert devices is not None
    assert (devices.kind, devices.granularity, devices.overlap) == ("span", "token", "allow")
    assert keys_and_names(devices) == DEVICES


def test_generic_frames_has_the_five_frames_of_semetko_and_valkenburg() -> None:
    codebook = load_bundled("generic-frames")
    assert [layer.name for layer in codebook.layers] == ["Generic frame", "Dominant generic frame"]
    span_layer, document_layer = codebook.layers
    assert (span_layer.kind, span_layer.granularity) == ("span", "token")
    assert (document_layer.kind, document_layer.multiple) == ("document", False)
    assert keys_and_names(span_layer) == GENERIC
    assert keys_and_names(document_layer) == GENERIC
    assert any("Semetko" in reference for reference in codebook.references)


@pytest.mark.parametrize("name", ["news-discourse", "generic-frames"])
def test_every_label_has_a_colour_and_a_key_of_its_own_in_its_layer(name: str) -> None:
    for layer in load_bundled(name).layers:
        colours = [label.colour.upper() for label in layer.labels]
        keys = [label.key.casefold() for label in layer.labels]
        assert all(re.fullmatch(r"#[0-9A-F]{6}", colour) for colour in colours), layer.name
        assert len(set(colours)) == len(colours), f"{layer.name}: a colour is used twice"
        assert all(len(key) == 1 and key.isalnum() for key in keys), layer.name
        assert len(set(keys)) == len(keys), f"{layer.name}: a shortcut key is used twice"
        assert all(label.description for label in layer.labels), layer.name


@pytest.mark.parametrize("name", ["news-discourse", "generic-frames"])
def test_span_labels_come_with_guidance_and_examples(name: str) -> None:
    for layer in load_bundled(name).layers:
        if layer.kind != "span":
            continue
        for label in layer.labels:
            assert label.include and label.exclude, f"{layer.name} / {label.name}"
            assert 1 <= len(label.examples) <= 2, f"{layer.name} / {label.name}"


def test_hyperbole_and_exaggeration_say_how_to_tell_them_apart() -> None:
    devices = load_bundled("news-discourse").layer("Rhetorical device")
    assert devices is not None
    hyperbole, exaggeration = devices.label("Hyperbole"), devices.label("Exaggeration or minimisation")
    assert hyperbole is not None and exaggeration is not None
    assert "Exaggeration or minimisation" in hyperbole.exclude
    assert "Hyperbole" in exaggeration.exclude


def test_unknown_bundled_name_lists_the_available_ones() -> None:
    with pytest.raises(CodebookError) as caught:
        load_bundled("news-discource")
    message = str(caught.value)
    assert '"news-discource"' in message
    assert '"news-discourse"' in message and '"generic-frames"' in message


# ---------------------------------------------------------------- writing and reading back


@pytest.mark.parametrize("name", ["news-discourse", "generic-frames"])
def test_shipped_codebooks_survive_a_round_trip(name: str) -> None:
    codebook = load_bundled(name)
    assert parse_codebook(codebook_to_toml(codebook), "written.toml") == codebook


def test_awkward_text_survives_a_round_trip() -> None:
    awkward = 'She said "no" \\ then 👍🏽 cafe\u0301\u00a0ok\r\nnext\tline\x01 end"'
    codebook = Codebook(
        name="awkward \"one\"",
        title="Ti\u0301tle with emoji 🗞️",
        description='ends with a quote and backslash\n"""\\',
        references=("first", 'second "quoted"', ""),
        layers=(
            Layer(
                name="Tone",
                kind="span",
                granularity="character",
                overlap="nested",
                multiple=False,
                description=awkward,
                labels=(
                    Label(name="Warm", key="W", colour="#aabbcc", description=awkward,
                          include="\nline one\nline two\n\n", exclude="\\n is not a newline",
                          examples=("“curly”", "tab\there", "ok 🙂")),
                    Label(name="Warmer", key="é", parent="Warm"),
                    Label(name="Cold", parent=None),
                ),
                attributes=(
                    AttributeDef(name="target", type="text", description="what"),
                    AttributeDef(name="level", type="choice", choices=("low", "high \"very\"")),
                    AttributeDef(name="score", type="int", minimum=-3, maximum=-3),
                    AttributeDef(name="count", type="int", maximum=7),
                    AttributeDef(name="sure", type="bool"),
                ),
            ),
            Layer(name="Verdict", kind="document", granularity="sentence", multiple=True,
                  labels=(Label(name="Good"),)),
        ),
    )
    written = codebook_to_toml(codebook)
    assert parse_codebook(written, "written.toml") == codebook
    assert "👍🏽" in written, "non-ASCII text should stay readable, not be escaped"


def test_load_codebook_reads_a_file_with_bom_and_crlf_line_ends(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_bytes(b"\xef\xbb\xbf" + TINY.replace("\n", "\r\n").encode("utf-8"))
    codebook = load_codebook(path)
    assert codebook.layers[0].label("Joy") == Label(name="Joy", key="j", colour="#56B4E9")
    assert load_codebook(str(path)) == codebook


def test_load_codebook_names_a_missing_or_undecodable_file(tmp_path: Path) -> None:
    with pytest.raises(CodebookError, match=r"^absent\.toml: file not found$"):
        load_codebook(tmp_path / "absent.toml")
    latin = tmp_path / "latin.toml"
    latin.write_bytes('name = "caf\u00e9"\n'.encode("latin-1"))
    with pytest.raises(CodebookError, match=r"^latin\.toml: not UTF-8 text"):
        load_codebook(latin)
    with pytest.raises(CodebookError, match=r"is a folder"):
        load_codebook(tmp_path)


def test_defaults_fill_in_what_a_codebook_leaves_out() -> None:
    codebook = parse_codebook('name = "x"\n[[layers]]\nname = "L"\n[[layers.labels]]\nname = "A"\n', "x.toml")
    layer = codebook.layers[0]
    assert (layer.kind, layer.granularity, layer.overlap, layer.multiple) == ("span", "token", "allow", True)
    assert layer.labels[0] == Label(name="A")


# ---------------------------------------------------------------- one test per rule


def test_syntax_error_gives_the_line() -> None:
    message = problem(TINY.replace('key = "j"', 'key = "j'))
    assert message.startswith("bad.toml, line 14, column")
    assert "not valid TOML" in message


def test_unknown_key_is_named_with_a_suggestion() -> None:
    message = problem(TINY.replace('colour = "#56B4E9"', 'color = "#56B4E9"'))
    assert message == 'bad.toml: layer "Stance", label "Joy": unknown key "color" (did you mean "colour"?)'


def test_unknown_top_level_key_lists_the_known_ones() -> None:
    message = problem('zzz = 1\n' + TINY)
    assert 'unknown key "zzz"' in message and "known keys: name, title" in message


def test_duplicate_label_in_a_layer() -> None:
    message = problem(TINY.replace('name = "Joy"', 'name = "fear"'))
    assert message == (
        'bad.toml: layer "Stance", label "fear": the label name is already used by label "Fear" in this layer'
    )


def test_same_label_name_in_two_layers_is_fine() -> None:
    text = TINY + TINY[TINY.index("[[layers]]"):].replace('name = "Stance"', 'name = "Overall"')
    assert [layer.name for layer in parse_codebook(text, "ok.toml").layers] == ["Stance", "Overall"]


def test_duplicate_layer_name() -> None:
    text = TINY + TINY[TINY.index("[[layers]]"):]
    assert problem(text) == 'bad.toml: layer "Stance": the layer name is already used by layer "Stance"'


def test_shortcut_key_clash_ignores_case() -> None:
    message = problem(TINY.replace('name = "Joy"\nkey = "j"', 'name = "Favour"\nkey = "F"'))
    assert message == (
        'bad.toml: layer "Stance", label "Favour": shortcut key "F" is already used by label "Fear" in this layer'
    )


@pytest.mark.parametrize("key", ["jj", "!", " "])
def test_shortcut_key_must_be_one_letter_or_digit(key: str) -> None:
    message = problem(TINY.replace('key = "j"', f'key = "{key}"'))
    assert f'label "Joy": shortcut key "{key}" must be a single letter or digit' in message


@pytest.mark.parametrize("colour", ["#56B4E", "56B4E9", "#56B4EG", "blue", "#56B4E9FF"])
def test_bad_colour(colour: str) -> None:
    message = problem(TINY.replace('colour = "#56B4E9"', f'colour = "{colour}"'))
    assert f'layer "Stance", label "Joy": colour "{colour}" is not of the form #RRGGBB' in message


def test_bad_kind() -> None:
    message = problem(TINY.replace('kind = "span"', 'kind = "spam"'))
    assert message == 'bad.toml: layer "Stance": kind "spam" is not one of "span", "document"'


def test_bad_granularity_and_overlap() -> None:
    message = problem(TINY.replace('kind = "span"', 'kind = "span"\ngranularity = "word"'))
    assert 'layer "Stance": granularity "word" is not one of "token", "character", "sentence"' in message
    message = problem(TINY.replace('kind = "span"', 'kind = "span"\noverlap = "never"'))
    assert 'layer "Stance": overlap "never" is not one of "allow", "nested", "forbid"' in message


def test_multiple_must_be_true_or_false() -> None:
    message = problem(TINY.replace('kind = "span"', 'kind = "document"\nmultiple = "no"'))
    assert message == 'bad.toml: layer "Stance": "multiple" must be true or false, not a string'


def test_unknown_parent() -> None:
    message = problem(TINY.replace('key = "j"', 'key = "j"\nparent = "Hope"'))
    assert message == 'bad.toml: layer "Stance", label "Joy": parent "Hope" is not a label of this layer'


def test_parent_cycle() -> None:
    text = TINY.replace('key = "f"', 'key = "f"\nparent = "Joy"').replace('key = "j"', 'key = "j"\nparent = "Fear"')
    message = problem(text)
    assert message == 'bad.toml: layer "Stance", label "Fear": its parents form a loop (Fear -> Joy -> Fear)'


def test_label_that_is_its_own_parent() -> None:
    message = problem(TINY.replace('key = "j"', 'key = "j"\nparent = "Joy"'))
    assert 'label "Joy": its parents form a loop (Joy -> Joy)' in message


def test_a_parent_hierarchy_without_loops_is_accepted() -> None:
    text = TINY.replace('key = "j"', 'key = "j"\nparent = "Fear"') + '\n[[layers.labels]]\nname = "Glee"\nparent = "Joy"\n'
    layer = parse_codebook(text, "ok.toml").layers[0]
    assert [label.parent for label in layer.labels] == [None, "Fear", "Joy"]


def test_choice_attribute_without_choices() -> None:
    message = problem(TINY + '\n[[layers.attributes]]\nname = "polarity"\ntype = "choice"\n')
    assert message.startswith('bad.toml: layer "Stance", attribute "polarity": a "choice" attribute needs "choices"')


def test_choices_on_a_text_attribute() -> None:
    message = problem(TINY + '\n[[layers.attributes]]\nname = "target"\nchoices = ["a"]\n')
    assert 'attribute "target": "choices" only apply to type "choice", not "text"' in message


def test_int_attribute_with_minimum_above_maximum() -> None:
    message = problem(TINY + '\n[[layers.attributes]]\nname = "intensity"\ntype = "int"\nminimum = 3\nmaximum = 1\n')
    assert message == 'bad.toml: layer "Stance", attribute "intensity": minimum 3 is greater than maximum 1'


def test_bad_attribute_type() -> None:
    message = problem(TINY + '\n[[layers.attributes]]\nname = "when"\ntype = "date"\n')
    assert 'attribute "when": type "date" is not one of "text", "choice", "int", "bool"' in message


def test_minimum_must_be_a_whole_number() -> None:
    message = problem(TINY + '\n[[layers.attributes]]\nname = "score"\ntype = "int"\nminimum = 1.5\n')
    assert 'attribute "score": "minimum" must be a whole number, not a number with a fraction' in message


def test_missing_and_empty_names() -> None:
    assert problem(TINY.replace('name = "tiny"\n', "")) == 'bad.toml: the required key "name" is missing'
    assert problem(TINY.replace('name = "Joy"\n', "")) == (
        'bad.toml: layer "Stance", label 2: the required key "name" is missing'
    )
    assert problem(TINY.replace('name = "Joy"', 'name = "  "')) == (
        'bad.toml: layer "Stance", label 2: the label name is empty'
    )
    message = problem(TINY.replace('name = "Joy"', 'name = "Joy "'))
    assert 'the label name "Joy " has spaces at its start or end' in message


def test_wrong_value_types_are_named() -> None:
    assert problem(TINY.replace('name = "Joy"', "name = 7")) == (
        'bad.toml: layer "Stance", label 2: "name" must be a string, not an integer'
    )
    message = problem(TINY.replace('key = "j"', 'key = "j"\nexamples = "one"'))
    assert 'label "Joy": "examples" must be an array of strings' in message


def test_layers_written_as_a_single_table() -> None:
    message = problem(TINY.replace("[[layers]]", "[layers]"))
    assert message == 'bad.toml: "layers" must be a list of tables, each headed [[layers]]'


def test_layer_without_labels_and_codebook_without_layers() -> None:
    assert problem('name = "x"\n') == "bad.toml: has no layers (add at least one [[layers]] table)"
    assert problem('name = "x"\n[[layers]]\nname = "Empty"\n').startswith('bad.toml: layer "Empty": has no labels')


def test_newer_format_version_is_refused() -> None:
    message = problem("version = 2\n" + TINY)
    assert "format version 2" in message and "reads version 1" in message


def test_granularity_is_not_checked_against_kind_for_document_layers() -> None:
    text = TINY.replace('kind = "span"', 'kind = "document"\ngranularity = "sentence"\nmultiple = false')
    layer = parse_codebook(text, "ok.toml").layers[0]
    assert (layer.kind, layer.multiple) == ("document", False)


def test_validate_codebook_checks_a_codebook_built_in_code() -> None:
    layer = Layer(name="Tone", labels=(Label(name="Warm", key="w"), Label(name="Wry", key="W")))
    with pytest.raises(CodebookError, match=r'^project: layer "Tone", label "Wry": shortcut key "W" is already used'):
        validate_codebook(Codebook(name="c", layers=(layer,)), "project")
    validate_codebook(Codebook(name="c", layers=(Layer(name="Tone", labels=(Label(name="Warm"),)),)), "project")


def test_loading_codebooks_imports_neither_qt_nor_spacy() -> None:
    code = (
        "import sys, annotator.codebooks as c; c.load_bundled('news-discourse'); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'spacy')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert result.stdout.strip() == "[]"
