"""The OpenAPI 3 description of the evaluation API, generated from the codebook.

``docs/evaluation-openapi.json`` is this schema, committed; a test keeps the two equal
(regenerate with ``python manage.py evaluation_report --openapi``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from evaluation.codebook import CSV_COLUMNS, RELEASE_FIELDS, TABLES
from evaluation.tables import Column, TableSpec

JSON_TYPES = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean"}


def _column_schema(column: Column) -> dict[str, Any]:
    description = column.description + (f" Unit: {column.unit}." if column.unit else "")
    return {"type": [JSON_TYPES[column.type], "null"], "description": description}


def _table_schema(spec: Any) -> dict[str, Any]:
    properties = {c.name: _column_schema(c) for c in spec.columns}
    properties["suppressed"] = {
        "type": "array",
        "items": {"type": "string"},
        "description": "Columns of this row blanked by small-cell suppression.",
    }
    return {
        "type": "object",
        "description": spec.description,
        "properties": {
            "description": {"type": "string"},
            "columns": {"type": "array", "items": {"type": "string"}},
            "epsilon": {"type": ["number", "null"], "description": "Epsilon this table spent."},
            "rows": {
                "type": "array",
                "items": {"type": "object", "properties": properties, "required": list(properties)},
            },
        },
    }


def schema(specs: Sequence[TableSpec] = TABLES) -> dict[str, Any]:
    error = {"$ref": "#/components/schemas/Error"}
    auth = [{"evaluatorToken": []}]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Peer support chat: evaluation API",
            "version": "1",
            "description": (
                "De-identified evaluation metrics. Every count below the release's k is "
                "suppressed, with complementary suppression audited across all tables of "
                "the release; no message content, handle, room "
                "id, session data or time finer than a day is ever included. Tokens are "
                "personal: create and revoke them on /evaluation/tokens/."
            ),
        },
        "servers": [{"url": "/"}],
        "components": {
            "securitySchemes": {
                "evaluatorToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal evaluator token (evt_...).",
                }
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "properties": {"code": {"type": "string"}, "detail": {"type": "string"}},
                    "required": ["code", "detail"],
                },
                "Release": {
                    "type": "object",
                    "properties": {
                        name: {"description": text} for name, text in RELEASE_FIELDS.items()
                    },
                },
                "Report": {
                    "type": "object",
                    "properties": {
                        "release": {"$ref": "#/components/schemas/Release"},
                        "tables": {
                            "type": "object",
                            "properties": {spec.name: _table_schema(spec) for spec in specs},
                        },
                        "codebook": {"type": "object", "description": "The data dictionary."},
                    },
                },
            },
        },
        "paths": {
            "/evaluation/api/v1/report": {
                "get": {
                    "summary": "The current de-identified report",
                    "security": auth,
                    "parameters": [
                        {
                            "name": "format",
                            "in": "query",
                            "schema": {
                                "type": "string",
                                "enum": ["json", "csv"],
                                "default": "json",
                            },
                            "description": "csv: one line per cell with columns "
                            + ", ".join(CSV_COLUMNS)
                            + ".",
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "The report",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Report"}
                                },
                                "text/csv": {"schema": {"type": "string"}},
                            },
                        },
                        "400": {
                            "description": "Bad format",
                            "content": {"application/json": {"schema": error}},
                        },
                        "401": {
                            "description": "No valid token",
                            "content": {"application/json": {"schema": error}},
                        },
                        "403": {
                            "description": "Not an evaluator",
                            "content": {"application/json": {"schema": error}},
                        },
                    },
                }
            },
            "/evaluation/api/v1/codebook": {
                "get": {
                    "summary": "The data dictionary: every table and column",
                    "security": auth,
                    "responses": {
                        "200": {
                            "description": "The codebook",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        },
                        "401": {
                            "description": "No valid token",
                            "content": {"application/json": {"schema": error}},
                        },
                    },
                }
            },
        },
    }
