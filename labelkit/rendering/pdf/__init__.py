"""Sheet PDFs: multi-up GS1 label sheets, written as streaming, assemblable parts.

Module map: `templates` (sheet geometry, parsing), `layout` (fit check, placement rule),
`helvetica` (font metrics), `syntax` (PDF bytes), `content` (per-label operators), `writer`
(streaming part writer), `numbering` (object numbering, PartInfo), `assembler` (header, trailer,
joining parts), `sheet` (the renderer entry points).
"""

from labelkit.rendering.pdf.assembler import (
    HEADER,
    EmptyDocument,
    PartsMismatch,
    check_parts,
    join_pdf_parts,
    write_trailer,
)
from labelkit.rendering.pdf.numbering import PartInfo, first_object_for, page_aligned_chunks
from labelkit.rendering.pdf.sheet import (
    HriLinesFor,
    SheetStyle,
    SymbolFor,
    render_sheet_part,
    render_sheet_pdf,
)
from labelkit.sheets.layout import (
    DEFAULT_LAYOUT,
    Arrangement,
    Fit,
    LabelDoesNotFit,
    LayoutOptions,
    check_fit,
)
from labelkit.sheets.templates import (
    BUILTIN_TEMPLATES,
    DEFAULT_TEMPLATE_NAME,
    SheetTemplate,
    TemplateError,
    parse_template,
)

__all__ = [
    "BUILTIN_TEMPLATES",
    "DEFAULT_LAYOUT",
    "DEFAULT_TEMPLATE_NAME",
    "HEADER",
    "Arrangement",
    "EmptyDocument",
    "Fit",
    "HriLinesFor",
    "LabelDoesNotFit",
    "LayoutOptions",
    "PartInfo",
    "PartsMismatch",
    "SheetStyle",
    "SheetTemplate",
    "SymbolFor",
    "TemplateError",
    "check_fit",
    "check_parts",
    "first_object_for",
    "join_pdf_parts",
    "page_aligned_chunks",
    "parse_template",
    "render_sheet_part",
    "render_sheet_pdf",
    "write_trailer",
]
