"""The shared kit of the JSON API (django-ninja): the error envelope and its
codes, the `lang` parameter, the instant type, control-character-free text,
JSON bodies and the API class that wires them. Every app's router builds on
it; core imports no app, so any app may import this package.
"""
