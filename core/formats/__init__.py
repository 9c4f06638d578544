"""Django date formats per language (FORMAT_MODULE_PATH); see en/formats.py."""
