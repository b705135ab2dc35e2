"""Views, one module per part of the site; each parses input, calls a service or selector, renders."""
