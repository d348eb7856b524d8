"""People-facing views of plans and catalogs (rich renderables); new output formats land here."""
