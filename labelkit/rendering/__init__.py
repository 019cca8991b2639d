"""Pure rendering: GS1 items in, symbol files and archive bytes out. No I/O besides the sink given."""
