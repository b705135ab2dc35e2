"""PDF documents in the house style of Nghị định 30/2020: one renderer per document, one shared base."""
