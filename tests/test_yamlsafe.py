"""Tests for planner.inputs.yamlsafe: line numbers kept, every bad input a PlannerError."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import pytest

from planner.errors import PlannerError
from planner.inputs.yamlsafe import (
    MAX_DEPTH,
    MAX_VALUES,
    Located,
    _Builder,
    format_path,
    load_yaml,
    load_yaml_text,
)

BAD = Path(__file__).parent / "data" / "bad"

GOOD = """\
# A small scenario.
cluster: prod
services:
  - name: web
    desiredCount: 4
    taskDefinition:
      cpu: 256
      ports: [80,
              443]
  - name: worker
    desiredCount: 2
enabled: yes
started: 2020-01-01
"""


@pytest.fixture
def good() -> Located:
    return load_yaml_text(GOOD, file="good.yaml")


def test_good_data(good: Located) -> None:
    assert good.file == "good.yaml"
    assert good.data == {
        "cluster": "prod",
        "services": [
            {
                "name": "web",
                "desiredCount": 4,
                "taskDefinition": {"cpu": 256, "ports": [80, 443]},
            },
            {"name": "worker", "desiredCount": 2},
        ],
        # YAML 1.1 (SafeLoader) booleans are kept: yes -> True.
        "enabled": True,
        # Dates stay text, unlike SafeLoader's datetime.date.
        "started": "2020-01-01",
    }


@pytest.mark.parametrize(
    ("path", "line"),
    [
        # the document itself
        ((), 1),
        # a top-level scalar value
        (("cluster",), 2),
        # a mapping value that is a list: the line of its key, not of its first item
        (("services",), 3),
        # list items: the line the item starts on
        (("services", 0), 4),
        (("services", 1), 10),
        # mapping values inside list items
        (("services", 0, "desiredCount"), 5),
        (("services", 1, "desiredCount"), 11),
        # a nested mapping value that is itself a mapping
        (("services", 0, "taskDefinition"), 6),
        (("services", 0, "taskDefinition", "cpu"), 7),
        # items of a flow list spread over two lines
        (("services", 0, "taskDefinition", "ports", 0), 8),
        (("services", 0, "taskDefinition", "ports", 1), 9),
        # a missing field falls back to its nearest ancestor, where it belongs
        (("services", 1, "taskDefinition", "memory"), 10),
        (("nope", 3), 1),
    ],
)
def test_line_lookup(good: Located, path: tuple[str | int, ...], line: int) -> None:
    assert good.line(path) == line


def test_error_builds_planner_error(good: Located) -> None:
    err = good.error(("services", 0, "taskDefinition", "cpu"), "must be at least 128")
    assert isinstance(err, PlannerError)
    assert (err.file, err.line, err.field) == ("good.yaml", 7, "services[0].taskDefinition.cpu")
    assert str(err) == "good.yaml:7: services[0].taskDefinition.cpu: must be at least 128"
    # An error about the whole document has no field.
    assert str(good.error((), "expected a mapping")) == "good.yaml:1: expected a mapping"


@pytest.mark.parametrize(
    ("path", "text"),
    [
        # the example from the API
        (("services", 0, "taskDefinition", "cpu"), "services[0].taskDefinition.cpu"),
        # the document itself
        ((), ""),
        # a path that starts with an index
        ((0, "name"), "[0].name"),
        # nested lists
        (("matrix", 1, 2), "matrix[1][2]"),
        # keys that are not simple names are quoted so the path stays unambiguous
        (("labels", "app.kubernetes.io/name"), 'labels["app.kubernetes.io/name"]'),
    ],
)
def test_format_path(path: tuple[str | int, ...], text: str) -> None:
    assert format_path(path) == text


def test_load_yaml_reads_file(tmp_path: Path) -> None:
    # load_yaml and load_yaml_text agree; the display name is the path as given.
    file = tmp_path / "s.yaml"
    file.write_text(GOOD, encoding="utf-8")
    loaded = load_yaml(file)
    assert loaded.file == str(file)
    assert loaded.data == load_yaml_text(GOOD).data
    assert loaded.line(("services", 1, "name")) == 10


def test_byte_order_mark_is_ignored(tmp_path: Path) -> None:
    # Some Windows editors start UTF-8 files with a BOM.
    file = tmp_path / "bom.yaml"
    file.write_bytes(b"\xef\xbb\xbfa: 1\n")
    assert load_yaml(file).data == {"a": 1}


def test_anchors_aliases_and_merge_keys() -> None:
    # Reuse is allowed: aliased values get the anchor's lines, merged keys too,
    # and keys written in the mapping win over merged ones.
    text = """\
