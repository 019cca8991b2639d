"""The printer languages, keyed by file_format: the one place that lists them.

Adding a language (EPL2, TSPL, ...) is its module and one `register(...)` line here; its name also
joins the contract's `file_format` enum (labelkit.export_spec.FileFormat), a type the OpenAPI
document and the event schema are generated from.
"""

from __future__ import annotations

from labelkit.rendering.printer.language import LanguageSpec
from labelkit.rendering.printer.zpl import ZPL

_LANGUAGES: dict[str, LanguageSpec] = {}


def register(spec: LanguageSpec) -> None:
    _LANGUAGES[spec.file_format] = spec


def unregister(file_format: str) -> None:
    """For tests that register a language of their own."""
    _LANGUAGES.pop(file_format, None)


def printer_formats() -> frozenset[str]:
    """The file formats of `thermal_labels`: one per registered language."""
    return frozenset(_LANGUAGES)


def printer_language(file_format: str) -> LanguageSpec:
    try:
        return _LANGUAGES[file_format]
    except KeyError:
        raise ValueError(f"no printer language writes file_format {file_format!r}") from None


register(ZPL)
