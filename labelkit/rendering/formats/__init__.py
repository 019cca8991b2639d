"""File writers: a symbol's modules (or bars) in, the bytes of one PNG / SVG / EPS file out."""
