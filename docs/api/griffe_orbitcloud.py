"""A griffe extension for the API reference (mkdocs.yml): orbitcloud's docstrings read as written.

orbitcloud's numpydoc docstrings write a parameter as ``name : what it is [unit]`` (the type is
in the signature), where numpydoc puts a type after the colon; read literally, the description
would be shown as a type and the parameter would look undescribed. And Sphinx roles
(``:func:`x` ``) mean nothing to Markdown. Before the docstrings are parsed, this extension

* moves the text after ``name :`` to the description when it is not a type (a type is a few
  words each of which is a known type name, a capitalised class name, ``or``/``of``/``optional``);
* turns ``:func:`x` ``, ``:class:`~a.b.X` `` etc. into code spans (`` `x` ``, `` `X` ``).

The source files are not changed; only what the site shows.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_SECTIONS = {"parameters", "other parameters", "attributes", "yields", "receives"}
_ROLE = re.compile(r":(?:func|class|mod|attr|meth|data|obj|exc|ref|const):`(~?)([^`]+)`")
_PARAM = re.compile(r"^(?P<indent>\s*)(?P<names>\*{0,2}[A-Za-z_][\w, *]*?)\s+:\s+(?P<rest>.+)$")
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


def rewrite(text: str) -> str:
    """The docstring text with parameter descriptions moved and Sphinx roles as code spans."""
    lines = _ROLE.sub(_role, text).splitlines()
    out: list[str] = []
    section, base = "", ""
    for i, line in enumerate(lines):
        nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if nxt and set(nxt) == {"-"} and len(nxt) >= 3:
            section, base = line.strip().lower(), line[: len(line) - len(line.lstrip())]
        m = _PARAM.match(line) if section in _SECTIONS else None
        if m and m["indent"] == base and not _is_type(m["rest"]):
            out.append(f"{m['indent']}{m['names']}")
            out.append(f"{m['indent']}    {m['rest']}")
            continue
        out.append(line)
    return "\n".join(out)


class OrbitcloudDocstrings(griffe.Extension):
    """Rewrite every docstring before it is parsed (see the module docstring)."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = rewrite(obj.docstring.value)
