"""A griffe extension for the API reference (mkdocs.yml): orbitcloud's docstrings read as written.

orbitcloud's numpydoc docstrings write a parameter as ``name : what it is [unit]`` (the type is
in the signature), where numpydoc puts a type after the colon; read literally, the description
would be shown as a type and the parameter would look undescribed. And Sphinx roles
(``:func:`x` ``) mean nothing to Markdown. Before the docstrings are parsed, this extension

* moves the text after ``name :`` to the description when it is not a type (a type is a few
  words each of which is a known type name, a capitalised class name, ``or``/``of``/``optional``);
  likewise a Returns line that is a description, not a type (the type then comes from the
  signature's return annotation);
* turns ``:func:`x` ``, ``:class:`~a.b.X` `` etc. into code spans (`` `x` ``, `` `X` ``);
* names the docs' Validation and Contributing pages where a docstring cites the development
  notes kept beside the repository (``shared/VALIDATION.md``, ``shared/PITFALLS.md``);
* starts a Notes section where prose follows the parameters (a line that is a sentence, not a
  parameter name);
* escapes the second of two adjacent bracket groups (``[-pi, pi] [rad]``), which Markdown would
  read as a reference link.

The source files are not changed; only what the site shows.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_SECTIONS = {"parameters", "other parameters", "attributes", "receives"}
_RETURNS = {"returns", "yields"}
_ROLE = re.compile(r":(?:func|class|mod|attr|meth|data|obj|exc|ref|const):`(~?)([^`]+)`")
_PARAM = re.compile(r"^(?P<indent>\s*)(?P<names>\*{0,2}[A-Za-z_][\w, *]*?)\s+:\s+(?P<rest>.+)$")
_NAMES = re.compile(r"\*{0,2}\w+(?:\s*,\s*\*{0,2}\w+)*")  # `t1, t2`: parameter names, no prose
_TYPE_WORDS = {
    "int", "float", "str", "bool", "bytes", "dict", "list", "tuple", "set", "callable",
    "or", "of", "optional", "none", "array", "ndarray", "sequence", "mapping", "iterable", "any",
    "path", "object", "np.ndarray", "numpy.ndarray", "array_like", "array-like", "default",
}  # fmt: skip


def _is_type(text: str) -> bool:
    words = re.findall(r"[A-Za-z_][\w.\-]*", text)
    if not words or len(words) > 8 or re.search(r"[\[\]]\s*$|\[[a-z/ ^0-9]+\]", text):
        return False  # a [unit] marks a description
    return all(w.lower() in _TYPE_WORDS or w[0].isupper() for w in words)


def _role(m: re.Match[str]) -> str:
    target = m.group(2)
    return f"`{target.rsplit('.', 1)[-1] if m.group(1) else target}`"


_DEV_NOTES = [  # the development notes beside the repository, which a user does not have
    (re.compile(r"(?:\.\./)?shared/VALIDATION\.md,? ([A-H])\b"), r"Validation \1"),
    (
        re.compile(r"(?:\.\./)?shared/VALIDATION\.md conventions"),
        "the Validation page's conventions",
    ),
    (re.compile(r"(?:\.\./)?shared/VALIDATION\.md"), "the Validation page"),
    (re.compile(r"(?:\.\./)?shared/PITFALLS\.md"), "the measured pitfalls (Contributing)"),
    (re.compile(r"\bVALIDATION ([A-H])\b"), r"Validation \1"),
]


def rewrite(text: str) -> str:
    """The docstring text with parameter descriptions moved and Sphinx roles as code spans."""
    for pattern, replacement in _DEV_NOTES:
        text = pattern.sub(replacement, text)
    # `[-pi, pi] [rad]` would be a Markdown reference link to "rad": escape the second bracket
    text = re.sub(r"\]([ \t]*)\[", r"]\1\\[", _ROLE.sub(_role, text))
    lines = text.splitlines()
    out: list[str] = []
    section, base = "", ""
    for i, line in enumerate(lines):
        nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if nxt and set(nxt) == {"-"} and len(nxt) >= 3:
            section, base = line.strip().lower(), line[: len(line) - len(line.lstrip())]
            out.append(line)
            continue
        if line.strip() and set(line.strip()) == {"-"}:  # the underline of a section header
            out.append(line)
            continue
        at_base = bool(line.strip()) and line[: len(line) - len(line.lstrip())] == base
        m = _PARAM.match(line) if section in _SECTIONS | _RETURNS and at_base else None
        if section in _SECTIONS and at_base and not m and not _NAMES.fullmatch(line.strip()):
            # prose after the parameters (a sentence is no parameter name): a Notes section
            out.extend([f"{base}Notes", f"{base}-----"])
            section = "notes"
            out.append(line)
        elif m and not _is_type(m["rest"]):
            colon = (
                " :" if section in _RETURNS else ""
            )  # `name :`: a return's type from the signature
            out.append(f"{base}{m['names']}{colon}")
            out.append(f"{base}    {m['rest']}")
        elif section in _RETURNS and at_base and not m and not _is_type(line.strip()):
            if not out[-1].strip() or set(out[-1].strip()) == {"-"}:  # a new item
                out.append(f"{base}:")  # no name, no type: the type from the signature
            out.append(f"{base}    {line.strip()}")  # else prose going on from the line above
        else:
            out.append(line)
    return "\n".join(out)


class OrbitcloudDocstrings(griffe.Extension):
    """Rewrite every docstring before it is parsed (see the module docstring)."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        doc = obj.docstring
        if doc is None:
            return
        new = rewrite(doc.value)
        try:  # griffe indexes a tuple annotation by return item: keep what it cannot parse
            griffe.parse_numpy(griffe.Docstring(new, lineno=doc.lineno, parent=obj), warnings=False)
        except Exception:
            return
        doc.value = new