defaults: &defaults
  cpu: 256
  memory: 512
services:
  - name: web
    <<: *defaults
    memory: 1024
  - name: worker
    limits: *defaults
"""
    loaded = load_yaml_text(text)
    assert loaded.data["services"] == [
        {"cpu": 256, "memory": 1024, "name": "web"},
        {"name": "worker", "limits": {"cpu": 256, "memory": 512}},
    ]
    assert loaded.line(("services", 0, "cpu")) == 2  # merged: where it is written
    assert loaded.line(("services", 0, "memory")) == 7  # own key wins, own line
    assert loaded.line(("services", 1, "limits")) == 9  # alias: the key's line
    assert loaded.line(("services", 1, "limits", "memory")) == 3


def test_top_level_need_not_be_a_mapping() -> None:
    # The caller decides what the top level must be.
    assert load_yaml_text("- 1\n- 2\n").data == [1, 2]
    assert load_yaml_text("null\n").data is None


def billion_laughs() -> str:
    """The classic alias bomb, 9**9 strings once expanded."""
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("content", "message", "line"),
    [
        # binary: NUL bytes (a PNG header), reported on their line (after two \n)
        pytest.param(
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            "not a text file (YAML expected)",
            3,
            id="binary-nul",
        ),
        # binary: bytes that are not UTF-8 (Latin-1 text), with the line
        pytest.param(b"a: 1\nname: caf\xe9\n", "not a text file (YAML expected)", 2, id="not-utf8"),
        # the billion laughs alias bomb is refused at the alias that overflows
        pytest.param(billion_laughs(), "expands to more than 100,000", 6, id="billion-laughs"),
        # a python tag is refused (never executed), naming the tag
        pytest.param(
            "a: 1\nb: !!python/object/apply:os.system ['echo pwned']\n",
            "unsupported YAML tag !!python/object/apply:os.system",
            2,
            id="python-object",
        ),
        # python/name would look up any Python object
        pytest.param(
            "x:\n  - !!python/name:os.system\n",
            "unsupported YAML tag !!python/name:os.system",
            2,
            id="python-name",
        ),
        # a local tag, e.g. CloudFormation's !Ref
        pytest.param("a: !Ref Foo\n", "unsupported YAML tag !Ref", 1, id="unknown-tag"),
        # a standard tag that is not plain data
        pytest.param("a: !!binary aGk=\n", "unsupported YAML tag !!binary", 1, id="binary-tag"),
        # a standard tag whose text does not fit it
        pytest.param(
            "a: !!int four\n", "!!int 'four' cannot be read as an integer", 1, id="bad-int"
        ),
        # a tag on the wrong kind of node, reported where the tag is written
        pytest.param(
            "a: !!str\n  b: 1\n", "tag !!str cannot be used on a mapping", 1, id="tag-kind"
        ),
        # duplicate keys name the key and both lines
        pytest.param(
            "a: 1\nb:\n  c: 1\n  c: 2\n",
            "duplicate key 'c'; first defined on line 3",
            4,
            id="duplicate-key",
        ),
        # syntax error: the 1-based line from PyYAML's problem mark
        pytest.param(
            "a: 1\nb: 2\n  c: 3\n",
            "YAML syntax error: mapping values are not allowed",
            3,
            id="syntax-indent",
        ),
        # syntax error: an unclosed quote is found at the end of the file
        pytest.param(
            'a: "open\nb: 2\n',
            "YAML syntax error: found unexpected end of stream",
            3,
            id="syntax-quote",
        ),
        # tabs cannot indent YAML; say so
        pytest.param("a:\n\tb: 1\n", "indent with spaces, not tabs", 2, id="tab"),
        # an alias to an anchor that does not exist
        pytest.param("a: *nope\n", "found undefined alias *nope", 1, id="undefined-alias"),
        # an anchor used inside itself would expand forever
        pytest.param("a: &x\n  - *x\n", "alias *x is used inside its own anchor", 2, id="cycle"),
        # merge keys need mappings
        pytest.param("a:\n  <<: [1]\n", "merge key << needs a mapping", 2, id="merge-scalar"),
        # two documents in one file
        pytest.param("a: 1\n---\nb: 2\n", "but found another document", 2, id="two-docs"),
        # control characters are not allowed
        pytest.param("a: 1\nb: \x07\n", "U+0007 is not allowed", 2, id="control-char"),
        # integer keys are not text
        pytest.param("1: a\n", "key '1' reads as an integer; keys must be text", 1, id="int-key"),
        # YAML 1.1 reads an unquoted "no" key as false
        pytest.param("a:\n  no: 1\n", "key 'no' reads as a boolean", 2, id="bool-key"),
        # a list as a key
        pytest.param("? [1, 2]\n: a\n", "a list cannot be a key", 1, id="list-key"),
        # a key left empty
        pytest.param("? \n: a\n", "a key is empty", 1, id="empty-key"),
        # an integer too long for Python to convert
        pytest.param("a: " + "9" * 5000 + "\n", "Exceeds the limit", 1, id="huge-int"),
        # 10,000 nested [ must not reach Python's recursion limit
        pytest.param("[" * 10_000, f"nested more than {MAX_DEPTH} levels", 1, id="deep-flow"),
        # deep block nesting, reported where the limit is crossed
        pytest.param(
            "".join(" " * i + "k:\n" for i in range(200)),
            f"nested more than {MAX_DEPTH} levels",
            MAX_DEPTH + 1,
            id="deep-block",
        ),
        # aliases can nest deeper than the text; still refused
        pytest.param(
            "a: &a " + "[" * 40 + "]" * 40 + "\nb: " + "[" * 12 + "*a" + "]" * 12 + "\n",
            f"nested more than {MAX_DEPTH} levels",
            2,
            id="deep-alias",
        ),
        # a flat document that is simply too big is refused while composing
        pytest.param(
            "[" + "1," * (MAX_VALUES + 10) + "]",
            "more than 100,000 keys and values",
            1,
            id="too-many-values",
        ),
        # an empty file
        pytest.param("", "the file is empty; expected a mapping", None, id="empty"),
        # only comments and blank lines
        pytest.param("# nothing\n\n# here\n", "the file is empty", None, id="comments-only"),
        # a document start marker and nothing else
        pytest.param("---\n# nothing\n", "the file is empty", None, id="only-marker"),
    ],
)
def test_bad_content(tmp_path: Path, content: str | bytes, message: str, line: int | None) -> None:
    file = tmp_path / "scenario.yaml"
    if isinstance(content, str):
        file.write_text(content, encoding="utf-8")
    else:
        file.write_bytes(content)
    with bounded_work() as built, pytest.raises(PlannerError) as caught:
        load_yaml(file)
    # Nothing may hang: alias bombs and deep nesting stop after a bounded number of nodes.
    assert built() <= 2 * MAX_VALUES  # (an alias is built once per use, then its target)
    assert message in caught.value.message
    assert caught.value.file == str(file)
    assert caught.value.line == line


@contextmanager
def bounded_work():
    """Count the values the loader builds (its work), instead of timing it."""
    calls = [0]
    real = _Builder.build

    def counting(self, *args, **kwargs):
        calls[0] += 1
        return real(self, *args, **kwargs)

    _Builder.build = counting
    try:
        yield lambda: calls[0]
    finally:
        _Builder.build = real


def test_billion_laughs_stops_after_a_bounded_amount_of_work() -> None:
    # The classic bomb expands to 10**9 values; the loader stops at MAX_VALUES.
    with bounded_work() as built, pytest.raises(PlannerError, match="aliases that repeat aliases"):
        load_yaml_text(billion_laughs())
    assert MAX_VALUES < built() <= 2 * MAX_VALUES  # (aliases are built once per use)


@pytest.mark.parametrize(
    ("name", "message", "line", "field"),
    [
        # the alias bomb, reported at the alias that overflows the limit
        ("yaml-billion-laughs.yaml", "expands to more than 100,000", 7, "f[0]"),
        # a python tag is refused, naming it
        (
            "yaml-python-tag.yaml",
            "unsupported YAML tag !!python/object/apply:os.system",
            4,
            "services[0].desiredCount",
        ),
        # a non-standard tag is refused, naming it
        ("yaml-unknown-tag.yaml", "unsupported YAML tag !Ref", 4, "services[0].taskDefinition"),
        # the second desiredCount, pointing back at the first
        (
            "yaml-duplicate-key.yaml",
            "duplicate key 'desiredCount'; first defined on line 4",
            6,
            "services[0].desiredCount",
        ),
        # the unclosed flow list is noticed at the ':' on the next line
        ("yaml-syntax-error.yaml", "expected ',' or ']', but got ':'", 5, None),
        # a file of comments
        ("yaml-comment-only.yaml", "the file is empty; expected a mapping", None, None),
        # an anchor that contains its own alias
        (
            "yaml-recursive-alias.yaml",
            "alias *loop is used inside its own anchor",
            4,
            "services[0].sidecars",
        ),
        # the key "on" reads as true
        ("yaml-boolean-key.yaml", "key 'on' reads as a boolean", 4, "services[0]"),
    ],
)
def test_bad_files(name: str, message: str, line: int | None, field: str | None) -> None:
    path = BAD / name
    with pytest.raises(PlannerError) as caught:
        load_yaml(path)
    err = caught.value
    assert message in err.message
    assert (err.file, err.line, err.field) == (str(path), line, field)


def test_missing_file(tmp_path: Path) -> None:
    # A wrong path says so plainly.
    missing = tmp_path / "nope.yaml"
    with pytest.raises(PlannerError, match="no such file") as caught:
        load_yaml(missing)
    assert caught.value.file == str(missing)


def test_nul_in_file_name() -> None:
    # open() raises ValueError, not OSError, for these; still a PlannerError.
    with pytest.raises(PlannerError, match="not a valid file name"):
        load_yaml("bad\0name.yaml")


def test_directory(tmp_path: Path) -> None:
    # A directory is not a file.
    with pytest.raises(PlannerError, match="is a directory"):
        load_yaml(tmp_path)


def test_too_large(tmp_path: Path) -> None:
    # Files over max_bytes are refused unread; one at the limit is fine.
    file = tmp_path / "big.yaml"
    file.write_text("a: 1\n", encoding="utf-8")
    assert load_yaml(file, max_bytes=5).data == {"a": 1}
    with pytest.raises(PlannerError, match="larger than 4 bytes"):
        load_yaml(file, max_bytes=4)


def test_too_large_default_limit(tmp_path: Path) -> None:
    # The default limit is 1,000,000 bytes.
    file = tmp_path / "big.yaml"
    file.write_bytes(b"# " + b"x" * 1_000_000 + b"\n")
    with pytest.raises(PlannerError, match="larger than 1,000,000 bytes"):
        load_yaml(file)


def test_nul_in_text() -> None:
    # load_yaml_text refuses NULs too, with the line.
    with pytest.raises(PlannerError, match="not a text file") as caught:
        load_yaml_text("a: 1\nb: \x00\n", file="x.yaml")
    assert (caught.value.file, caught.value.line) == ("x.yaml", 2)


def test_a_huge_file_is_refused_having_read_the_limit_and_one_byte(tmp_path: Path) -> None:
    """The size guard reads max_bytes + 1 bytes, not the file (files.read_limited)."""
    from builders import make_sparse, refused_within

    huge = tmp_path / "huge.yaml"
    make_sparse(huge)
    refused_within(lambda: load_yaml(huge, max_bytes=1_000), "larger than 1,000 bytes", 1_000_000)
