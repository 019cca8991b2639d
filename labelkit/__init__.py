"""The label library: GS1 rules, the export spec, symbol encoders, file writers and archive and
sheet-PDF writers. Pure: no I/O library is imported here (a test checks it), so any service, the
client or a notebook can use it alone."""
