"""Printer-native label languages. Each language is one module implementing `PrinterLanguage`."""

from labelkit.rendering.printer.language import PrinterLabel, PrinterLanguage, PrinterSetup
from labelkit.rendering.printer.sizing import DPI_CHOICES, FitError, achieved_mm, module_dots

__all__ = [
    "DPI_CHOICES",
    "FitError",
    "PrinterLabel",
    "PrinterLanguage",
    "PrinterSetup",
    "achieved_mm",
    "module_dots",
]
