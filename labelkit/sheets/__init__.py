"""Label-sheet geometry, shared by the API (does a label fit? → 422 at submit) and the PDF renderer:
templates, Helvetica metrics and the cell layout rule."""
